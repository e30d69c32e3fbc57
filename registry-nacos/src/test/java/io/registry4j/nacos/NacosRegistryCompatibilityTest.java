package io.registry4j.nacos;

import static org.assertj.core.api.Assertions.assertThat;

import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.pojo.Instance;
import io.registry4j.Backoff;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.spi.Scheduler;
import io.registry4j.testkit.Capabilities;
import io.registry4j.testkit.Fault;
import io.registry4j.testkit.Faults;
import io.registry4j.testkit.InjectedClient;
import io.registry4j.testkit.RegistryCompatibilityKit;
import io.registry4j.testservers.NacosServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.ExtendWith;

/** The whole compatibility kit against a real Nacos 3.1 server, faults included. */
@DisplayName("NacosRegistry on a real Nacos 3.1 server: compatibility kit")
@ExtendWith(SharedNacosServer.class)
class NacosRegistryCompatibilityTest extends RegistryCompatibilityKit {

    /** Garbage entries are written by a client of their own per service: Nacos keeps one publication per client. */
    private final Map<String, NamingService> garbageWriters = new ConcurrentHashMap<>();

    @Override
    protected ServiceRegistry newRegistry() {
        return SharedNacosServer.registry().build();
    }

    @Override
    protected ServiceRegistry newRegistryWithBackoff(Backoff backoff, Scheduler scheduler) {
        return SharedNacosServer.registry()
                .backoff(backoff)
                .scheduler(scheduler)
                .build();
    }

    @Override
    protected Capabilities capabilities() {
        NacosServer server = SharedNacosServer.server();
        Capabilities.Builder b = Capabilities.builder()
                .unsupported(
                        Fault.LATE_UPDATE,
                        "The Nacos SDK takes pushes on its one connection and hands them to the registry's subscriber in order; after a reset it reconnects inside the SDK, which delivers nothing of the old connection later, and the test cannot hold a push back")
                // The server batches pushes for about 0.5 s; the rest is margin for a busy 2-core machine.
                .propagation(Duration.ofSeconds(5))
                // After a restart the SDK reconnects with its own backoff, then redoes registrations every 3 s.
                .reRegistration(Duration.ofSeconds(20))
                .supports(
                        Fault.SESSION_EXPIRY,
                        Fault.DELETE_BEHIND_BACK,
                        Fault.DROP_WATCH,
                        Fault.GARBAGE_ENTRY,
                        Fault.WATCH_COUNT);
        if (server.supportsRestart()) {
            b.supports(Fault.SERVER_RESTART);
        } else {
            b.unsupported(
                    Fault.SERVER_RESTART,
                    "the Nacos server comes from REGISTRY4J_TEST_NACOS and the harness cannot restart it");
        }
        return b.build();
    }

    @Override
    protected Faults faults() {
        NacosServer server = SharedNacosServer.server();
        return new Faults() {
            @Override
            public void stopServer() {
                server.stop();
            }

            @Override
            public void startServer() {
                server.restart();
            }

            @Override
            public void expireSession(ServiceRegistry registry) {
                // The server closes the registry's gRPC connection, the session of its ephemeral instances.
                server.resetConnection(connectionId(registry));
            }

            @Override
            public void dropWatches(ServiceRegistry registry) {
                // Pushes travel on the same connection: closing it is the only way to drop them.
                server.resetConnection(connectionId(registry));
            }

            @Override
            public void deleteBehindBack(ServiceRegistry registry, ServiceInstance instance) throws Exception {
                // An ephemeral instance can only be removed through the connection that registered it: another
                // component sharing the registry's client deregisters it.
                NacosRegistry r = (NacosRegistry) registry;
                URI endpoint = instance.endpoints().get(0);
                String service = r.layout() == NacosLayout.KRATOS
                        ? instance.name() + "." + endpoint.getScheme()
                        : instance.name();
                r.namingService()
                        .deregisterInstance(
                                service,
                                r.group(),
                                Objects.requireNonNull(endpoint.getHost()),
                                endpoint.getPort(),
                                r.cluster());
            }

            @Override
            public void writeGarbage(String service, String id) throws Exception {
                NamingService writer = SharedNacosServer.plainClient();
                garbageWriters.put(service + "/" + id, writer);
                Instance garbage = new Instance();
                garbage.setIp("127.0.0.1");
                garbage.setPort(19999);
                garbage.setMetadata(Map.of("registry4j.id", id, "registry4j.index", "not a number"));
                writer.registerInstance(service, NacosRegistry.DEFAULT_GROUP, garbage);
            }

            @Override
            public void removeGarbage(String service, String id) throws Exception {
                NamingService writer = garbageWriters.remove(service + "/" + id);
                if (writer != null) {
                    writer.shutDown();
                }
            }
        };
    }

    private static String connectionId(ServiceRegistry registry) {
        String id = ((NacosRegistry) registry).connectionId();
        assertThat(id).as("the registry's gRPC connection id").isNotNull();
        return Objects.requireNonNull(id);
    }

    @Override
    protected String takeoverUndetectable() {
        return "Nacos keys an ephemeral instance by ip:port:cluster, not by registry4j's id: the same id on other "
                + "endpoints is another Nacos instance, and the same endpoints from a second connection replace the first's";
    }

    @Override
    protected InjectedClient newRegistryOnInjectedClient() {
        NamingService client;
        try {
            client = SharedNacosServer.plainClient();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        NacosRegistry registry = NacosRegistry.builder().namingService(client).build();
        return new InjectedClient() {
            @Override
            public ServiceRegistry registry() {
                return registry;
            }

            @Override
            public void assertClientUsable() throws Exception {
                assertThat(client.getServerStatus()).isEqualTo("UP");
                assertThat(client.getAllInstances("registry4j-probe", NacosRegistry.DEFAULT_GROUP, List.of(), false))
                        .isEmpty();
            }

            @Override
            public void close() {
                registry.close();
                try {
                    client.shutDown();
                } catch (Exception e) {
                    throw new IllegalStateException("shutting the injected client down failed", e);
                }
            }
        };
    }
}
