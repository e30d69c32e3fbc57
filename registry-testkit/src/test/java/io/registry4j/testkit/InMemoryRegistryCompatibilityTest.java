package io.registry4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.registry4j.Backoff;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;

@DisplayName("InMemoryRegistry passes the compatibility kit")
class InMemoryRegistryCompatibilityTest extends RegistryCompatibilityKit {
    private static final InMemoryServer SERVER = new InMemoryServer("kit");

    private static InMemoryRegistry.Builder builder() {
        return InMemoryRegistry.builder()
                .server(SERVER)
                .backoff(Backoff.exponential(Duration.ofMillis(10), Duration.ofMillis(200), 2.0))
                .keepAlive(Duration.ofMillis(50));
    }

    @Override
    protected ServiceRegistry newRegistry() {
        return builder().build();
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
                SERVER.stop();
            }

            @Override
            public void startServer() {
                SERVER.start(true); // comes back empty: every registration must be restored
            }

            @Override
            public void expireSession(ServiceRegistry registry) {
                SERVER.expire(((InMemoryRegistry) registry).sessionId());
            }

            @Override
            public void deleteBehindBack(ServiceRegistry registry, ServiceInstance instance) {
                assertThat(SERVER.delete(instance.name(), instance.id())).isTrue();
            }

            @Override
            public void dropWatches(ServiceRegistry registry) {
                SERVER.dropWatches(((InMemoryRegistry) registry).sessionId());
            }

            @Override
            public void writeGarbage(String service, String id) {
                SERVER.putRaw(
                        service, id, "{\"id\":\"" + id + "\",\"name\":\"" + service + "\",\"endpoints\":[\"no port\"]");
            }

            @Override
            public void removeGarbage(String service, String id) {
                SERVER.delete(service, id);
            }
        };
    }

    @Override
    protected InjectedClient newRegistryOnInjectedClient() {
        var own = new InMemoryServer("injected");
        InMemoryRegistry registry = InMemoryRegistry.builder().server(own).build();
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
