package io.registry4j.grpc;

import io.registry4j.Backoff;
import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.ZooKeeperServer;
import io.registry4j.zookeeper.ZooKeeperRegistry;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The channel contract on a real ZooKeeper server (the harness's, in-process). */
class ZooKeeperChannelTest extends ChannelFollowsInstancesContract {
    private static ZooKeeperServer server;

    @BeforeAll
    static void startServer() {
        server = ZooKeeperServer.start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected ServiceRegistry newRegistry() {
        return ZooKeeperRegistry.builder()
                .connectString(server.connectString())
                .sessionTimeout(ZooKeeperServer.MAX_SESSION_TIMEOUT)
                .connectionTimeout(Duration.ofSeconds(5))
                .callTimeout(Duration.ofSeconds(5))
                .backoff(Backoff.exponential(Duration.ofMillis(50), Duration.ofMillis(500), 2.0))
                .build();
    }
}
