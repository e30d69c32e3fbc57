package io.registry4j.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.nio.charset.Charset;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Entry point of the runnable jar: {@code java -jar registry-cli-<version>-all.jar COMMAND ...}, which the
 * {@code ./registry4j} script at the root of the repository runs.
 *
 * <p>Ctrl-C (SIGINT) is handled here, not by the JVM's shutdown: the first one asks a {@code watch} or
 * {@code register} to finish (deregister, close), which it does while saying so; a second one quits at once with
 * {@link CliException#QUIT} and says what is left behind. A command that does not wait for Ctrl-C ends at once with
 * 130. Other ways to end the JVM (SIGTERM) still give the command {@link #SHUTDOWN_GRACE} to clean up in a shutdown
 * hook. Signals are caught through {@code sun.misc.Signal} (module {@code jdk.unsupported}), found reflectively; where
 * it is missing, Ctrl-C falls back to the shutdown hook.
 */
public final class Main {
    /** How long SIGTERM waits for a command to clean up (deregister, close) before the JVM exits anyway. */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(15);

    private Main() {}

    /**
     * Runs the command line and exits with its code: 0 done, 1 failed, 2 wrong usage, 3 quit by a second Ctrl-C,
     * 130 stopped by Ctrl-C after cleaning up.
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
        handleCtrlC(cli);
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

    private static void handleCtrlC(Cli cli) {
        AtomicInteger presses = new AtomicInteger();
        Runnable onInterrupt = () -> {
            if (!cli.stoppable()) {
                // Nothing to clean up that the command would do on a stop signal: end now, as a shell expects.
                cli.err().flush();
                cli.out().flush();
                Runtime.getRuntime().halt(CliException.INTERRUPTED);
            }
            if (presses.incrementAndGet() == 1) {
                cli.stopBySignal();
                return;
            }
            String note = cli.quitNote();
            cli.out().flush();
            cli.err().println("registry4j: quitting now" + (note == null ? "" : "; " + note));
            cli.err().flush();
            Runtime.getRuntime().halt(CliException.QUIT);
        };
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object proxy = Proxy.newProxyInstance(Main.class.getClassLoader(), new Class<?>[] {handler}, (p, m, a) -> {
                if (m.getName().equals("handle")) {
                    onInterrupt.run();
                    return null;
                }
                return switch (m.getName()) {
                    case "hashCode" -> System.identityHashCode(p);
                    case "equals" -> a != null && a.length == 1 && p == a[0];
                    default -> "registry4j Ctrl-C handler";
                };
            });
            Object interrupt = signal.getConstructor(String.class).newInstance("INT");
            signal.getMethod("handle", signal, handler).invoke(null, interrupt, proxy);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // No sun.misc.Signal (or SIGINT is not ours to take): the shutdown hook still stops the command.
        }
    }
}
