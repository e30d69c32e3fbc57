package io.registry4j.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import io.registry4j.Backoff;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.spi.Scheduler;
import io.registry4j.testkit.Capabilities;
import io.registry4j.testkit.Fault;
import io.registry4j.testkit.Faults;
import io.registry4j.testkit.InjectedClient;
import io.registry4j.testkit.RegistryCompatibilityKit;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.utils.ZKPaths;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/** The whole compatibility kit on a real ZooKeeper server, with every fault. */
@DisplayName("ZooKeeperRegistry passes the compatibility kit on a real ZooKeeper server")
class ZooKeeperRegistryCompatibilityTest extends RegistryCompatibilityKit {
    private static @Nullable ZooKeeperTestSupport zk;

    @BeforeAll
    static void startServer() {
        zk = new ZooKeeperTestSupport();
    }

    @AfterAll
    static void stopServer() {
        ZooKeeperTestSupport s = zk;
        zk = null;
        if (s != null) {
            s.close();
        }
    }

    private static ZooKeeperTestSupport zk() {
        ZooKeeperTestSupport s = zk;
        assertThat(s).as("the test server").isNotNull();
        return java.util.Objects.requireNonNull(s);
    }

    @Override
    protected ServiceRegistry newRegistry() {
        return zk().registryBuilder().build();
    }

    @Override
    protected ServiceRegistry newRegistryWithBackoff(Backoff backoff, Scheduler scheduler) {
        return zk().registryBuilder().backoff(backoff).scheduler(scheduler).build();
    }

    @Override
    protected Capabilities capabilities() {
        Capabilities.Builder b = Capabilities.builder()
                .unsupported(
                        Fault.LATE_UPDATE,
                        "ZooKeeper delivers watch events in order on the client's one event thread, and a dropped connection resumes the same session and watches: the test cannot make an event of an earlier watch arrive after a later one")
                // Watch events arrive within milliseconds; the bound leaves room for a loaded CI machine.
                .propagation(Duration.ofSeconds(5))
                // A loss is seen at once (session LOST, node watch); the write follows within the test backoff.
                .reRegistration(Duration.ofSeconds(10))
                .supports(
                        Fault.SESSION_EXPIRY,
                        Fault.DELETE_BEHIND_BACK,
                        Fault.DROP_WATCH,
                        Fault.GARBAGE_ENTRY,
                        Fault.WATCH_COUNT);
        if (zk().server.supportsRestart()) {
            b.supports(Fault.SERVER_RESTART);
        } else {
            b.unsupported(
                    Fault.SERVER_RESTART,
                    "the ZooKeeper server comes from REGISTRY4J_TEST_ZOOKEEPER and the tests do not control it");
        }
        return b.build();
    }

    @Override
    protected Faults faults() {
        ZooKeeperTestSupport s = zk();
        return new Faults() {
            @Override
            public void stopServer() {
                s.server.stop();
            }

            @Override
            public void startServer() {
                s.server.restart();
            }

            @Override
            public void expireSession(ServiceRegistry registry) throws Exception {
                s.expireSession(registry);
            }

            @Override
            public void deleteBehindBack(ServiceRegistry registry, ServiceInstance instance) throws Exception {
                String root = ((ZooKeeperRegistry) registry).rootPath();
                s.admin.delete().forPath(ZKPaths.makePath(root, instance.name(), instance.id()));
            }

            @Override
            public void dropWatches(ServiceRegistry registry) throws Exception {
                // Cuts the registry's TCP connection; the client reconnects in the same session, as after a network
                // blip, and ZooKeeper does not replay what changed in between for persistent watches.
                ZooKeeperTestSupport.zooKeeperOf(registry).getTestable().closeSocket();
            }

            @Override
            public void writeGarbage(String service, String id) throws Exception {
                s.admin
                        .create()
                        .creatingParentsIfNeeded()
                        .forPath(
                                ZKPaths.makePath(ZooKeeperRegistry.DEFAULT_ROOT_PATH, service, id),
                                "{\"id\": not json".getBytes(StandardCharsets.UTF_8));
            }

            @Override
            public void removeGarbage(String service, String id) throws Exception {
                s.admin.delete().quietly().forPath(ZKPaths.makePath(ZooKeeperRegistry.DEFAULT_ROOT_PATH, service, id));
            }
        };
    }

    @Override
    protected InjectedClient newRegistryOnInjectedClient() {
        CuratorFramework client = zk().newPlainClient();
        ZooKeeperRegistry registry = ZooKeeperRegistry.builder()
                .client(client)
                .callTimeout(ZooKeeperTestSupport.CALL_TIMEOUT)
                .backoff(ZooKeeperTestSupport.BACKOFF)
                .build();
        return new InjectedClient() {
            @Override
            public ServiceRegistry registry() {
                return registry;
            }

            @Override
            public void assertClientUsable() throws Exception {
                assertThat(client.getState()).isEqualTo(CuratorFrameworkState.STARTED);
                assertThat(client.checkExists().forPath("/")).isNotNull();
            }

            @Override
            public void close() {
                registry.close();
                client.close();
            }
        };
    }
}
