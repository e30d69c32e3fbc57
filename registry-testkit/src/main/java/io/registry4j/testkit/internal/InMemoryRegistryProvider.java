package io.registry4j.testkit.internal;

import io.registry4j.ServiceRegistry;
import io.registry4j.spi.RegistryProvider;
import io.registry4j.spi.RegistryUri;
import io.registry4j.testkit.InMemoryRegistry;
import io.registry4j.testkit.InMemoryServer;
import java.time.Duration;
import java.util.Set;

/**
 * Opens {@code memory://name}: a client of the in-memory server of that name in this JVM (created on first use), so
 * that every registry opened with the same URL sees the same instances. Options: {@code keepAlive} (a duration;
 * check that registered instances are still held, default off).
 */
public final class InMemoryRegistryProvider implements RegistryProvider {

    /** Used by {@link java.util.ServiceLoader}. */
    public InMemoryRegistryProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of(InMemoryRegistry.BACKEND);
    }

    @Override
    public Set<String> options() {
        return Set.of("keepAlive");
    }

    @Override
    public ServiceRegistry open(RegistryUri uri) {
        String name = uri.authority().isEmpty() ? "default" : uri.authority();
        InMemoryRegistry.Builder b = InMemoryRegistry.builder().server(InMemoryServer.named(name));
        Duration keepAlive = uri.duration("keepAlive", Duration.ZERO);
        if (keepAlive.isNegative()) {
            throw uri.invalid("option 'keepAlive'", keepAlive.toString(), "must not be negative");
        }
        if (!keepAlive.isZero()) {
            b.keepAlive(keepAlive);
        }
        return b.build();
    }
}
