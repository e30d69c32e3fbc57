package io.registry4j.testservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ChildProcessTest {
    private ScratchDirectory directory;

    @BeforeEach
    void createDirectory() {
        directory = ScratchDirectory.create("child-process-test");
    }

    @AfterEach
    void deleteDirectory() {
        directory.close();
    }

    @Test
    void startsChildWithArgumentsAndEnvironmentAndStopsItByPid() {
        Path log = directory.resolve("logs/child.log");
        ChildProcess child = ChildProcess.builder(
                        "/bin/sh", "-c", "echo \"hello $GREETING $0\"; exec sleep 300", "arg0")
                .environment("GREETING", "world")
                .logFile(log)
                .readiness(() -> logContains(log, "hello world arg0"), Duration.ofSeconds(10))
                .start();

        assertThat(child.isAlive()).isTrue();
        assertThat(ProcessHandle.of(child.pid()))
                .hasValueSatisfying(handle -> assertThat(handle.isAlive()).isTrue());
        assertThat(child.logTail(5)).isEqualTo("hello world arg0");

        child.stop();

        assertThat(child.isAlive()).isFalse();
        assertThat(ProcessHandle.of(child.pid()).filter(ProcessHandle::isAlive)).isEmpty();
        child.stop(); // idempotent
    }

    @Test
    void inheritedVariablesCanBeRemovedByPrefixWhileExplicitOnesStay() {
        Path log = directory.resolve("env.log");
        String inherited = System.getenv().keySet().stream()
                .filter(name -> !name.equals("PATH") && name.matches("[A-Za-z_][A-Za-z0-9_]*"))
                .findFirst()
                .orElseThrow();

        ChildProcess child = ChildProcess.builder("/bin/sh", "-c", "env; echo done; exec sleep 300")
                .removeInheritedEnvironment(inherited)
                .environment(inherited + "_EXPLICIT", "kept")
                .logFile(log)
                .readiness(() -> logContains(log, "done"), Duration.ofSeconds(10))
                .start();
        child.stop();

        assertThat(child.logTail(1000).lines())
                .contains(inherited + "_EXPLICIT=kept")
                .noneMatch(line -> line.startsWith(inherited + "="));
    }

    @Test
    void stopSendsSigkillWhenTheChildIgnoresSigterm() {
        Path log = directory.resolve("stubborn.log");
        ChildProcess child = ChildProcess.builder(
                        "/bin/sh", "-c", "trap '' TERM; echo trapped; while :; do sleep 1; done")
                .logFile(log)
                .readiness(() -> logContains(log, "trapped"), Duration.ofSeconds(10))
                .stopTimeout(Duration.ofMillis(300))
                .start();
        long start = System.nanoTime();

        child.stop();

        assertThat(child.isAlive()).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
    }

    @Test
    void childThatExitsBeforeReadyIsReportedWithTheTailOfItsLog() {
        Path log = directory.resolve("crash.log");
        String script = "i=1; while [ $i -le 100 ]; do echo line-$i; i=$((i+1)); done; echo boom >&2; exit 3";

        assertThatThrownBy(() -> ChildProcess.builder("/bin/sh", "-c", script)
                        .logFile(log)
                        .readiness(() -> false, Duration.ofSeconds(10))
                        .start())
                .isInstanceOfSatisfying(ChildProcess.StartException.class, e -> {
                    assertThat(e.exitedBeforeReady()).isTrue();
                    assertThat(e.logTail()).contains("line-100", "boom").doesNotContain("line-61");
                    assertThat(e.logTail().lines()).hasSize(ChildProcess.LOG_TAIL_LINES);
                })
                .hasMessageContaining("exited with code 3 before it was ready")
                .hasMessageContaining(log.toString())
                .hasMessageContaining("boom");
    }

    @Test
    void childThatIsNotReadyInTimeIsStoppedAndReportedWithItsLog() {
        Path log = directory.resolve("slow.log");
        AtomicInteger probes = new AtomicInteger();
        int aliveBefore = ChildProcessReaper.global().aliveCount();

        Throwable failure = catchStart(ChildProcess.builder("/bin/sh", "-c", "echo still-starting; exec sleep 300")
                .logFile(log)
                .readiness(
                        () -> {
                            probes.incrementAndGet();
                            return false;
                        },
                        Duration.ofMillis(500)));

        assertThat(failure)
                .isInstanceOfSatisfying(
                        ChildProcess.StartException.class,
                        e -> assertThat(e.exitedBeforeReady()).isFalse())
                .hasMessageContaining("was not ready within PT0.5S")
                .hasMessageContaining("still-starting");
        assertThat(probes).hasPositiveValue();
        assertThat(ChildProcessReaper.global().aliveCount()).isEqualTo(aliveBefore);
    }

    @Test
    void probeFailuresCountAsNotReadyYet() {
        Path log = directory.resolve("flaky-probe.log");
        AtomicInteger calls = new AtomicInteger();

        ChildProcess child = ChildProcess.builder("/bin/sh", "-c", "exec sleep 300")
                .logFile(log)
                .readiness(
                        () -> {
                            if (calls.incrementAndGet() < 3) {
                                throw new IOException("connection refused");
                            }
                            return true;
                        },
                        Duration.ofSeconds(10))
                .start();
        child.stop();

        assertThat(calls).hasValue(3);
    }

    @Test
    void missingProgramFailsAtOnce() {
        assertThatThrownBy(() -> ChildProcess.builder(
                                directory.resolve("no-such-program").toString())
                        .logFile(directory.resolve("none.log"))
                        .start())
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("no-such-program");
    }

    @Test
    void logFileIsRequired() {
        assertThatThrownBy(() -> ChildProcess.builder("/bin/true").start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("log file");
    }

    @Test
    void logTailOfAMissingLogSaysSo() {
        assertThat(ChildProcess.readLogTail(directory.resolve("absent.log"), 5)).contains("no log at");
    }

    @Test
    void childWithoutReadinessProbeIsReadyAtOnce() {
        Path log = directory.resolve("plain.log");
        ChildProcess child = ChildProcess.builder("/bin/sh", "-c", "echo up; exec sleep 300")
                .logFile(log)
                .start();

        await().untilAsserted(() -> assertThat(child.logTail(1)).isEqualTo("up"));
        child.stop();
        assertThat(child.isAlive()).isFalse();
    }

    private static Throwable catchStart(ChildProcess.Builder builder) {
        try {
            builder.start().stop();
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("expected the start to fail");
    }

    private static boolean logContains(Path log, String text) throws IOException {
        return Files.isRegularFile(log) && Files.readString(log).contains(text);
    }
}
