package io.registry4j.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.etcd.EtcdRegistry;
import io.registry4j.testservers.EtcdServer;
import io.registry4j.testservers.KratosPeer;
import io.registry4j.testservers.TestTime;
import io.registry4j.testservers.ZooKeeperServer;
import io.registry4j.zookeeper.ZooKeeperRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Go and Java on one etcd or ZooKeeper, through each side's own gRPC resolver: a Kratos gRPC server registered by Kratos' app
 * lifecycle and Kratos' own registrar is called by a Java channel through {@link RegistryNameResolverProvider}; a Java gRPC
 * server registered by registry4j is called by a Kratos client dialing {@code discovery:///<name>} through Kratos'
 * resolver. Both sides serve gRPC's standard health service and a one-method "whoami" service.
 */
class KratosGrpcInteropTest {
    private static EtcdServer etcd;
    private static ZooKeeperServer zooKeeper;
    private static KratosPeer peer;

    @BeforeAll
    static void start() {
        peer = KratosPeer.start();
        etcd = EtcdServer.start();
        zooKeeper = ZooKeeperServer.start();
    }

    @AfterAll
    static void stop() {
        if (peer != null) {
            peer.close();
        }
        if (etcd != null) {
            etcd.close();
        }
        if (zooKeeper != null) {
            zooKeeper.close();
        }
    }

    /** A registry4j client of the backend, in Kratos' default layout (root or namespace {@code /microservices}). */
    private static ServiceRegistry registry(String backend) {
        return switch (backend) {
            case "etcd" ->
                EtcdRegistry.builder().endpoints(etcd.endpoints().split(",")).build();
            case "zookeeper" ->
                ZooKeeperRegistry.builder()
                        .connectString(zooKeeper.connectString())
                        .build();
            default -> throw new IllegalArgumentException(backend);
        };
    }

    /** The peer's {@code --addr} for the backend. */
    private static String peerAddress(String backend) {
        return backend.equals("etcd") ? etcd.endpoints() : zooKeeper.connectString();
    }

    private static Duration patience() {
        return TestTime.scaled(Duration.ofSeconds(30));
    }

    @ParameterizedTest
    @ValueSource(strings = {"etcd", "zookeeper"})
    void javaChannelCallsAKratosServerRegisteredByKratos(String backend) throws Exception {
        try (PeerProcess server = PeerProcess.start(
                        peer.binary(),
                        "grpc-serve",
                        "--backend",
                        backend,
                        "--addr",
                        peerAddress(backend),
                        "--name",
                        "kratos-hello",
                        "--grpc-id",
                        "go-1",
                        "--grpc-version",
                        "v2",
                        "--grpc-metadata",
                        "zone=z1");
                ServiceRegistry registry = registry(backend)) {
            assertThat(server.awaitLine(patience())).contains("\"event\":\"serving\"", "\"id\":\"go-1\"");
            RegistryNameResolverProvider provider = RegistryNameResolverProvider.builder(registry)
                    .scheme("kratos-interop")
                    .filter(InstanceFilters.version("v2"))
                    .build();
            NameResolverRegistry.getDefaultRegistry().register(provider);
            ManagedChannel channel = Grpc.newChannelBuilder(
                            "kratos-interop:///kratos-hello?metadata.zone=z1", InsecureChannelCredentials.create())
                    .build();
            try {
                int health = LoopbackGrpcServer.health(
                        channel,
                        CallOptions.DEFAULT
                                .withWaitForReady()
                                .withDeadlineAfter(patience().toMillis(), TimeUnit.MILLISECONDS));
                assertThat(health).as("Kratos' health check status").isEqualTo(LoopbackGrpcServer.SERVING);
                assertThat(LoopbackGrpcServer.whoami(channel)).isEqualTo("go-1");

                // Kratos deregisters when it stops: the Java channel learns the service is empty.
                server.closeInput();
                assertThat(server.awaitLine(patience())).contains("\"event\":\"stopped\"");
                await().atMost(patience()).untilAsserted(() -> {
                    StatusRuntimeException e = catchThrowableOfType(
                            StatusRuntimeException.class, () -> LoopbackGrpcServer.whoami(channel));
                    assertThat(e).isNotNull();
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.getStatus().getDescription()).contains("'kratos-hello'");
                });
            } finally {
                channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
                NameResolverRegistry.getDefaultRegistry().deregister(provider);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"etcd", "zookeeper"})
    void kratosClientCallsAJavaServerRegisteredByRegistry4j(String backend) throws Exception {
        try (LoopbackGrpcServer server = LoopbackGrpcServer.start("java-1");
                ServiceRegistry registry = registry(backend)) {
            ServiceInstance instance = server.instance("java-hello", "java-1");
            registry.register(instance);
            try (PeerProcess call = PeerProcess.start(
                    peer.binary(),
                    "grpc-call",
                    "--backend",
                    backend,
                    "--addr",
                    peerAddress(backend),
                    "--name",
                    "java-hello",
                    "--timeout",
                    patience().toSeconds() + "s")) {
                String line = call.awaitLine(patience().plusSeconds(10));
                assertThat(line).isEqualTo("{\"health\":\"SERVING\",\"whoami\":\"java-1\"}");
                assertThat(call.awaitExit(patience())).isZero();
            }
        }
    }
}
