package io.registry4j.grpc;

import io.registry4j.Backoff;
import io.registry4j.ServiceRegistry;
import io.registry4j.etcd.EtcdRegistry;
import io.registry4j.testservers.EtcdServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The channel contract on a real etcd server (the harness's etcd binary). */
class EtcdChannelTest extends ChannelFollowsInstancesContract {
    private static EtcdServer server;

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
        return EtcdRegistry.builder()
                .endpoints(server.endpoints().split(","))
                .ttl(Duration.ofSeconds(5))
                .backoff(Backoff.exponential(Duration.ofMillis(50), Duration.ofMillis(500), 2.0))
                .build();
    }
}
