package io.registry4j.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Entry point of the runnable jar: {@code java -jar registry-cli-<version>-all.jar COMMAND ...}, which the
 * {@code ./registry4j} script at the root of the repository runs.
 *
 * <p>Ctrl-C ends a {@code watch} or {@code register} cleanly: a shutdown hook raises the run's stop signal and waits
 * (at most {@link #SHUTDOWN_GRACE}) for the command to deregister and close its registry before the JVM exits.
 */
public final class Main {
    /** How long Ctrl-C waits for a command to clean up (deregister, close) before the JVM exits anyway. */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(15);

    private Main() {}

    /**
     * Runs the command line and exits with its code: 0 done, 1 failed, 2 wrong usage.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        var out = new PrintWriter(new OutputStreamWriter(System.out, Charset.defaultCharset()), true);
        var err = new PrintWriter(new OutputStreamWriter(System.err, Charset.defaultCharset()), true);
        var cli = new Cli(out, err, System::getenv, Clock.systemUTC());
        var finished = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            cli.stop();
                            try {
                                finished.await(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "registry4j-cli-shutdown"));
        int code;
        try {
            code = Registry4jCommand.run(cli, args);
        } catch (RuntimeException | LinkageError e) {
            // Only a bug gets here: commands report their failures through Errors.
            err.println("registry4j: internal error: " + e);
            e.printStackTrace(err);
            err.flush();
            code = CliException.RUNTIME;
        } finally {
            finished.countDown();
        }
        System.exit(code);
    }
}
