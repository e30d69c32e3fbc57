package io.registry4j.etcd.internal;

import io.registry4j.RegistryException;
import io.registry4j.ServiceRegistry;
import io.registry4j.etcd.EtcdRegistry;
import io.registry4j.spi.RegistryProvider;
import io.registry4j.spi.RegistryUri;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Opens {@code etcd://host:2379[,host2:2379…]?option=value&…} ({@code etcds://} for TLS) as an {@link EtcdRegistry}.
 *
 * <p>Options: {@code namespace} (default {@code /microservices}), {@code ttl} (default {@code 15s}), {@code timeout}
 * (call timeout, default {@code 10s}), {@code keyCheck} (default a third of the TTL), {@code user} and
 * {@code password}, {@code tls} ({@code true} is the same as the {@code etcds} scheme), {@code cacert} (trusted CA
 * PEM file), {@code cert} and {@code key} (client certificate chain and PKCS#8 key, PEM). A host without a port uses
 * 2379. Stateless and thread-safe.
 *
 * <p>Design: each option goes to the {@link EtcdRegistry.Builder}, whose argument checks come back as the URL's
 * {@code INVALID_ARGUMENT} errors naming the option and the value (never the password); nothing connects here, so a
 * registry opens while etcd is down and its first call reports that.
 */
public final class EtcdRegistryProvider implements RegistryProvider {
    private static final String TLS_SCHEME = "etcds";

    /** Used by {@link java.util.ServiceLoader}. */
    public EtcdRegistryProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of(EtcdRegistry.BACKEND, TLS_SCHEME);
    }

    @Override
    public Set<String> options() {
        return Set.of("namespace", "ttl", "timeout", "keyCheck", "user", "password", "tls", "cacert", "cert", "key");
    }

    @Override
    public boolean isAvailable() {
        return RegistryProvider.canLoad("io.etcd.jetcd.Client", EtcdRegistryProvider.class);
    }

    @Override
    public ServiceRegistry open(RegistryUri uri) {
        try {
            return build(uri);
        } catch (RegistryException e) {
            String url = uri.toString();
            String message = e.getMessage();
            if (message == null
                    || !message.contains(url)
                    || uri.option("password").isEmpty()) {
                throw e;
            }
            // RegistryUri quotes the whole URL in its errors; a password in it must not reach logs.
            String prefix = e.backend() + " " + e.kind() + ": ";
            String text = message.startsWith(prefix) ? message.substring(prefix.length()) : message;
            throw new RegistryException(e.kind(), e.backend(), text.replace(url, redacted(uri)), e.getCause());
        }
    }

    private static ServiceRegistry build(RegistryUri uri) {
        boolean tls = uri.scheme().equals(TLS_SCHEME) || uri.bool("tls", false);
        List<String> hosts = uri.hosts();
        if (hosts.isEmpty()) {
            throw uri.invalid("host list", "", "must name at least one etcd server, as in etcd://127.0.0.1:2379");
        }
        if (!uri.path().isEmpty() && !uri.path().equals("/")) {
            throw uri.invalid("path", uri.path(), "must be empty; give the key prefix as ?namespace=");
        }
        List<String> endpoints = new ArrayList<>();
        for (String host : hosts) {
            endpoints.add((tls ? "https://" : "http://") + host);
        }
        EtcdRegistry.Builder b = EtcdRegistry.builder();
        apply(uri, "host list", uri.authority(), () -> b.endpoints(endpoints.toArray(String[]::new)));
        uri.option("namespace").ifPresent(v -> apply(uri, "option 'namespace'", v, () -> b.namespace(v)));
        uri.option("ttl")
                .ifPresent(v -> apply(uri, "option 'ttl'", v, () -> b.ttl(uri.duration("ttl", Duration.ZERO))));
        uri.option("timeout")
                .ifPresent(v ->
                        apply(uri, "option 'timeout'", v, () -> b.callTimeout(uri.duration("timeout", Duration.ZERO))));
        uri.option("keyCheck")
                .ifPresent(v -> apply(
                        uri,
                        "option 'keyCheck'",
                        v,
                        () -> b.keyCheckInterval(uri.duration("keyCheck", Duration.ZERO))));
        String user = uri.option("user").orElse(null);
        String password = uri.option("password").orElse(null);
        if ((user == null) != (password == null)) {
            throw uri.invalid(
                    "options 'user' and 'password'",
                    user == null ? "password only" : "user only",
                    "must be given together");
        }
        if (user != null && password != null) {
            apply(uri, "option 'user'", user, () -> b.credentials(user, password));
        }
        if (tls) {
            b.tls();
        }
        uri.option("cacert").ifPresent(v -> b.trustedCertificates(path(uri, "cacert", v)));
        String cert = uri.option("cert").orElse(null);
        String key = uri.option("key").orElse(null);
        if ((cert == null) != (key == null)) {
            throw uri.invalid(
                    "options 'cert' and 'key'", cert == null ? "key only" : "cert only", "must be given together");
        }
        if (cert != null && key != null) {
            b.clientCertificate(path(uri, "cert", cert), path(uri, "key", key));
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new RegistryException(
                    RegistryException.Kind.INVALID_ARGUMENT,
                    EtcdRegistry.BACKEND,
                    e.getMessage() + " in " + redacted(uri),
                    e);
        }
    }

    /** The URL for a message, without the password. */
    private static String redacted(RegistryUri uri) {
        return uri.toString().replaceAll("(?<=[?&]password=)[^&]*", "***");
    }

    private static Path path(RegistryUri uri, String option, String value) {
        Path file;
        try {
            file = Path.of(value);
        } catch (InvalidPathException e) {
            throw uri.invalid("option '" + option + "'", value, "must be a file path");
        }
        if (!Files.isReadable(file)) {
            throw uri.invalid("option '" + option + "'", value, "must be a readable PEM file");
        }
        return file;
    }

    /** Runs a builder call, turning its argument check into the URL's error naming the option and value. */
    private static void apply(RegistryUri uri, String what, String value, Runnable call) {
        try {
            call.run();
        } catch (IllegalArgumentException e) {
            // The value is quoted once, by invalid(): drop the builder's own ", got …" (it shows the parsed value).
            String rule = String.valueOf(e.getMessage()).replaceFirst(", got [^,']*$", "");
            throw uri.invalid(what, value, "is invalid: " + rule);
        }
    }
}
