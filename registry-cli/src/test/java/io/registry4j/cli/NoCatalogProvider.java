package io.registry4j.cli;

import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.Watcher;
import io.registry4j.spi.RegistryProvider;
import io.registry4j.spi.RegistryUri;
import io.registry4j.testkit.InMemoryRegistry;
import io.registry4j.testkit.InMemoryServer;
import java.util.List;
import java.util.Set;

/**
 * {@code nocatalog://name}: a backend that implements only the six methods Kratos has, as a user's own backend
 * may; in particular it cannot list services. Test-only, found through the test class path's service file.
 */
public final class NoCatalogProvider implements RegistryProvider {
    /** Used by {@link java.util.ServiceLoader}. */
    public NoCatalogProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of("nocatalog");
    }

    @Override
    public Set<String> options() {
        return Set.of();
    }

    @Override
    public ServiceRegistry open(RegistryUri uri) {
        InMemoryRegistry delegate = InMemoryRegistry.builder()
                .server(InMemoryServer.named("nocatalog-" + uri.authority()))
                .build();
        return new ServiceRegistry() {
            @Override
            public void register(ServiceInstance instance) {
                delegate.register(instance);
            }

            @Override
            public void deregister(ServiceInstance instance) {
                delegate.deregister(instance);
            }

            @Override
            public List<ServiceInstance> getService(String name) {
                return delegate.getService(name);
            }

            @Override
            public Watcher watch(String name) {
                return delegate.watch(name);
            }

            @Override
            public String backend() {
                return "nocatalog";
            }

            @Override
            public void close() {
                delegate.close();
            }
        };
    }
}
