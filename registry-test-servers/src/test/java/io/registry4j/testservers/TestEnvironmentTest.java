package io.registry4j.testservers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

class TestEnvironmentTest {

    @Test
    void overrideVariableIsNamedAfterTheBackend() {
        assertThat(TestEnvironment.overrideVariable("etcd")).isEqualTo("REGISTRY4J_TEST_ETCD");
        assertThat(TestEnvironment.overrideVariable("service-comb")).isEqualTo("REGISTRY4J_TEST_SERVICE_COMB");
    }

    @Test
    void serverOverrideIsReadFromTheVariableAndBlankMeansUnset() {
        TestEnvironment environment = TestEnvironment.of(
                Map.of("REGISTRY4J_TEST_ETCD", " http://127.0.0.1:1234 ", "REGISTRY4J_TEST_CONSUL", " "));

        assertThat(environment.serverOverride("etcd")).contains("http://127.0.0.1:1234");
        assertThat(environment.serverOverride("consul")).isEmpty();
        assertThat(environment.serverOverride("zookeeper")).isEmpty();
    }

    @Test
    void unavailableServerAbortsTheTestOnADeveloperMachine() {
        RuntimeException failure =
                TestEnvironment.of(Map.of()).serverUnavailable("etcd server", "etcd", "apt-get install -y etcd-server");

        assertThat(failure)
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("etcd server")
                .hasMessageContaining("apt-get install -y etcd-server")
                .hasMessageContaining("REGISTRY4J_TEST_ETCD");
    }

    @Test
    void unavailableServerFailsTheTestUnderCi() {
        TestEnvironment ci = TestEnvironment.of(Map.of("CI", "true"));

        RuntimeException failure = ci.serverUnavailable("etcd server", "etcd", "apt-get install -y etcd-server");

        assertThat(ci.isCi()).isTrue();
        assertThat(failure)
                .isInstanceOf(IllegalStateException.class)
                .isNotInstanceOf(TestAbortedException.class)
                .hasMessageContaining("CI=true")
                .hasMessageContaining("apt-get install -y etcd-server");
    }

    @Test
    void onlyCiEqualToTrueCountsAsCi() {
        assertThat(TestEnvironment.of(Map.of("CI", "TRUE")).isCi()).isTrue();
        assertThat(TestEnvironment.of(Map.of("CI", "false")).isCi()).isFalse();
        assertThat(TestEnvironment.of(Map.of("CI", "1")).isCi()).isFalse();
        assertThat(TestEnvironment.of(Map.of()).isCi()).isFalse();
    }

    @Test
    void findsExecutablesOnPathBeforeFallbacks() throws IOException {
        try (ScratchDirectory directory = ScratchDirectory.create("path-test")) {
            Path onPath = Files.createDirectories(directory.resolve("bin"));
            Path fallbackDirectory = Files.createDirectories(directory.resolve("fallback"));
            Path program = executable(onPath.resolve("tool"));
            Path fallback = executable(fallbackDirectory.resolve("tool"));
            Files.writeString(onPath.resolve("not-executable"), "");

            TestEnvironment environment =
                    TestEnvironment.of(Map.of("PATH", directory.resolve("missing") + ":" + onPath));

            assertThat(environment.findExecutable("tool", List.of(fallback))).contains(program);
            assertThat(TestEnvironment.of(Map.of()).findExecutable("tool", List.of(fallback)))
                    .contains(fallback);
            assertThat(environment.findExecutable("not-executable", List.of())).isEmpty();
        }
    }

    private static Path executable(Path file) throws IOException {
        Files.writeString(file, "#!/bin/sh\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }
}
