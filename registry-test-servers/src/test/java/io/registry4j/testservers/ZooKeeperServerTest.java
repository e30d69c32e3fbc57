package io.registry4j.testservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ZooKeeperServerTest {
    private final List<ZooKeeper> clients = new CopyOnWriteArrayList<>();

    private final List<ZooKeeperServer> servers = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeClientsThenServers() throws InterruptedException {
        // Clients first: a client closed after its server waits in vain for the server to end its session.
        for (ZooKeeper client : clients) {
            client.close();
        }
        servers.forEach(ZooKeeperServer::close);
    }

    @Test
    void startsARealZooKeeperOnAFreeLoopbackPort() throws Exception {
        ZooKeeperServer zookeeper = started(ZooKeeperServer.start());
        String connectString = zookeeper.connectString();
        int port = Integer.parseInt(connectString.substring(connectString.lastIndexOf(':') + 1));

        assertThat(connectString).matches("(127\\.0\\.0\\.1|\\[::1\\]):\\d+");
        assertThat(LoopbackPorts.isStandardPort(port)).isFalse();
        assertThat(zookeeper.isRunning()).isTrue();
        assertThat(zookeeper.isExternal()).isFalse();
        assertThat(zookeeper.supportsRestart()).isTrue();

        ZooKeeper client = connect(zookeeper, Duration.ofSeconds(1), new CopyOnWriteArrayList<>());
        client.create("/hello", bytes("world"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);

        assertThat(new String(client.getData("/hello", false, null), StandardCharsets.UTF_8))
                .isEqualTo("world");
        assertThat(zookeeper.directory()).isNotNull().startsWith(ScratchDirectory.root());
    }

    @Test
    void grantsSessionTimeoutsBetweenOneAndTwentyTicks() throws Exception {
        ZooKeeperServer zookeeper = started(ZooKeeperServer.start());
        ZooKeeper fast = connect(zookeeper, Duration.ofMillis(500), new CopyOnWriteArrayList<>());
        ZooKeeper slow = connect(zookeeper, Duration.ofMinutes(1), new CopyOnWriteArrayList<>());

        assertThat(fast.getSessionTimeout()).isEqualTo(500);
        assertThat(slow.getSessionTimeout()).isEqualTo(ZooKeeperServer.MAX_SESSION_TIMEOUT.toMillis());
    }

    @Test
    void restartKeepsDataAndThePort() throws Exception {
        ZooKeeperServer zookeeper = started(ZooKeeperServer.start());
        String connectString = zookeeper.connectString();
        List<KeeperState> states = new CopyOnWriteArrayList<>();
        ZooKeeper client = connect(zookeeper, Duration.ofSeconds(2), states);
        client.create("/kept", bytes("data"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);

        zookeeper.stop();

        assertThat(zookeeper.isRunning()).isFalse();
        await().until(() -> states.contains(KeeperState.Disconnected));

        zookeeper.restart();

        assertThat(zookeeper.isRunning()).isTrue();
        assertThat(zookeeper.connectString()).isEqualTo(connectString);
        ZooKeeper fresh = connect(zookeeper, Duration.ofSeconds(2), new CopyOnWriteArrayList<>());
        assertThat(fresh.exists("/kept", false)).isNotNull();
    }

    @Test
    void expireSessionMakesTheServerDropTheSessionAndItsEphemerals() throws Exception {
        ZooKeeperServer zookeeper = started(ZooKeeperServer.start());
        List<KeeperState> ownerStates = new CopyOnWriteArrayList<>();
        ZooKeeper owner = connect(zookeeper, Duration.ofSeconds(2), ownerStates);
        owner.create("/instance", bytes("i-1"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        ZooKeeper observer = connect(zookeeper, Duration.ofSeconds(2), new CopyOnWriteArrayList<>());
        List<WatchedEvent> nodeEvents = new CopyOnWriteArrayList<>();
        assertThat(observer.exists("/instance", nodeEvents::add)).isNotNull();

        zookeeper.expireSession(owner.getSessionId(), owner.getSessionPasswd());

        assertThat(observer.exists("/instance", false)).isNull();
        await().until(() -> nodeEvents.stream().anyMatch(event -> event.getType() == EventType.NodeDeleted));
        await().until(() -> ownerStates.contains(KeeperState.Expired));
    }

    @Test
    void expiringASessionTheServerDoesNotKnowFails() throws Exception {
        ZooKeeperServer zookeeper = started(ZooKeeperServer.start());
        ZooKeeper client = connect(zookeeper, Duration.ofSeconds(2), new CopyOnWriteArrayList<>());
        long sessionId = client.getSessionId();
        byte[] password = client.getSessionPasswd();
        client.close();

        assertThatThrownBy(() -> zookeeper.expireSession(sessionId, password))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is not live");
    }

    @Test
    void closeStopsTheServerAndDeletesItsDirectory() {
        ZooKeeperServer zookeeper = ZooKeeperServer.start();
        Path directory = Objects.requireNonNull(zookeeper.directory());

        zookeeper.close();
        zookeeper.close();

        assertThat(zookeeper.isRunning()).isFalse();
        assertThat(directory).doesNotExist();
        assertThatThrownBy(zookeeper::restart).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void serverFromTheEnvironmentIsUsedAndCanStillExpireSessions() throws Exception {
        ZooKeeperServer real = started(ZooKeeperServer.start());
        TestEnvironment environment = TestEnvironment.of(Map.of("REGISTRY4J_TEST_ZOOKEEPER", real.connectString()));

        ZooKeeperServer external = started(ZooKeeperServer.start(environment));
        assertThat(external.isExternal()).isTrue();
        assertThat(external.supportsRestart()).isFalse();
        assertThat(external.connectString()).isEqualTo(real.connectString());
        assertThatThrownBy(external::stop)
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("REGISTRY4J_TEST_ZOOKEEPER");
        assertThatThrownBy(external::restart).isInstanceOf(UnsupportedOperationException.class);

        List<KeeperState> states = new CopyOnWriteArrayList<>();
        ZooKeeper client = connect(external, Duration.ofSeconds(2), states);
        external.expireSession(client.getSessionId(), client.getSessionPasswd());
        await().until(() -> states.contains(KeeperState.Expired));
        external.close();

        assertThat(real.isRunning()).isTrue();
        assertThat(connect(real, Duration.ofSeconds(2), new CopyOnWriteArrayList<>())
                        .exists("/", false))
                .isNotNull();
    }

    private ZooKeeper connect(ZooKeeperServer server, Duration sessionTimeout, List<KeeperState> states)
            throws Exception {
        ZooKeeper client = new ZooKeeper(
                server.connectString(), (int) sessionTimeout.toMillis(), event -> states.add(event.getState()));
        clients.add(client);
        await().until(() -> states.contains(KeeperState.SyncConnected));
        return client;
    }

    private ZooKeeperServer started(ZooKeeperServer server) {
        servers.add(server);
        return server;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
