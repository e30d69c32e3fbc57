package io.registry4j.testservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

class GoBuildTest {
    private static final String PROGRAM = """
            package main

            import "fmt"

            func main() { fmt.Println("registry4j go build test") }
            """;

    private static Path writeModule(Path dir) throws Exception {
        Files.writeString(dir.resolve("go.mod"), "module example.com/gobuildtest\n\ngo 1.22\n");
        Files.writeString(dir.resolve("main.go"), PROGRAM);
        return dir;
    }

    private static String run(Path binary) throws Exception {
        Process process =
                new ProcessBuilder(binary.toString()).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).isZero();
        return out.strip();
    }

    @Test
    void buildsOnceIntoTheCacheAndReusesTheBinaryAcrossConcurrentCallers(@TempDir Path dir) throws Exception {
        GoBuild build = GoBuild.of("gobuild-test", "no/such/dir");
        Path source = writeModule(dir);
        Path go = TestEnvironment.system()
                .findExecutable("go", GoBuild.WELL_KNOWN_GO)
                .orElseThrow(
                        () -> TestEnvironment.system().serverUnavailable("Go toolchain", "gobuild-test", "install Go"));

        List<Path> binaries = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Callable<Path>> calls = List.of(
                    () -> build.build(go, source, TestEnvironment.system()),
                    () -> build.build(go, source, TestEnvironment.system()),
                    () -> build.build(go, source, TestEnvironment.system()));
            for (Future<Path> f : pool.invokeAll(calls)) {
                binaries.add(f.get());
            }
        } finally {
            pool.shutdownNow();
        }

        Path binary = binaries.get(0);
        assertThat(binaries).containsOnly(binary);
        assertThat(binary).startsWith(build.cacheRoot().resolve(build.sourceHash(source)));
        assertThat(run(binary)).isEqualTo("registry4j go build test");
        assertThat(binary.getParent()).isDirectoryNotContaining("glob:**.partial");

        FileTime built = Files.getLastModifiedTime(binary);
        assertThat(build.build(go, source, TestEnvironment.system())).isEqualTo(binary);
        assertThat(Files.getLastModifiedTime(binary)).isEqualTo(built);
    }

    @Test
    void aNewBuildPrunesBuildsOfEarlierSourcesOlderThanAWeek(@TempDir Path dir) throws Exception {
        GoBuild build = GoBuild.of("gobuild-test", "no/such/dir");
        writeModule(dir);
        Files.writeString(dir.resolve("nonce.go"), "package main\n\n// " + System.nanoTime() + "\n");
        Path go = TestEnvironment.system()
                .findExecutable("go", GoBuild.WELL_KNOWN_GO)
                .orElseThrow(
                        () -> TestEnvironment.system().serverUnavailable("Go toolchain", "gobuild-test", "install Go"));
        Path stale = Files.createDirectories(build.cacheRoot().resolve("0000stale" + System.nanoTime()));
        Files.writeString(stale.resolve("gobuild-test"), "old");
        Path recent = Files.createDirectories(build.cacheRoot().resolve("0000recent" + System.nanoTime()));
        Files.setLastModifiedTime(
                stale, FileTime.from(Instant.now().minus(GoBuild.STALE_AFTER).minusSeconds(60)));
        try {
            Path binary = build.build(go, dir, TestEnvironment.system());

            assertThat(binary).isExecutable();
            assertThat(stale).doesNotExist();
            assertThat(recent).isDirectory();
        } finally {
            Files.deleteIfExists(recent);
        }
    }

    private static Path ciPrebuild() {
        return Stream.iterate(Path.of("").toAbsolutePath(), Objects::nonNull, Path::getParent)
                .map(d -> d.resolve(".ci/prebuild-go"))
                .filter(Files::isRegularFile)
                .findFirst()
                .orElseThrow(() -> new AssertionError(
                        "no .ci/prebuild-go above " + Path.of("").toAbsolutePath()));
    }

    /** {@code .ci/prebuild-go} builds into the same cache directories, so it must compute the same hash. */
    @Test
    void theCiPrebuildComputesTheSameSourceHash(@TempDir Path dir) throws Exception {
        Path script = ciPrebuild();
        writeModule(dir);
        Files.createDirectories(dir.resolve("internal/sub"));
        Files.writeString(dir.resolve("internal/sub/a.go"), "package sub\n\n// ü\n");
        Files.writeString(dir.resolve("internal.go"), "package main\n");
        Files.writeString(dir.resolve("README.md"), "not hashed\n");
        GoBuild build = GoBuild.of("gobuild-test", "x");

        Process process = new ProcessBuilder("python3", script.toString(), "--print-hash", dir.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();

        assertThat(process.waitFor()).as(out).isZero();
        assertThat(out).isEqualTo(build.sourceHash(dir));
    }

    /**
     * {@code .ci/prebuild-go} builds where the tests look: the JVM's {@code user.home}, which is the account's home
     * even when {@code HOME} says otherwise.
     */
    @Test
    void theCiPrebuildUsesTheSameCache(@TempDir Path home) throws Exception {
        ProcessBuilder pb =
                new ProcessBuilder("python3", ciPrebuild().toString(), "--print-cache").redirectErrorStream(true);
        pb.environment().put("HOME", home.toString());
        Process process = pb.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();

        assertThat(process.waitFor()).as(out).isZero();
        assertThat(Path.of(out))
                .isEqualTo(GoBuild.of("gobuild-test", "x").cacheRoot().getParent());
    }

    @Test
    void aBrokenProgramFailsWithGosOwnMessage(@TempDir Path dir) throws Exception {
        GoBuild build = GoBuild.of("gobuild-test", "no/such/dir");
        Files.writeString(dir.resolve("go.mod"), "module example.com/gobuildbroken\n\ngo 1.22\n");
        Files.writeString(dir.resolve("main.go"), "package main\n\nfunc main() { undefinedCall() }\n");
        Path go = TestEnvironment.system()
                .findExecutable("go", GoBuild.WELL_KNOWN_GO)
                .orElseThrow(
                        () -> TestEnvironment.system().serverUnavailable("Go toolchain", "gobuild-test", "install Go"));

        assertThatThrownBy(() -> build.build(go, dir, TestEnvironment.system()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("failed with exit code")
                .hasMessageContaining("undefined: undefinedCall");
        assertThat(build.cacheRoot().resolve(build.sourceHash(dir))).isDirectoryNotContaining("glob:**gobuild-test");
    }

    @Test
    void theHashCoversTheSourceAndTheMainPackage(@TempDir Path dir) throws Exception {
        GoBuild build = GoBuild.of("gobuild-test", "no/such/dir");
        writeModule(dir);
        String before = build.sourceHash(dir);

        assertThat(build.mainPackage("example.com/other/cmd").sourceHash(dir)).isNotEqualTo(before);
        Files.writeString(dir.resolve("main.go"), PROGRAM + "\n// changed\n");
        assertThat(build.sourceHash(dir)).isNotEqualTo(before);
    }

    @Test
    void anOverrideNamesAPrebuiltBinary(@TempDir Path dir) throws Exception {
        Path fake = Files.createFile(dir.resolve("prebuilt"));
        GoBuild build = GoBuild.of("some-server", "no/such/dir");

        assertThatThrownBy(
                        () -> build.binary(TestEnvironment.of(Map.of("REGISTRY4J_TEST_SOME_SERVER", fake.toString()))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("REGISTRY4J_TEST_SOME_SERVER must name an executable some-server binary");
        assertThat(fake.toFile().setExecutable(true)).isTrue();
        assertThat(build.binary(TestEnvironment.of(Map.of("REGISTRY4J_TEST_SOME_SERVER", fake.toString()))))
                .isEqualTo(fake);
    }

    @Test
    void withoutGoTheTestIsAbortedLocallyAndFailsUnderCi() {
        GoBuild build = GoBuild.of("some-server", "no/such/dir");

        assertThatThrownBy(() -> build.binary(TestEnvironment.of(Map.of("PATH", "/nonexistent"))))
                .satisfiesAnyOf(
                        e -> assertThat(e).isInstanceOf(TestAbortedException.class),
                        // A machine with Go in a well-known directory finds it even without PATH; then the
                        // missing source is what fails.
                        e -> assertThat(e).hasMessageContaining("cannot find the source of some-server"));
        assertThatThrownBy(() -> build.binary(TestEnvironment.of(Map.of("PATH", "/nonexistent", "CI", "true"))))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void rejectsNamesThatCannotNameAFileOrVariable() {
        assertThatThrownBy(() -> GoBuild.of("Kube_API", "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'Kube_API'");
        assertThatThrownBy(() -> GoBuild.of("ok", "x").mainPackage(" ")).isInstanceOf(IllegalArgumentException.class);
    }
}
