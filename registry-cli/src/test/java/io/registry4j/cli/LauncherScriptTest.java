package io.registry4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./registry4j} script a new user runs first, on a copy of it next to a stand-in Maven wrapper and a
 * stand-in {@code java}: the first run says it builds, shows one progress line per module as the build goes, says
 * nothing is installed into {@code ~/.m2} and packages (never installs); the next run builds nothing.
 */
@DisplayName("the ./registry4j launcher script")
class LauncherScriptTest {

    @Test
    @DisplayName("first run: a notice, one progress line per module, package not install; second run: no build")
    void firstRunShowsProgressAndPackagesWithoutInstalling(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash, as the script does");
        Path root = dir.resolve("clone");
        Files.createDirectories(root.resolve("registry-cli/src/main/java"));
        Files.copy(projectRoot().resolve("registry4j"), root.resolve("registry4j"));
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        Path mvnLog = dir.resolve("mvnw-args");
        // Prints what Maven prints for each module of the reactor, and leaves the runnable jar as package would.
        script(
                root.resolve("mvnw"),
                "echo \"$@\" >> '" + mvnLog + "'",
                "echo '[INFO] Scanning for projects...'",
                "echo '[INFO] Building registry4j-parent 0.1.0-SNAPSHOT                              [1/3]'",
                "echo '[INFO] Building registry-api 0.1.0-SNAPSHOT                                   [2/3]'",
                "echo '[INFO] Building registry-cli 0.1.0-SNAPSHOT                                   [3/3]'",
                "mkdir -p registry-cli/target && echo jar > registry-cli/target/registry-cli-0.1.0-SNAPSHOT-all.jar");
        Path javaHome = dir.resolve("jdk");
        script(javaHome.resolve("bin/java"), "echo \"java $*\"");

        Run first = run(root, javaHome, "--version");
        assertThat(first.code).as(first.all()).isZero();
        assertThat(first.err)
                .as(first.all())
                .contains("registry4j: building the command line with the Maven wrapper")
                .contains("nothing is installed into ~/.m2")
                .contains("registry4j:   1/3 registry4j-parent\n")
                .contains("registry4j:   2/3 registry-api\n")
                .contains("registry4j:   3/3 registry-cli\n")
                .doesNotContain("Scanning");
        assertThat(first.out)
                .as(first.all())
                .contains("java -jar")
                .contains("registry-cli-0.1.0-SNAPSHOT-all.jar --version");
        List<String> builds = Files.readAllLines(mvnLog);
        assertThat(builds).hasSize(1);
        assertThat(builds.get(0)).contains("package", "-pl registry-cli -am").doesNotContain("install");

        Run second = run(root, javaHome, "--version");
        assertThat(second.code).as(second.all()).isZero();
        assertThat(second.err).as(second.all()).isEmpty();
        assertThat(Files.readAllLines(mvnLog)).as("builds after the second run").hasSize(1);
    }

    private record Run(int code, String out, String err) {
        String all() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    private static Run run(Path root, Path javaHome, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(
                List.of("/bin/bash", root.resolve("registry4j").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile());
        Map<String, String> env = pb.environment();
        env.put("JAVA_HOME", javaHome.toString());
        Path out = Files.createTempFile(root.getParent(), "out", ".txt");
        Path err = Files.createTempFile(root.getParent(), "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the script ended").isTrue();
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static void script(Path file, String... lines) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "#!/bin/sh\n" + String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static Path projectRoot() {
        Path dir = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("registry4j")) && Files.isDirectory(p.resolve("registry-bom"))) {
                return p;
            }
        }
        throw new IllegalStateException("no project root above " + dir);
    }
}
