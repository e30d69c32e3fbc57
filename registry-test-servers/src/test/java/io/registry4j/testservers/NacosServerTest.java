package io.registry4j.testservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/**
 * The parts of {@link NacosServer} that need no server: the real server is started (once per run) by the Nacos
 * backend's own tests, which have the launcher on their class path.
 */
class NacosServerTest {

    @Test
    void anOverrideIsUsedAsIsAndCannotBeRestarted() {
        TestEnvironment env = TestEnvironment.of(Map.of("REGISTRY4J_TEST_NACOS", "10.9.8.7:18848"));
        try (NacosServer nacos = NacosServer.start(env)) {
            assertThat(nacos.isExternal()).isTrue();
            assertThat(nacos.supportsRestart()).isFalse();
            assertThat(nacos.serverAddr()).isEqualTo("10.9.8.7:18848");
            assertThat(nacos.grpcPort()).isEqualTo(19848);
            assertThat(nacos.httpUri()).isEqualTo(URI.create("http://10.9.8.7:18848/nacos"));
            assertThatThrownBy(nacos::stop)
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("REGISTRY4J_TEST_NACOS");
        }
        TestEnvironment withScheme = TestEnvironment.of(Map.of("REGISTRY4J_TEST_NACOS", "http://nacos.test:8848"));
        try (NacosServer nacos = NacosServer.start(withScheme)) {
            assertThat(nacos.serverAddr()).isEqualTo("nacos.test:8848");
        }
    }

    @Test
    void aMalformedOverrideIsRejectedNamingTheVariable() {
        TestEnvironment env = TestEnvironment.of(Map.of("REGISTRY4J_TEST_NACOS", "no-port"));
        assertThatThrownBy(() -> NacosServer.start(env))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("REGISTRY4J_TEST_NACOS")
                .hasMessageContaining("'no-port'");
    }

    @Test
    void withoutTheLauncherATestIsAbortedLocallyAndFailsUnderCi() {
        // This module's tests do not have registry-test-servers-nacos on their class path.
        assertThatThrownBy(() -> NacosServer.start(TestEnvironment.of(Map.of())))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining(NacosServer.LAUNCHER_ARTIFACT)
                .hasMessageContaining("REGISTRY4J_TEST_NACOS");
        assertThatThrownBy(() -> NacosServer.start(TestEnvironment.of(Map.of("CI", "true"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("CI=true");
    }

    @Test
    void theMainPortLeavesFourFreeLoopbackPortsBelowTheEphemeralRange() throws IOException {
        for (int i = 0; i < 20; i++) {
            int p = NacosServer.pickMainPort();
            for (int port : List.of(p - 1000, p, p + 1000, p + 1001)) {
                assertThat(LoopbackPorts.isStandardPort(port))
                        .as("port %d", port)
                        .isFalse();
                assertThat(port).as("port %d", port).isBetween(10_000, 32_767);
                try (ServerSocket socket = new ServerSocket(port, 0, LoopbackPorts.address())) {
                    assertThat(socket.getLocalPort()).isEqualTo(port);
                }
            }
        }
    }

    @Test
    void theLauncherClasspathStartsWithTheLauncherAndRejectsAMissingJar(@TempDir Path dir) throws IOException {
        Path jar = Files.createFile(dir.resolve("server.jar"));
        Path resource = dir.resolve(NacosServer.CLASSPATH_RESOURCE);
        Files.createDirectories(Objects.requireNonNull(resource.getParent()));
        Files.writeString(resource, jar.toString(), StandardCharsets.UTF_8);

        assertThat(NacosServer.serverClasspath(resource.toUri().toURL()))
                .containsExactly(dir.toString(), jar.toString());

        Files.writeString(resource, jar + File.pathSeparator + dir.resolve("gone.jar"), StandardCharsets.UTF_8);
        assertThatThrownBy(() -> NacosServer.serverClasspath(resource.toUri().toURL()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("gone.jar")
                .hasMessageContaining(NacosServer.LAUNCHER_ARTIFACT);
    }
}
