package io.registry4j.interop;

import io.registry4j.Backoff;
import io.registry4j.testservers.KratosPeer;
import io.registry4j.testservers.ZooKeeperServer;
import io.registry4j.zookeeper.ZooKeeperRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * ZooKeeper: registry4j's {@link ZooKeeperRegistry} (Curator) and Kratos' {@code contrib/registry/zookeeper} (on
 * {@code go-zookeeper/zk}) on one real ZooKeeper server. Kratos watches children only, so an update must replace the
 * node. Sessions are the embedded server's longest (2 s) on both sides; a killed Kratos peer's session expires after
 * that, and registry4j's process death closes the Curator client under the registry, which ends its session.
 */
class ZooKeeperKratosInteropTest extends KratosInteropContract {
    private static final Duration SESSION_TIMEOUT = ZooKeeperServer.MAX_SESSION_TIMEOUT;

    private @Nullable ZooKeeperServer zookeeper;

    @BeforeAll
    void startServer() {
        zookeeper = ZooKeeperServer.start();
    }

    @AfterAll
    void stopServer() {
        ZooKeeperServer server = zookeeper;
        zookeeper = null;
        if (server != null) {
            server.close();
        }
    }

    private ZooKeeperServer zookeeper() {
        return Objects.requireNonNull(zookeeper, "zookeeper");
    }

    @Override
    protected KratosPeer.Backend kratosBackend() {
        return KratosPeer.Backend.zookeeper(zookeeper(), "--zk-session-timeout", SESSION_TIMEOUT.toMillis() + "ms");
    }

    @Override
    protected Registry4jProcess openRegistry4j() {
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(zookeeper().connectString())
                .sessionTimeoutMs((int) SESSION_TIMEOUT.toMillis())
                .connectionTimeoutMs(5_000)
                .retryPolicy(new RetryOneTime(100))
                .build();
        client.start();
        try {
            if (!client.blockUntilConnected(10, TimeUnit.SECONDS)) {
                client.close();
                throw new IllegalStateException("no connection to " + zookeeper());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            client.close();
            throw new IllegalStateException(e);
        }
        ZooKeeperRegistry registry = ZooKeeperRegistry.builder()
                .client(client)
                .callTimeout(Duration.ofSeconds(3))
                .backoff(Backoff.exponential(Duration.ofMillis(50), Duration.ofMillis(500), 2.0))
                .build();
        return Registry4jProcess.of(registry, client::close, client::close);
    }

    @Override
    protected Duration deathTimeout() {
        return scaled(SESSION_TIMEOUT.plusSeconds(15));
    }
}
