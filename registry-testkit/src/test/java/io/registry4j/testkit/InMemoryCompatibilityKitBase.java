package io.registry4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.registry4j.Backoff;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.spi.Scheduler;
import java.time.Duration;

/**
 * The kit on the in-memory backend; subclasses choose how much the server helps ({@link InMemoryServer.Realism}) and
 * which form of registry the kit sees.
 */
abstract class InMemoryCompatibilityKitBase extends RegistryCompatibilityKit {

    /** The shared server of the concrete test class. */
    protected abstract InMemoryServer server();

    /** The registry the kit sees, made of an in-memory registry. */
    protected ServiceRegistry wrap(InMemoryRegistry registry) {
        return registry;
    }

    /** The in-memory registry under what {@link #wrap} made. */
    protected InMemoryRegistry unwrap(ServiceRegistry registry) {
        return (InMemoryRegistry) registry;
    }

    private InMemoryRegistry.Builder builder() {
        return InMemoryRegistry.builder()
                .server(server())
                .backoff(Backoff.exponential(Duration.ofMillis(10), Duration.ofMillis(200), 2.0))
                .keepAlive(Duration.ofMillis(50));
    }

    @Override
    protected ServiceRegistry newRegistry() {
        return wrap(builder().build());
    }

    @Override
    protected ServiceRegistry newRegistryWithBackoff(Backoff backoff) {
        return wrap(builder().backoff(backoff).build());
    }

    @Override
    protected ServiceRegistry newRegistryWithBackoff(Backoff backoff, Scheduler scheduler) {
        return wrap(builder().backoff(backoff).scheduler(scheduler).build());
    }

    @Override
    protected Capabilities capabilities() {
        return Capabilities.builder()
                .propagation(Duration.ofSeconds(5))
                .reRegistration(Duration.ofSeconds(5))
                .supports(Fault.values())
                .build();
    }

    @Override
    protected Faults faults() {
        return new Faults() {
            @Override
            public void stopServer() {
                server().crash(); // down, data and sessions lost: everything must be registered again
            }

            @Override
            public void startServer() {
                server().start();
            }

            @Override
            public void expireSession(ServiceRegistry registry) {
                server().expire(unwrap(registry).sessionId());
            }

            @Override
            public void deleteBehindBack(ServiceRegistry registry, ServiceInstance instance) {
                assertThat(server().delete(instance.name(), instance.id())).isTrue();
            }

            @Override
            public void dropWatches(ServiceRegistry registry) {
                server().dropWatches(unwrap(registry).sessionId());
            }

            @Override
            public void dropWatchesHoldingAnUpdate(ServiceRegistry registry, String service) {
                server().dropWatchesHolding(unwrap(registry).sessionId(), service);
            }

            @Override
            public void deliverHeldUpdate(ServiceRegistry registry, String service) throws InterruptedException {
                assertThat(server().deliverHeld(unwrap(registry).sessionId(), service))
                        .as("held notifications delivered")
                        .isPositive();
            }

            @Override
            public void writeGarbage(String service, String id) {
                server().putRaw(
                                service,
                                id,
                                "{\"id\":\"" + id + "\",\"name\":\"" + service + "\",\"endpoints\":[\"no port\"]");
            }

            @Override
            public void removeGarbage(String service, String id) {
                server().delete(service, id);
            }

            @Override
            public int nativeWatches(ServiceRegistry registry, String service) {
                return unwrap(registry).serverWatches(service); // counted by the server, not the registry
            }
        };
    }

    @Override
    protected InjectedClient newRegistryOnInjectedClient() {
        var own = new InMemoryServer("injected", server().realism());
        InMemoryRegistry inner = InMemoryRegistry.builder().server(own).build();
        ServiceRegistry registry = wrap(inner);
        return new InjectedClient() {
            @Override
            public ServiceRegistry registry() {
                return registry;
            }

            @Override
            public void assertClientUsable() {
                assertThat(own.isClosed()).isFalse();
                own.putRaw("probe", "p1", "{}");
                assertThat(own.delete("probe", "p1")).isTrue();
            }

            @Override
            public void close() {
                registry.close();
                own.close();
            }
        };
    }
}
