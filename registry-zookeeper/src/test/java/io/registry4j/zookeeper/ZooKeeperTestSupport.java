package io.registry4j.zookeeper;

import io.registry4j.Backoff;
import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.ZooKeeperServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.ZooKeeper;

/**
 * What the ZooKeeper tests share: one real ZooKeeper server per test class (the harness's embedded server, or the one
 * named by {@code REGISTRY4J_TEST_ZOOKEEPER}), registries tuned for it, and a plain Curator client that plays
 * "someone else": an operator, another tool, a Kratos service.
 */
final class ZooKeeperTestSupport implements AutoCloseable {
    /**
     * The session timeout of test registries: the embedded server's longest (2 s), so that a busy two-core machine
     * does not expire sessions by accident; the expiry tests make the server expire them on purpose.
     */
    static final Duration SESSION_TIMEOUT = ZooKeeperServer.MAX_SESSION_TIMEOUT;

    static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);

    static final Backoff BACKOFF = Backoff.exponential(Duration.ofMillis(50), Duration.ofMillis(500), 2.0);

    final ZooKeeperServer server;
    final CuratorFramework admin;

    ZooKeeperTestSupport() {
        server = ZooKeeperServer.start();
        admin = newPlainClient();
    }

    /** A started Curator client with Curator's own thread names, as a user or another tool would make it. */
    CuratorFramework newPlainClient() {
        return newPlainClient(CuratorFrameworkFactory.builder());
    }

    /** Like {@link #newPlainClient()}, authenticated with ZooKeeper's digest scheme. */
    CuratorFramework newPlainClient(String user, String password) {
        return newPlainClient(CuratorFrameworkFactory.builder()
                .authorization("digest", (user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    private CuratorFramework newPlainClient(CuratorFrameworkFactory.Builder builder) {
        CuratorFramework c = builder.connectString(server.connectString())
                .sessionTimeoutMs((int) SESSION_TIMEOUT.toMillis())
                .connectionTimeoutMs(5_000)
                .retryPolicy(new RetryOneTime(100))
                .build();
        c.start();
        try {
            if (!c.blockUntilConnected(10, TimeUnit.SECONDS)) {
                c.close();
                throw new IllegalStateException("no connection to " + server);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            c.close();
            throw new IllegalStateException(e);
        }
        return c;
    }

    /** A builder for a registry on the test server, with short timeouts and backoff. */
    ZooKeeperRegistry.Builder registryBuilder() {
        return ZooKeeperRegistry.builder()
                .connectString(server.connectString())
                .sessionTimeout(SESSION_TIMEOUT)
                .connectionTimeout(Duration.ofSeconds(5))
                .callTimeout(CALL_TIMEOUT)
                .backoff(BACKOFF);
    }

    /** The ZooKeeper handle of a registry's current session. */
    static ZooKeeper zooKeeperOf(ServiceRegistry registry) throws Exception {
        return ((ZooKeeperRegistry) registry).client().getZookeeperClient().getZooKeeper();
    }

    /** Makes the server expire the registry's current session, as it would after the session timeout. */
    void expireSession(ServiceRegistry registry) throws Exception {
        ZooKeeper zk = zooKeeperOf(registry);
        server.expireSession(zk.getSessionId(), zk.getSessionPasswd());
    }

    @Override
    public void close() {
        admin.close();
        server.close();
    }
}
