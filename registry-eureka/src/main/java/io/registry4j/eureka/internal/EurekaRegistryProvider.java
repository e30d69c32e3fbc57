package io.registry4j.eureka.internal;

import io.registry4j.ServiceRegistry;
import io.registry4j.eureka.EurekaRegistry;
import io.registry4j.spi.RegistryProvider;
import io.registry4j.spi.RegistryUri;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Set;

/**
 * Opens {@code eureka://[user:password@]host[:port][,host[:port]...][/path][?options]}, and {@code eurekas://} for
 * TLS.
 *
 * <p>Each host becomes a server ({@code http://host:port}, or {@code https://} for {@code eurekas}), tried in order;
 * the port defaults to {@value EurekaRegistry#DEFAULT_PORT}. The path is the path prefix of every server, by default
 * {@value EurekaRegistry#DEFAULT_PATH_PREFIX}. User info, or the options {@code user} and {@code password}, set basic
 * auth. Options: {@code renew}, {@code lease}, {@code refresh} and {@code timeout} (durations such as {@code 10s}),
 * {@code includeUnhealthy} (boolean) and {@code perAppLimit} (integer): see {@link EurekaRegistry.Builder}. Example:
 * {@code eureka://eureka-1:8761,eureka-2:8761/eureka?renew=10s&refresh=5s}.
 *
 * <p>Design: a thin parser; every value is checked by the builder, and its complaint is reported with the option
 * name and the URL. Thread-safe (stateless).
 */
public final class EurekaRegistryProvider implements RegistryProvider {

    /** Used by {@link java.util.ServiceLoader}. */
    public EurekaRegistryProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of("eureka", "eurekas");
    }

    @Override
    public Set<String> options() {
        return Set.of("renew", "lease", "refresh", "timeout", "includeUnhealthy", "perAppLimit", "user", "password");
    }

    @Override
    public ServiceRegistry open(RegistryUri uri) {
        String scheme = uri.scheme().equals("eurekas") ? "https" : "http";
        String authority = uri.authority();
        EurekaRegistry.Builder b = EurekaRegistry.builder();
        int at = authority.lastIndexOf('@');
        String userInfo = at < 0 ? null : authority.substring(0, at);
        String hosts = at < 0 ? authority : authority.substring(at + 1);
        if (hosts.isBlank()) {
            throw uri.invalid("host list", authority, "must name at least one server, like eureka://eureka:8761");
        }
        for (String host : hosts.split(",", -1)) {
            String h = host.strip();
            if (h.isEmpty()) {
                throw uri.invalid("host list", hosts, "has an empty entry");
            }
            String withPort = hasPort(h) ? h : h + ":" + EurekaRegistry.DEFAULT_PORT;
            try {
                b.server(new URI(scheme + "://" + (userInfo == null ? "" : userInfo + "@") + withPort));
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw uri.invalid("host", h, "must be host or host:port");
            }
        }
        try {
            if (!uri.path().isEmpty() && !uri.path().equals("/")) {
                b.pathPrefix(uri.path());
            }
            b.renewInterval(uri.duration("renew", EurekaRegistry.DEFAULT_RENEW_INTERVAL));
            if (uri.option("lease").isPresent()) {
                b.leaseDuration(uri.duration("lease", EurekaRegistry.DEFAULT_LEASE_DURATION));
            }
            b.refreshInterval(uri.duration("refresh", EurekaRegistry.DEFAULT_REFRESH_INTERVAL));
            b.callTimeout(uri.duration("timeout", EurekaRegistry.DEFAULT_CALL_TIMEOUT));
            b.includeUnhealthy(uri.bool("includeUnhealthy", false));
            b.perAppLimit(uri.integer("perAppLimit", EurekaRegistry.DEFAULT_PER_APP_LIMIT));
            if (uri.option("user").isPresent()) {
                b.basicAuth(uri.string("user", ""), uri.string("password", ""));
            } else if (uri.option("password").isPresent()) {
                throw uri.invalid("option 'password'", "***", "needs option 'user' too");
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new io.registry4j.RegistryException(
                    io.registry4j.RegistryException.Kind.INVALID_ARGUMENT,
                    uri.scheme(),
                    e.getMessage() + " in " + uri,
                    e);
        }
    }

    private static boolean hasPort(String host) {
        int close = host.lastIndexOf(']');
        int colon = host.lastIndexOf(':');
        return colon > close && (close >= 0 || host.indexOf(':') == colon);
    }
}
