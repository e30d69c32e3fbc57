package io.registry4j.resilience;

import io.registry4j.zookeeper.ZooKeeperRegistry;
import java.time.Duration;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;

/** ZooKeeper helpers of the scenarios: registries with short sessions, and the raw view of what ZooKeeper stores. */
final class ZooKeeperSupport {
    static final String ROOT = "/microservices";

    /** The session timeout the scenarios ask for; the test servers grant up to 2 s. */
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(2);

    private ZooKeeperSupport() {}

    /** A registry with a short session, short calls and the fast backoff. */
    static ZooKeeperRegistry registry(String connectString) {
        return ZooKeeperRegistry.builder()
                .connectString(connectString)
                .sessionTimeout(SESSION_TIMEOUT)
                .connectionTimeout(Duration.ofSeconds(2))
                .callTimeout(Duration.ofSeconds(3))
                .backoff(Scenarios.FAST)
                .build();
    }

    /** A plain Curator client, started, as another process would have. */
    static CuratorFramework plainClient(String connectString) throws InterruptedException {
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .sessionTimeoutMs((int) SESSION_TIMEOUT.toMillis())
                .connectionTimeoutMs(3000)
                .retryPolicy(new RetryOneTime(100))
                .build();
        client.start();
        client.blockUntilConnected();
        return client;
    }

    /** The children of {@code <root>/<service>}, read with a plain client. */
    static List<String> storedIds(String connectString, String service) throws Exception {
        try (CuratorFramework client = plainClient(connectString)) {
            return client.getChildren().forPath(ROOT + "/" + service);
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
    }
}
