package io.registry4j.etcd;

import static io.registry4j.etcd.EtcdTestSupport.await;
import static io.registry4j.etcd.EtcdTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.registry4j.Backoff;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.spi.Scheduler;
import io.registry4j.testkit.Capabilities;
import io.registry4j.testkit.Fault;
import io.registry4j.testkit.Faults;
import io.registry4j.testkit.InjectedClient;
import io.registry4j.testkit.RegistryCompatibilityKit;
import io.registry4j.testservers.EtcdServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/**
 * The compatibility kit on a real etcd server (the {@code etcd} binary, or {@code REGISTRY4J_TEST_ETCD}), every
 * fault included: the server is stopped and restarted on its data, leases are revoked and keys deleted by a plain
 * jetcd client, watch streams are cut in the client's gRPC channel, and garbage is written under a service.
 */
@DisplayName("etcd registry on a real etcd server")
class EtcdRegistryCompatibilityTest extends RegistryCompatibilityKit {
    private static final Duration TTL = Duration.ofSeconds(5);

    private static EtcdServer server;

    private final Map<ServiceRegistry, WatchStreams> streams = new ConcurrentHashMap<>();

    @BeforeAll
    static void startServer() {
        server = EtcdServer.start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected ServiceRegistry newRegistry() {
        var cutter = new WatchStreams();
        EtcdRegistry registry = EtcdRegistry.builder()
                .endpoints(server.endpoints().split(","))
                .ttl(TTL)
                .backoff(EtcdTestSupport.FAST)
                .customizeClient(b -> b.interceptor(cutter))
                .build();
        streams.put(registry, cutter);
        return registry;
    }

    @Override
    protected ServiceRegistry newRegistryWithBackoff(Backoff backoff, Scheduler scheduler) {
        var cutter = new WatchStreams();
        EtcdRegistry registry = EtcdRegistry.builder()
                .endpoints(server.endpoints().split(","))
                .ttl(TTL)
                .backoff(backoff)
                .scheduler(scheduler)
                .customizeClient(b -> b.interceptor(cutter))
                .build();
        streams.put(registry, cutter);
        return registry;
    }

    @Override
    protected Capabilities capabilities() {
        Capabilities.Builder b = Capabilities.builder()
                .unsupported(
                        Fault.LATE_UPDATE,
                        "jetcd hands a watch's events to its listener only while the watch is open, and the test cannot hold back an event of a cut stream and have jetcd deliver it after the registry replaced the watch")
                .propagation(Duration.ofSeconds(5))
                // A lost lease is noticed at the next renewal or key check (TTL/3), then put back at once.
                .reRegistration(TTL.plusSeconds(5))
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
                    "the etcd server comes from REGISTRY4J_TEST_ETCD (" + server.endpoints()
                            + "), which the tests cannot stop");
        }
        return b.build();
    }

    /**
     * A plain jetcd client for one fault, closed right after: a client kept across tests would start threads lazily
     * during some test and outlive it, which the leak check rightly counts.
     */
    private static Client admin() {
        return EtcdTestSupport.plainClient(server);
    }

    @Override
    protected Faults faults() {
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
            public void expireSession(ServiceRegistry registry) throws Exception {
                List<Long> leases = ((EtcdRegistry) registry).leaseIds();
                assertThat(leases).as("leases of the registry").isNotEmpty();
                try (Client admin = admin()) {
                    for (long lease : leases) {
                        await(admin.getLeaseClient().revoke(lease));
                    }
                }
            }

            @Override
            public void deleteBehindBack(ServiceRegistry registry, ServiceInstance instance) throws Exception {
                String key = ((EtcdRegistry) registry).namespace() + "/" + instance.name() + "/" + instance.id();
                try (Client admin = admin()) {
                    assertThat(await(admin.getKVClient().delete(bytes(key))).getDeleted())
                            .as("deleted " + key)
                            .isEqualTo(1);
                }
            }

            @Override
            public void dropWatches(ServiceRegistry registry) {
                WatchStreams cutter = Objects.requireNonNull(streams.get(registry), "watch streams of the registry");
                assertThat(cutter.cut()).as("watch streams cut").isPositive();
            }

            @Override
            public void writeGarbage(String service, String id) throws Exception {
                try (Client admin = admin()) {
                    await(admin.getKVClient()
                            .put(bytes(EtcdRegistry.DEFAULT_NAMESPACE + "/" + service + "/" + id), bytes("{not json")));
                }
            }

            @Override
            public void removeGarbage(String service, String id) throws Exception {
                try (Client admin = admin()) {
                    await(admin.getKVClient().delete(bytes(EtcdRegistry.DEFAULT_NAMESPACE + "/" + service + "/" + id)));
                }
            }
        };
    }

    @Override
    protected InjectedClient newRegistryOnInjectedClient() {
        Client client = EtcdTestSupport.plainClient(server);
        EtcdRegistry registry = EtcdRegistry.builder().client(client).build();
        return new InjectedClient() {
            @Override
            public ServiceRegistry registry() {
                return registry;
            }

            @Override
            public void assertClientUsable() throws Exception {
                await(client.getKVClient().get(bytes("/registry4j-test/probe")));
            }

            @Override
            public void close() {
                registry.close();
                client.close();
            }
        };
    }
}
