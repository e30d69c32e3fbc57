package io.registry4j.testkit;

import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.Watcher;
import java.util.List;
import org.junit.jupiter.api.DisplayName;

/**
 * The kit on a custom backend that implements only the six methods Kratos has (register, deregister, getService,
 * watch, close and the backend name), over the realistic in-memory server: its listener form is the API's default
 * ({@code WatcherLoop}), and it reports no registration events.
 */
@DisplayName("A Kratos-only custom registry passes the compatibility kit (default listener form)")
class KratosOnlyRegistryCompatibilityTest extends InMemoryCompatibilityKitBase {
    private static final InMemoryServer SERVER = new InMemoryServer("kit-kratos", InMemoryServer.Realism.REALISTIC);

    /** Only what a Kratos registry offers; everything else is the API's default. */
    private static final class KratosOnlyRegistry implements ServiceRegistry {
        final InMemoryRegistry delegate;

        KratosOnlyRegistry(InMemoryRegistry delegate) {
            this.delegate = delegate;
        }

        @Override
        public String backend() {
            return "kratos-only";
        }

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
        public void close() {
            delegate.close();
        }
    }

    @Override
    protected InMemoryServer server() {
        return SERVER;
    }

    @Override
    protected ServiceRegistry wrap(InMemoryRegistry registry) {
        return new KratosOnlyRegistry(registry);
    }

    @Override
    protected InMemoryRegistry unwrap(ServiceRegistry registry) {
        return ((KratosOnlyRegistry) registry).delegate;
    }
}
