package io.registry4j.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import io.registry4j.Registries;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.Watcher;
import io.registry4j.testkit.RegistryLeakCheck;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A Kratos (Go) service and a registry4j service on one ZooKeeper see each other. The Kratos side is played by a plain
 * ZooKeeper client doing exactly what Kratos' {@code contrib/registry/zookeeper} does: persistent parents with empty
 * data, an ephemeral {@code /microservices/<name>/<id>} holding Go's {@code json.Marshal} of the instance, and reads
 * with {@code Children} plus {@code Get}.
 */
@ExtendWith(RegistryLeakCheck.class)
class KratosInteropTest {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
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

    /** A raw ZooKeeper session, as go-zookeeper opens one for a Kratos service. */
    private static ZooKeeper kratosSession() throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper z = new ZooKeeper(zk().server.connectString(), 2000, e -> {
            if (e.getState() == KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        assertThat(connected.await(10, TimeUnit.SECONDS))
                .as("Kratos' session connected")
                .isTrue();
        return z;
    }

    /** Kratos' register: ensure both parents (persistent, empty data), then create the ephemeral leaf. */
    private static void kratosRegister(ZooKeeper z, String name, String id, String json) throws Exception {
        for (String p : List.of("/microservices", "/microservices/" + name)) {
            try {
                z.create(p, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            } catch (KeeperException.NodeExistsException e) {
                // as Kratos: an existing parent is fine
            }
        }
        z.create(
                "/microservices/" + name + "/" + id,
                json.getBytes(StandardCharsets.UTF_8),
                ZooDefs.Ids.OPEN_ACL_UNSAFE,
                CreateMode.EPHEMERAL);
    }

    @Test
    void aKratosServiceIsDiscoveredAndItsDepartureIsSeen() throws Exception {
        String name = "kratos-svc-" + SEQUENCE.incrementAndGet();
        // Byte for byte what Go marshals for a Kratos ServiceInstance with nil metadata.
        String goJson = "{\"id\":\"7f3c\",\"name\":\"" + name + "\",\"version\":\"v2.0.1\",\"metadata\":null,"
                + "\"endpoints\":[\"grpc://127.0.0.1:9000\",\"http://127.0.0.1:8000\"]}";
        ServiceInstance expected = ServiceInstance.builder()
                .id("7f3c")
                .name(name)
                .version("v2.0.1")
                .endpoint("grpc://127.0.0.1:9000")
                .endpoint("http://127.0.0.1:8000")
                .build();
        try (ServiceRegistry java = zk().registryBuilder().build()) {
            Watcher w = java.watch(name);
            assertThat(w.next()).isEmpty();
            ZooKeeper kratos = kratosSession();
            try {
                kratosRegister(kratos, name, "7f3c", goJson);
                assertThat(w.next()).containsExactly(expected);
                assertThat(java.getService(name)).containsExactly(expected);
            } finally {
                kratos.close(); // the Kratos process goes away: its ephemeral node goes with the session
            }
            assertThat(w.next()).isEmpty();
            w.stop();
        }
    }

    @Test
    void aRegistry4jInstanceIsReadByKratosAsGoWouldUnmarshalIt() throws Exception {
        String name = "java-svc-" + SEQUENCE.incrementAndGet();
        ServiceInstance mine = ServiceInstance.builder()
                .id("java-1")
                .name(name)
                .version("1.4.0")
                .putMetadata("zone", "eu-west-1a")
                .putMetadata("html", "<b>&</b>")
                .endpoint("grpc://127.0.0.1:9100")
                .build();
        String goJson = "{\"id\":\"java-1\",\"name\":\"" + name + "\",\"version\":\"1.4.0\","
                + "\"metadata\":{\"html\":\"\\u003cb\\u003e\\u0026\\u003c/b\\u003e\",\"zone\":\"eu-west-1a\"},"
                + "\"endpoints\":[\"grpc://127.0.0.1:9100\"]}";
        URI url = URI.create("zookeeper://" + zk().server.connectString() + "?root=/microservices&sessionTimeout=2s");
        ZooKeeper kratos = kratosSession();
        try (ServiceRegistry java = Registries.open(url)) {
            assertThat(java).isInstanceOf(ZooKeeperRegistry.class);
            java.register(mine);

            // Kratos' GetService: Children, then Get of each child, then json.Unmarshal.
            String servicePath = "/microservices/" + name;
            CompletableFuture<WatchedEvent> childrenChanged = new CompletableFuture<>();
            List<String> children = kratos.getChildren(servicePath, childrenChanged::complete);
            assertThat(children).containsExactly("java-1");
            Stat stat = new Stat();
            byte[] data = kratos.getData(servicePath + "/java-1", false, stat);
            assertThat(new String(data, StandardCharsets.UTF_8)).isEqualTo(goJson);
            assertThat(stat.getEphemeralOwner()).as("an ephemeral node").isNotZero();
            assertThat(kratos.exists("/microservices", false).getEphemeralOwner())
                    .isZero();
            assertThat(kratos.exists(servicePath, false).getEphemeralOwner()).isZero();

            // Kratos' watcher (ChildrenW) sees the instance leave.
            java.deregister(mine);
            assertThat(childrenChanged.get(10, TimeUnit.SECONDS).getType()).isEqualTo(EventType.NodeChildrenChanged);
            assertThat(kratos.getChildren(servicePath, false)).isEmpty();
        } finally {
            kratos.close();
        }
    }

    @Test
    void aKratosServiceAndARegistry4jServiceShareOneServiceName() throws Exception {
        String name = "mixed-" + SEQUENCE.incrementAndGet();
        ServiceInstance java1 = ServiceInstance.builder()
                .id("java-1")
                .name(name)
                .endpoint("grpc://127.0.0.1:9200")
                .build();
        String goJson = "{\"id\":\"go-1\",\"name\":\"" + name
                + "\",\"version\":\"\",\"metadata\":{},\"endpoints\":[\"grpc://127.0.0.1:9300\"]}";
        ZooKeeper kratos = kratosSession();
        try (ServiceRegistry java = zk().registryBuilder().build()) {
            java.register(java1);
            kratosRegister(kratos, name, "go-1", goJson);
            Watcher w = java.watch(name);
            assertThat(w.next()).extracting(ServiceInstance::id).containsExactly("go-1", "java-1");
            assertThat(kratos.getChildren("/microservices/" + name, false)).containsExactlyInAnyOrder("go-1", "java-1");
            w.stop();
        } finally {
            kratos.close();
        }
    }

    @Test
    void aChangedReRegistrationReplacesTheNodeSoThatKratosChildrenWatcherFires() throws Exception {
        String name = "update-" + SEQUENCE.incrementAndGet();
        ServiceInstance v1 = ServiceInstance.builder()
                .id("java-1")
                .name(name)
                .version("v1")
                .putMetadata("zone", "東京")
                .endpoint("grpc://127.0.0.1:9400")
                .build();
        ServiceInstance v2 =
                v1.toBuilder().version("v2").putMetadata("zone", "大阪").build();
        ZooKeeper kratos = kratosSession();
        try (ServiceRegistry java = zk().registryBuilder().build()) {
            java.register(v1);
            String servicePath = "/microservices/" + name;
            // Kratos' watcher: ChildrenW on the service node, and nothing else.
            CompletableFuture<WatchedEvent> childrenChanged = new CompletableFuture<>();
            assertThat(kratos.getChildren(servicePath, childrenChanged::complete))
                    .containsExactly("java-1");

            java.register(v2);

            assertThat(childrenChanged.get(10, TimeUnit.SECONDS).getType()).isEqualTo(EventType.NodeChildrenChanged);
            Stat stat = new Stat();
            String data = new String(kratos.getData(servicePath + "/java-1", false, stat), StandardCharsets.UTF_8);
            assertThat(data).contains("\"version\":\"v2\"").contains("大阪");
            assertThat(stat.getEphemeralOwner()).as("still an ephemeral node").isNotZero();
            assertThat(java.getService(name)).containsExactly(v2);
        } finally {
            kratos.close();
        }
    }

    @Test
    void anUnchangedReRegistrationWritesNothing() throws Exception {
        String name = "same-" + SEQUENCE.incrementAndGet();
        ServiceInstance v1 = ServiceInstance.builder()
                .id("java-1")
                .name(name)
                .version("v1")
                .endpoint("grpc://127.0.0.1:9500")
                .build();
        ZooKeeper kratos = kratosSession();
        try (ServiceRegistry java = zk().registryBuilder().build()) {
            java.register(v1);
            String path = "/microservices/" + name + "/java-1";
            Stat before = kratos.exists(path, false);

            java.register(v1);

            Stat after = kratos.exists(path, false);
            assertThat(after).isNotNull();
            assertThat(before).isNotNull();
            assertThat(after.getCzxid()).as("the same node").isEqualTo(before.getCzxid());
            assertThat(after.getMzxid()).as("never written again").isEqualTo(before.getMzxid());
            assertThat(after.getVersion()).isEqualTo(before.getVersion());
        } finally {
            kratos.close();
        }
    }
}
