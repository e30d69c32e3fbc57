package io.registry4j.testservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ChildProcessReaperTest {
    private static final Pattern SLEEPER_PID = Pattern.compile("sleeper-pid=(\\d+)");

    @Test
    void stopAllStopsEveryRegisteredChildAtOnce() {
        ChildProcessReaper reaper = new ChildProcessReaper();
        try (ScratchDirectory directory = ScratchDirectory.create("reaper-test")) {
            ChildProcess first = sleeper(reaper, directory.resolve("first.log"));
            ChildProcess second = sleeper(reaper, directory.resolve("second.log"));
            assertThat(reaper.aliveCount()).isEqualTo(2);

            int stopped = reaper.stopAll(Duration.ofSeconds(5));

            assertThat(stopped).isEqualTo(2);
            assertThat(first.isAlive()).isFalse();
            assertThat(second.isAlive()).isFalse();
            assertThat(reaper.aliveCount()).isZero();
        }
    }

    @Test
    void childStoppedByTheTestIsForgotten() {
        ChildProcessReaper reaper = new ChildProcessReaper();
        try (ScratchDirectory directory = ScratchDirectory.create("reaper-test")) {
            ChildProcess child = sleeper(reaper, directory.resolve("child.log"));

            child.stop();

            assertThat(reaper.stopAll(Duration.ofSeconds(1))).isZero();
        }
    }

    @Test
    void jvmExitStopsChildrenTheTestForgotToStop() throws Exception {
        try (ScratchDirectory directory = ScratchDirectory.create("reaper-test")) {
            Path log = directory.resolve("jvm.log");
            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            Process jvm = new ProcessBuilder(List.of(
                            java,
                            "-cp",
                            classPath,
                            LeavesAChildRunning.class.getName(),
                            directory.resolve("sleeper.log").toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            try {
                assertThat(jvm.waitFor(60, TimeUnit.SECONDS)).isTrue();
            } finally {
                jvm.destroyForcibly();
            }

            String output = Files.readString(log);
            assertThat(jvm.exitValue()).as(output).isZero();
            Matcher matcher = SLEEPER_PID.matcher(output);
            assertThat(matcher.find()).as(output).isTrue();
            long sleeperPid = Long.parseLong(matcher.group(1));
            assertThat(output).contains("stopping 1 child process(es) still running at JVM exit");
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> ProcessHandle.of(sleeperPid)
                            .filter(ProcessHandle::isAlive)
                            .isEmpty());
        }
    }

    private static ChildProcess sleeper(ChildProcessReaper reaper, Path log) {
        return ChildProcess.builder("/bin/sh", "-c", "exec sleep 300")
                .logFile(log)
                .reaper(reaper)
                .start();
    }

    /** Runs in a child JVM: starts a sleeper and exits without stopping it. */
    public static final class LeavesAChildRunning {
        private LeavesAChildRunning() {}

        public static void main(String[] args) {
            ChildProcess sleeper = ChildProcess.builder("/bin/sh", "-c", "exec sleep 300")
                    .logFile(Path.of(args[0]))
                    .start();
            System.out.println("sleeper-pid=" + sleeper.pid());
        }
    }
}
