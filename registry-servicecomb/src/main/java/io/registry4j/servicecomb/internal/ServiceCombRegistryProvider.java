package io.registry4j.servicecomb.internal;

import io.registry4j.ServiceRegistry;
import io.registry4j.servicecomb.ServiceCombRegistry;
import io.registry4j.spi.RegistryProvider;
import io.registry4j.spi.RegistryUri;
import java.util.ArrayList;
import java.util.Set;

/**
 * Opens {@code servicecomb://host[:port][,host[:port]...][?options]}, and {@code servicecombs://} for TLS.
 *
 * <p>The hosts are service-center servers ({@code http://host:port}, or {@code https://} for {@code servicecombs}),
 * tried in order; the port defaults to {@value ServiceCombRegistry#DEFAULT_PORT}. Options: {@code app} (the appId),
 * {@code env}, {@code project}, {@code consumer} (the consumer microservice's name), {@code token} (sent only as
 * {@code Authorization: Bearer}, redacted in every message), {@code heartbeat}, {@code poll} and {@code timeout}
 * (durations such as {@code 10s}) and {@code includeAll} (boolean): see {@link ServiceCombRegistry.Builder}. Example:
 * {@code servicecomb://127.0.0.1:30100?app=default&heartbeat=10s}.
 *
 * <p>Design: a thin parser; every value is checked by the builder, and its complaint is reported with the option name
 * and the redacted URL. Thread-safe (stateless).
 */
public final class ServiceCombRegistryProvider implements RegistryProvider {

    /** Used by {@link java.util.ServiceLoader}. */
    public ServiceCombRegistryProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of("servicecomb", "servicecombs");
    }

    @Override
    public Set<String> options() {
        return Set.of("app", "env", "project", "consumer", "token", "heartbeat", "poll", "timeout", "includeAll");
    }

    @Override
    public ServiceRegistry open(RegistryUri uri) {
        String scheme = uri.scheme().equals("servicecombs") ? "https" : "http";
        if (uri.authority().isBlank() || uri.authority().contains("@")) {
            throw uri.invalid(
                    "host",
                    uri.authority(),
                    "must be host[:port][,host[:port]...], like servicecomb://127.0.0.1:30100");
        }
        uri.requireNoPath("must be empty: give the project with ?project=");
        ServiceCombRegistry.Builder b = ServiceCombRegistry.builder();
        var urls = new ArrayList<String>();
        for (String h : uri.hosts()) {
            urls.add(scheme + "://" + RegistryUri.withDefaultPort(h, ServiceCombRegistry.DEFAULT_PORT));
        }
        try {
            b.address(String.join(",", urls));
        } catch (IllegalArgumentException e) {
            throw uri.invalid("host", uri.authority(), "must be host or host:port");
        }
        if (uri.option("token").isPresent()) {
            try {
                b.token(uri.string("token", ""));
            } catch (IllegalArgumentException e) {
                throw uri.invalid("option 'token'", "***", "must be non-blank without control characters");
            }
        }
        try {
            b.appId(uri.string("app", "default"));
            b.environment(uri.string("env", ""));
            b.project(uri.string("project", "default"));
            b.consumerName(uri.string("consumer", ServiceCombRegistry.DEFAULT_CONSUMER_NAME));
            b.heartbeatInterval(uri.duration("heartbeat", ServiceCombRegistry.DEFAULT_HEARTBEAT_INTERVAL));
            b.pollInterval(uri.duration("poll", ServiceCombRegistry.DEFAULT_POLL_INTERVAL));
            b.callTimeout(uri.duration("timeout", ServiceCombRegistry.DEFAULT_CALL_TIMEOUT));
            b.includeAllStatuses(uri.bool("includeAll", false));
            return b.build();
        } catch (IllegalArgumentException e) {
            throw uri.rejected(uri.scheme(), e);
        }
    }
}
