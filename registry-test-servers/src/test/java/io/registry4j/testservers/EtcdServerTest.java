package io.registry4j.testservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

class EtcdServerTest {

    @Test
    void startsARealEtcdOnFreeLoopbackPorts() throws Exception {
        try (EtcdServer etcd = EtcdServer.start()) {
            URI endpoint = etcd.clientEndpoint();

            assertThat(endpoint.getScheme()).isEqualTo("http");
            assertThat(endpoint.getHost()).isIn("127.0.0.1", "[::1]");
            assertThat(LoopbackPorts.isStandardPort(endpoint.getPort())).isFalse();
            assertThat(etcd.endpoints()).isEqualTo(endpoint.toString());
            assertThat(etcd.isRunning()).isTrue();
            assertThat(etcd.isExternal()).isFalse();
            assertThat(etcd.supportsRestart()).isTrue();
            assertThat(EtcdGateway.health(endpoint)).contains("\"health\":\"true\"");
            assertThat(etcd.directory()).isNotNull().startsWith(ScratchDirectory.root());
        }
    }

    @Test
    void restartKeepsDataAndTheClientPort() throws Exception {
        try (EtcdServer etcd = EtcdServer.start()) {
            URI endpoint = etcd.clientEndpoint();
            EtcdGateway.put(endpoint, "/services/orders/1", "10.0.0.1:8080");

            etcd.stop();

            assertThat(etcd.isRunning()).isFalse();
            assertThatThrownBy(() -> EtcdGateway.health(endpoint)).isInstanceOf(IOException.class);

            etcd.restart();

            assertThat(etcd.isRunning()).isTrue();
            assertThat(etcd.clientEndpoint()).isEqualTo(endpoint);
            assertThat(EtcdGateway.get(endpoint, "/services/orders/1")).contains("10.0.0.1:8080");
        }
    }

    @Test
    void restartOfARunningServerKeepsItsData() throws Exception {
        try (EtcdServer etcd = EtcdServer.start()) {
            EtcdGateway.put(etcd.clientEndpoint(), "key", "value");
            ChildProcess before = Objects.requireNonNull(etcd.process());

            etcd.restart();

            assertThat(before.isAlive()).isFalse();
            assertThat(Objects.requireNonNull(etcd.process()).pid()).isNotEqualTo(before.pid());
            assertThat(EtcdGateway.get(etcd.clientEndpoint(), "key")).contains("value");
        }
    }

    @Test
    void restartWipedLosesAllData() throws Exception {
        try (EtcdServer etcd = EtcdServer.start()) {
            URI endpoint = etcd.clientEndpoint();
            EtcdGateway.put(endpoint, "key", "value");

            etcd.restartWiped();

            assertThat(etcd.clientEndpoint()).isEqualTo(endpoint);
            assertThat(EtcdGateway.health(endpoint)).contains("\"health\":\"true\"");
            assertThat(EtcdGateway.get(endpoint, "key")).isEmpty();
        }
    }

    @Test
    void restartWaitsUntilItsClientPortIsFreeAgain() throws Exception {
        try (EtcdServer etcd = EtcdServer.start()) {
            URI endpoint = etcd.clientEndpoint();
            Path directory = Objects.requireNonNull(etcd.directory());
            etcd.stop();
            CompletableFuture<Void> restart;
            try (ServerSocket squatter = new ServerSocket(endpoint.getPort(), 0, LoopbackPorts.address())) {
                assertThat(squatter.isBound()).isTrue();
                restart = CompletableFuture.runAsync(etcd::restart);

                await().atMost(Duration.ofSeconds(10)).until(() -> logsContain(directory, "address already in use"));
                assertThat(restart).isNotDone();
            }

            restart.get(30, TimeUnit.SECONDS);

            assertThat(EtcdGateway.health(endpoint)).contains("\"health\":\"true\"");
        }
    }

    @Test
    void closeStopsTheProcessAndDeletesItsDirectory() {
        EtcdServer etcd = EtcdServer.start();
        ChildProcess process = Objects.requireNonNull(etcd.process());
        Path directory = Objects.requireNonNull(etcd.directory());

        etcd.close();
        etcd.close();

        assertThat(process.isAlive()).isFalse();
        assertThat(directory).doesNotExist();
        assertThat(etcd.isRunning()).isFalse();
        assertThatThrownBy(etcd::restart).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void serverFromTheEnvironmentIsUsedAndNeverStoppedOrRestarted() throws Exception {
        try (EtcdServer real = EtcdServer.start()) {
            TestEnvironment environment = TestEnvironment.of(Map.of("REGISTRY4J_TEST_ETCD", real.endpoints()));

            try (EtcdServer external = EtcdServer.start(environment)) {
                assertThat(external.isExternal()).isTrue();
                assertThat(external.supportsRestart()).isFalse();
                assertThat(external.clientEndpoint()).isEqualTo(real.clientEndpoint());
                assertThat(external.directory()).isNull();
                assertThatThrownBy(external::stop)
                        .isInstanceOf(UnsupportedOperationException.class)
                        .hasMessageContaining("REGISTRY4J_TEST_ETCD")
                        .hasMessageContaining("supportsRestart()");
                assertThatThrownBy(external::restart).isInstanceOf(UnsupportedOperationException.class);
                assertThatThrownBy(external::restartWiped).isInstanceOf(UnsupportedOperationException.class);
            }

            assertThat(real.isRunning()).isTrue();
            assertThat(EtcdGateway.health(real.clientEndpoint())).contains("\"health\":\"true\"");
        }
    }

    @Test
    void environmentMayNameSeveralEndpoints() {
        TestEnvironment environment =
                TestEnvironment.of(Map.of("REGISTRY4J_TEST_ETCD", "http://127.0.0.1:40001, http://127.0.0.1:40002"));

        try (EtcdServer external = EtcdServer.start(environment)) {
            assertThat(external.clientEndpoint()).isEqualTo(URI.create("http://127.0.0.1:40001"));
            assertThat(external.endpoints()).isEqualTo("http://127.0.0.1:40001,http://127.0.0.1:40002");
        }
    }

    @Test
    void malformedEnvironmentAddressIsRejected() {
        TestEnvironment environment = TestEnvironment.of(Map.of("REGISTRY4J_TEST_ETCD", "127.0.0.1:40001"));

        assertThatThrownBy(() -> EtcdServer.start(environment))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("REGISTRY4J_TEST_ETCD");
    }

    @Test
    void missingBinaryAbortsTheTestLocally() {
        TestEnvironment noEtcd = TestEnvironment.of(Map.of("PATH", "/nonexistent"));

        assertThatThrownBy(() -> EtcdServer.start(noEtcd, List.of()))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining(EtcdServer.INSTALL_HINT);
    }

    @Test
    void missingBinaryFailsTheTestUnderCi() {
        TestEnvironment noEtcdInCi = TestEnvironment.of(Map.of("PATH", "/nonexistent", "CI", "true"));

        assertThatThrownBy(() -> EtcdServer.start(noEtcdInCi, List.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(EtcdServer.INSTALL_HINT)
                .hasMessageContaining("REGISTRY4J_TEST_ETCD");
    }

    private static boolean logsContain(Path directory, String text) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            for (Path log : files.filter(file -> file.getFileName().toString().endsWith(".log"))
                    .toList()) {
                if (Files.readString(log).contains(text)) {
                    return true;
                }
            }
            return false;
        }
    }
}
