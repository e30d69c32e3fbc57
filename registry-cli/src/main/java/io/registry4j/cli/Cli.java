package io.registry4j.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What one run of the command line talks to: its output and error writers, its environment variables, its clock,
 * and the stop signal that Ctrl-C (or a test) raises to end a long-running command cleanly.
 *
 * <p>Design: commands never touch {@code System.out}, {@code System.getenv} or signals directly, so that a test can
 * run any command in-process with {@code CommandLine.execute}, read exactly what it printed, and stop a
 * {@code watch} or {@code register} the way an operator's Ctrl-C would. One instance serves one run. Thread-safe:
 * commands print from listener threads, and the stop signal is raised from a shutdown hook or a test thread.
 */
final class Cli {
    /** The environment variable that gives the registry URL when {@code --registry} is not given. */
    static final String URL_VARIABLE = "REGISTRY4J_URL";

    private final PrintWriter out;
    private final PrintWriter err;
    private final Function<String, @Nullable String> environment;
    private final Clock clock;
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile boolean verbose;
    private volatile boolean stoppedBySignal;
    private volatile boolean stoppable;
    private volatile @Nullable String quitNote;

    Cli(PrintWriter out, PrintWriter err, Function<String, @Nullable String> environment, Clock clock) {
        this.out = Objects.requireNonNull(out, "out");
        this.err = Objects.requireNonNull(err, "err");
        this.environment = Objects.requireNonNull(environment, "environment");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A run on the given writers with exactly these environment variables and the system clock; for tests. */
    static Cli of(PrintWriter out, PrintWriter err, Map<String, String> environment) {
        Map<String, String> copy = Map.copyOf(environment);
        return new Cli(out, err, copy::get, Clock.systemUTC());
    }

    PrintWriter out() {
        return out;
    }

    PrintWriter err() {
        return err;
    }

    @Nullable
    String env(String name) {
        return environment.apply(name);
    }

    Clock clock() {
        return clock;
    }

    boolean verbose() {
        return verbose;
    }

    void verbose(boolean verbose) {
        this.verbose = verbose;
    }

    /** Asks a long-running command to finish: what Ctrl-C does. Idempotent. */
    void stop() {
        stop.countDown();
    }

    boolean stopped() {
        return stop.getCount() == 0;
    }

    /** What Ctrl-C does in the real command line: {@link #stop()}, remembering that a signal asked for it. */
    void stopBySignal() {
        stoppedBySignal = true;
        stop();
    }

    /**
     * The exit code of a long-running command that ended because it was stopped: {@link CliException#INTERRUPTED}
     * (130) after Ctrl-C, 0 when a test stopped it.
     */
    int stoppedExitCode() {
        return stoppedBySignal ? CliException.INTERRUPTED : CliException.OK;
    }

    /** Tells whether a command waits for the stop signal, so that Ctrl-C should ask it to finish, not end the JVM. */
    boolean stoppable() {
        return stoppable;
    }

    /**
     * What to say if a second Ctrl-C ends the process while the command is still cleaning up, such as which instance
     * stays registered and for how long; null for nothing.
     */
    @Nullable
    String quitNote() {
        return quitNote;
    }

    void quitNote(@Nullable String note) {
        this.quitNote = note;
    }

    /** Blocks until {@link #stop()}. */
    void awaitStop() throws InterruptedException {
        stoppable = true;
        stop.await();
    }

    /**
     * Waits for {@link #stop()} at most {@code timeout}.
     *
     * @return true if stopped
     */
    boolean awaitStop(Duration timeout) throws InterruptedException {
        return stop.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
}
