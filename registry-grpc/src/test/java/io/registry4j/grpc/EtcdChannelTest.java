package io.registry4j.grpc;

import static org.awaitility.Awaitility.await;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.registry4j.Backoff;
import io.registry4j.ServiceRegistry;
import io.registry4j.etcd.EtcdRegistry;
import io.registry4j.testservers.EtcdServer;
import io.registry4j.testservers.TestTime;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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

    @Test
    void urlFormTargetOpensItsOwnEtcdClient() throws Exception {
        String address = server.clientEndpoint().getAuthority();
        try (LoopbackGrpcServer a = LoopbackGrpcServer.start("a");
                ServiceRegistry registrar = newRegistry()) {
            registrar.register(a.instance("url-orders", "i1"));
            ManagedChannel channel = Grpc.newChannelBuilder(
                            "registry4j://etcd/url-orders?address=" + address + "&timeout=5s",
                            InsecureChannelCredentials.create())
                    .build();
            try {
                await().atMost(TestTime.scaled(Duration.ofSeconds(20)))
                        .until(() -> LoopbackGrpcServer.whoami(channel), "a"::equals);
            } finally {
                channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
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
