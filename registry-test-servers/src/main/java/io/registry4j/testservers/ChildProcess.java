package io.registry4j.testservers;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A server running as a child process of the test JVM: started with {@link #builder(List)}, ready once
 * its {@link ReadinessProbe} says so, stopped by PID with {@link #stop()}.
 *
 * <p>Standard output and standard error go to one log file, appended to. When the child exits before it
 * is ready, or is not ready in time, {@link Builder#start()} throws a {@link StartException} whose
 * message ends with the last {@value #LOG_TAIL_LINES} lines of that log, so a failed start explains
 * itself in the test report. Every started child is also registered with a JVM-wide shutdown hook that
 * stops it if the test never does.
 *
 * <p>Defaults: readiness timeout {@link #DEFAULT_READY_TIMEOUT}, probe polled every
 * {@link #POLL_INTERVAL}, SIGTERM grace period {@link #DEFAULT_STOP_TIMEOUT} before SIGKILL, and the
 * environment of the test JVM, plus or minus what the builder says.
 *
 * <p>Thread-safe; {@link #stop()} is idempotent.
 */
public final class ChildProcess {
    /** How long {@link Builder#start()} waits for the readiness probe by default. */
    public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(20);

    /** How long {@link #stop()} waits after SIGTERM before it sends SIGKILL, by default. */
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);

    /** How often the readiness probe is polled. */
    public static final Duration POLL_INTERVAL = Duration.ofMillis(20);

    /** How many log lines a failure message carries. */
    public static final int LOG_TAIL_LINES = 40;

    // Enough for LOG_TAIL_LINES of even verbose JSON log lines, without reading a huge log whole.
    private static final int LOG_TAIL_BYTES = 64 * 1024;

    private final List<String> command;
    private final Process process;
    private final Path logFile;
    private final Duration stopTimeout;
    private final ChildProcessReaper reaper;

    private ChildProcess(
            List<String> command, Process process, Path logFile, Duration stopTimeout, ChildProcessReaper reaper) {
        this.command = command;
        this.process = process;
        this.logFile = logFile;
        this.stopTimeout = stopTimeout;
        this.reaper = reaper;
    }

    /** Returns a builder for a child running {@code command} (the program, then its arguments). */
    public static Builder builder(List<String> command) {
        return new Builder(command);
    }

    /** Returns a builder for a child running {@code command} (the program, then its arguments). */
    public static Builder builder(String... command) {
        return new Builder(Arrays.asList(command));
    }

    /** Returns the operating-system process id. */
    public long pid() {
        return process.pid();
    }

    /** Returns whether the process is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** Returns the file that receives the child's standard output and standard error. */
    public Path logFile() {
        return logFile;
    }

    /** Returns the last {@code maxLines} lines of the log, or a note saying there is no log. */
    public String logTail(int maxLines) {
        return readLogTail(logFile, maxLines);
    }

    /**
     * Stops the process and its descendants: SIGTERM, then SIGKILL to whatever still runs after the stop
     * timeout. Returns once they are gone; does nothing if the process has already exited.
     */
    public void stop() {
        ChildProcessReaper.terminate(List.of(process.toHandle()), stopTimeout);
        reaper.unregister(process);
    }

    /** Kills the process and its descendants at once with SIGKILL, as a crash, and returns once they are gone. */
    public void kill() {
        List<ProcessHandle> all = new ArrayList<>();
        process.descendants().forEach(all::add);
        all.add(process.toHandle());
        all.forEach(ProcessHandle::destroyForcibly);
        stop();
    }

    /** Suspends the process with SIGSTOP: it keeps its sockets and memory but runs no code until {@link #resume()}. */
    public void pause() {
        signal("STOP");
    }

    /** Continues the process after {@link #pause()} with SIGCONT. */
    public void resume() {
        signal("CONT");
    }

    /** Waits up to {@code timeout} for the process to exit; returns whether it has. */
    boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void signal(String name) {
        if (!process.isAlive()) {
            throw new IllegalStateException("cannot send SIG" + name + " to " + this + ": it has exited");
        }
        ProcessBuilder kill =
                new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).redirectErrorStream(true);
        try {
            Process sender = kill.start();
            String output = new String(sender.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (sender.waitFor() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed: " + output.strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill -" + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending SIG" + name + " to " + this, e);
        }
    }

    @Override
    public String toString() {
        return "ChildProcess{pid=" + process.pid() + ", command=" + command + "}";
    }

    static String readLogTail(Path file, int maxLines) {
        if (!Files.isRegularFile(file)) {
            return "(no log at " + file + ")";
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long start = Math.max(0, raf.length() - LOG_TAIL_BYTES);
            byte[] bytes = new byte[(int) (raf.length() - start)];
            raf.seek(start);
            raf.readFully(bytes);
            List<String> lines =
                    new String(bytes, StandardCharsets.UTF_8).lines().toList();
            List<String> tail = lines.subList(Math.max(0, lines.size() - maxLines), lines.size());
            return tail.isEmpty() ? "(empty log " + file + ")" : String.join(System.lineSeparator(), tail);
        } catch (IOException e) {
            return "(cannot read log " + file + ": " + e + ")";
        }
    }

    private void awaitReady(ReadinessProbe probe, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                if (!process.isAlive()) {
                    throw failure(true, "exited with code " + process.exitValue() + " before it was ready");
                }
                if (probeSaysReady(probe)) {
                    return;
                }
                if (System.nanoTime() - deadline >= 0) {
                    throw failure(false, "was not ready within " + timeout + " and was stopped");
                }
                // Waiting on the process rather than sleeping notices an early exit at once.
                process.waitFor(POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure(false, "was stopped: interrupted while waiting for it to become ready");
        }
    }

    private static boolean probeSaysReady(ReadinessProbe probe) throws InterruptedException {
        try {
            return probe.isReady();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception notReadyYet) {
            // By contract any failure of a probe means "not ready yet".
            return false;
        }
    }

    private StartException failure(boolean exited, String what) {
        String tail = logTail(LOG_TAIL_LINES);
        String message = "child process " + command + " (pid " + process.pid() + ") " + what + "; last "
                + LOG_TAIL_LINES + " lines of " + logFile + ":" + System.lineSeparator() + tail;
        return new StartException(message, exited, tail);
    }

    /**
     * Configures and starts a {@link ChildProcess}. Not thread-safe; use it from one thread.
     */
    public static final class Builder {
        private final List<String> command;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private final List<String> removedEnvironmentPrefixes = new ArrayList<>();
        private @Nullable Path workingDirectory;
        private @Nullable Path logFile;
        private ReadinessProbe readiness = () -> true;
        private Duration readyTimeout = DEFAULT_READY_TIMEOUT;
        private Duration stopTimeout = DEFAULT_STOP_TIMEOUT;
        private ChildProcessReaper reaper = ChildProcessReaper.global();

        private Builder(List<String> command) {
            if (command.isEmpty()) {
                throw new IllegalArgumentException("command must name a program");
            }
            this.command = List.copyOf(command);
        }

        /** Sets an environment variable of the child, overriding an inherited one. */
        public Builder environment(String name, String value) {
            environment.put(name, value);
            return this;
        }

        /**
         * Drops inherited environment variables whose names start with {@code prefix}, for programs that
         * read their configuration from the environment (etcd refuses {@code ETCD_*} variables that
         * conflict with its flags). Variables set with {@link #environment(String, String)} are kept.
         */
        public Builder removeInheritedEnvironment(String prefix) {
            removedEnvironmentPrefixes.add(prefix);
            return this;
        }

        /** Sets the child's working directory; by default it is the test JVM's. */
        public Builder workingDirectory(Path directory) {
            this.workingDirectory = directory;
            return this;
        }

        /** Sets the file that receives standard output and standard error; required. */
        public Builder logFile(Path file) {
            this.logFile = file;
            return this;
        }

        /** Makes {@link #start()} return only once {@code probe} says ready, waiting at most {@code timeout}. */
        public Builder readiness(ReadinessProbe probe, Duration timeout) {
            this.readiness = probe;
            this.readyTimeout = timeout;
            return this;
        }

        /** Sets how long {@link ChildProcess#stop()} waits after SIGTERM before it sends SIGKILL. */
        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = timeout;
            return this;
        }

        Builder reaper(ChildProcessReaper reaper) {
            this.reaper = reaper;
            return this;
        }

        /**
         * Starts the child and waits until it is ready.
         *
         * @throws StartException if it exits before it is ready or is not ready in time (it is stopped)
         * @throws UncheckedIOException if the program cannot be started at all
         * @throws IllegalStateException if no log file was set
         */
        public ChildProcess start() {
            Path log = logFile;
            if (log == null) {
                throw new IllegalStateException("a log file is required: call logFile(Path)");
            }
            ProcessBuilder processBuilder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            if (workingDirectory != null) {
                processBuilder.directory(workingDirectory.toFile());
            }
            Map<String, String> childEnvironment = processBuilder.environment();
            for (String prefix : removedEnvironmentPrefixes) {
                childEnvironment.keySet().removeIf(name -> name.startsWith(prefix));
            }
            childEnvironment.putAll(environment);

            Process process;
            try {
                Files.createDirectories(log.toAbsolutePath().getParent());
                process = processBuilder.start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + command, e);
            }
            reaper.register(process);
            try {
                // Nothing is ever written to the child; EOF on its stdin beats a read that blocks forever.
                process.getOutputStream().close();
            } catch (IOException ignored) {
                // The child may already have exited; awaitReady reports that with its log.
            }
            ChildProcess child = new ChildProcess(command, process, log, stopTimeout, reaper);
            try {
                child.awaitReady(readiness, readyTimeout);
            } catch (StartException e) {
                // Stops a child that timed out; for one that exited, this only forgets it.
                child.stop();
                throw e;
            }
            return child;
        }
    }

    /**
     * A child process that did not become ready. The message names the command and ends with the tail
     * of its log.
     */
    public static final class StartException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final boolean exitedBeforeReady;
        private final String logTail;

        StartException(String message, boolean exitedBeforeReady, String logTail) {
            super(message);
            this.exitedBeforeReady = exitedBeforeReady;
            this.logTail = logTail;
        }

        /** Returns {@code true} if the child exited by itself; {@code false} if it timed out or was interrupted. */
        public boolean exitedBeforeReady() {
            return exitedBeforeReady;
        }

        /** Returns the last lines of the child's log at the time of the failure. */
        public String logTail() {
            return logTail;
        }
    }
}
