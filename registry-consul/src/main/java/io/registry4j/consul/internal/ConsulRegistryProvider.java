package io.registry4j.consul.internal;

import io.registry4j.ServiceRegistry;
import io.registry4j.consul.ConsulRegistry;
import io.registry4j.spi.RegistryProvider;
import io.registry4j.spi.RegistryUri;
import java.util.Locale;
import java.util.Set;

/**
 * Opens {@code consul://host[:port][?options]}, and {@code consuls://} for TLS.
 *
 * <p>The host is the agent ({@code http://host:port}, or {@code https://} for {@code consuls}); the port defaults to
 * {@value ConsulRegistry#DEFAULT_PORT}. Options: {@code dc} (the datacenter reads ask), {@code token} (the ACL token,
 * sent only as the {@code X-Consul-Token} header and redacted in every message), {@code heartbeat},
 * {@code deregisterAfter}, {@code timeout} and {@code wait} (durations such as {@code 10s}), {@code check}
 * ({@code none}, {@code tcp} or {@code http}) and {@code includeUnhealthy} (boolean): see
 * {@link ConsulRegistry.Builder}. Example: {@code consul://127.0.0.1:8500?dc=dc1&token=...&heartbeat=5s}.
 *
 * <p>Design: a thin parser; every value is checked by the builder, and its complaint is reported with the option
 * name and the redacted URL. Thread-safe (stateless).
 */
public final class ConsulRegistryProvider implements RegistryProvider {

    /** Used by {@link java.util.ServiceLoader}. */
    public ConsulRegistryProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of("consul", "consuls");
    }

    @Override
    public Set<String> options() {
        return Set.of("dc", "token", "heartbeat", "deregisterAfter", "timeout", "wait", "check", "includeUnhealthy");
    }

    @Override
    public ServiceRegistry open(RegistryUri uri) {
        String scheme = uri.scheme().equals("consuls") ? "https" : "http";
        String authority = uri.authority();
        if (authority.isBlank() || authority.contains("@") || authority.contains(",")) {
            throw uri.invalid("host", authority, "must be one agent, host or host:port, like consul://127.0.0.1:8500");
        }
        uri.requireNoPath("must be empty: Consul's API is at the root");
        ConsulRegistry.Builder b = ConsulRegistry.builder();
        try {
            b.address(scheme + "://" + RegistryUri.withDefaultPort(authority, ConsulRegistry.DEFAULT_PORT));
        } catch (IllegalArgumentException e) {
            throw uri.invalid("host", authority, "must be host or host:port");
        }
        if (uri.option("dc").isPresent()) {
            String dc = uri.string("dc", "");
            try {
                b.datacenter(dc);
            } catch (IllegalArgumentException e) {
                throw uri.invalid("option 'dc'", dc, "must be a datacenter name like dc1");
            }
        }
        if (uri.option("token").isPresent()) {
            try {
                b.token(uri.string("token", ""));
            } catch (IllegalArgumentException e) {
                throw uri.invalid("option 'token'", "***", "must be non-blank without control characters");
            }
        }
        String check = uri.string("check", "none").toLowerCase(Locale.ROOT);
        switch (check) {
            case "none" -> {}
            case "tcp" -> b.tcpCheck(true);
            case "http" -> b.httpCheck(true);
            default -> throw uri.invalid("option 'check'", check, "must be none, tcp or http");
        }
        try {
            b.heartbeatInterval(uri.duration("heartbeat", ConsulRegistry.DEFAULT_HEARTBEAT_INTERVAL));
            b.deregisterCriticalServiceAfter(uri.duration("deregisterAfter", ConsulRegistry.DEFAULT_DEREGISTER_AFTER));
            b.callTimeout(uri.duration("timeout", ConsulRegistry.DEFAULT_CALL_TIMEOUT));
            b.wait(uri.duration("wait", ConsulRegistry.DEFAULT_WAIT));
            b.includeUnhealthy(uri.bool("includeUnhealthy", false));
            return b.build();
        } catch (IllegalArgumentException e) {
            throw uri.rejected(uri.scheme(), e);
        }
    }
}
