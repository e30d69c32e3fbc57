package io.registry4j.cli;

import static io.registry4j.testservers.TestTime.scaled;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One in-process run of the command line, as a test drives it: the same {@code CommandLine} the jar runs, with its
 * output and error captured, its environment given, and Ctrl-C simulated by {@link #stop()}.
 */
final class CliRun {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    final Cli cli;

    private CliRun(Map<String, String> environment) {
        cli = Cli.of(new PrintWriter(out, true), new PrintWriter(err, true), environment);
    }

    static CliRun withEnvironment(Map<String, String> environment) {
        return new CliRun(environment);
    }

    static CliRun plain() {
        return new CliRun(Map.of());
    }

    /** Runs to completion and returns the exit code. */
    int execute(String... args) {
        return Registry4jCommand.run(cli, args);
    }

    /** Runs on another thread, for commands that run until stopped. */
    CompletableFuture<Integer> start(String... args) {
        var done = new CompletableFuture<Integer>();
        var thread = new Thread(
                () -> {
                    try {
                        done.complete(execute(args));
                    } catch (Throwable e) {
                        done.completeExceptionally(e);
                    }
                },
                "cli-test-run");
        thread.setDaemon(true);
        thread.start();
        return done;
    }

    /** What Ctrl-C does. */
    void stop() {
        cli.stop();
    }

    String out() {
        return out.toString();
    }

    String err() {
        return err.toString();
    }

    /** Everything printed, for assertion messages. */
    String all() {
        return "--- out ---\n" + out() + "--- err ---\n" + err();
    }

    /** Waits for a command started with {@link #start} to end. */
    static int exitCode(CompletableFuture<Integer> run, Duration timeout) throws Exception {
        return run.get(scaled(timeout).toMillis(), TimeUnit.MILLISECONDS);
    }
}
