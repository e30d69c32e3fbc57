package io.registry4j.polaris.internal;

import io.registry4j.ServiceRegistry;
import io.registry4j.polaris.PolarisRegistry;
import io.registry4j.spi.RegistryProvider;
import io.registry4j.spi.RegistryUri;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Opens {@code polaris://host:8091[,host2:8091…]?option=value&…} as a {@link PolarisRegistry}.
 *
 * <p>Options: {@code namespace} (default {@code default}), {@code token} (service token), {@code ttl} (heartbeat TTL,
 * whole seconds, default {@code 5s}), {@code weight} (default 100), {@code region}, {@code zone} and {@code campus}
 * (the location, default none), {@code timeout} (call timeout, default {@code 10s}), {@code dir} (the SDK's directory,
 * default {@code registry4j-polaris} in the temporary directory), {@code persistCache} (default false),
 * {@code includeUnhealthy} (default false). A host without a port uses 8091, Polaris' gRPC port. Stateless and
 * thread-safe.
 */
public final class PolarisRegistryProvider implements RegistryProvider {

    /** Used by {@link java.util.ServiceLoader}. */
    public PolarisRegistryProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of(PolarisRegistry.BACKEND);
    }

    @Override
    public Set<String> options() {
        return Set.of(
                "namespace",
                "token",
                "ttl",
                "weight",
                "region",
                "zone",
                "campus",
                "timeout",
                "dir",
                "persistCache",
                "includeUnhealthy");
    }

    @Override
    public boolean isAvailable() {
        return RegistryProvider.canLoad(
                "com.tencent.polaris.factory.api.DiscoveryAPIFactory", PolarisRegistryProvider.class);
    }

    @Override
    public ServiceRegistry open(RegistryUri uri) {
        List<String> hosts = uri.requireHosts("must name at least one Polaris server, as in polaris://127.0.0.1:8091");
        uri.requireNoPath("must be empty; give the namespace as ?namespace=");
        PolarisRegistry.Builder b = PolarisRegistry.builder();
        uri.apply("host list", uri.authority(), () -> b.serverAddresses(hosts.toArray(String[]::new)));
        uri.option("namespace").ifPresent(v -> uri.apply("option 'namespace'", v, () -> b.namespace(v)));
        uri.option("token").ifPresent(b::serviceToken);
        uri.option("ttl").ifPresent(v -> uri.apply("option 'ttl'", v, () -> b.ttl(uri.duration("ttl", Duration.ZERO))));
        uri.option("weight").ifPresent(v -> uri.apply("option 'weight'", v, () -> b.weight(integer(uri, v))));
        String region = uri.option("region").orElse(null);
        String zone = uri.option("zone").orElse(null);
        String campus = uri.option("campus").orElse(null);
        if (region != null || zone != null || campus != null) {
            b.location(new PolarisRegistry.Location(
                    region == null ? "" : region, zone == null ? "" : zone, campus == null ? "" : campus));
        }
        uri.option("timeout")
                .ifPresent(v ->
                        uri.apply("option 'timeout'", v, () -> b.callTimeout(uri.duration("timeout", Duration.ZERO))));
        uri.option("dir").ifPresent(v -> b.sdkDirectory(path(uri, v)));
        b.persistCache(uri.bool("persistCache", false));
        b.includeUnhealthy(uri.bool("includeUnhealthy", false));
        try {
            return b.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw uri.rejected(PolarisRegistry.BACKEND, e);
        }
    }

    private static int integer(RegistryUri uri, String value) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw uri.invalid("option 'weight'", value, "must be a whole number");
        }
    }

    private static Path path(RegistryUri uri, String value) {
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw uri.invalid("option 'dir'", value, "must be a directory path");
        }
    }
}
