package io.registry4j.cli;

import io.registry4j.RegistryException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one registry call with the command line's own bound ({@code --timeout}), so that an operator who typed the
 * wrong address waits seconds, not the backend's call timeout plus its reconnect policy.
 *
 * <p>Design: the call runs on a daemon thread named {@code registry4j-cli-call-N}; the caller waits at most the
 * bound, then interrupts the call and reports what was tried. A call that ignores the interrupt ends by the backend's
 * own call timeout; being a daemon, it never keeps the JVM alive.
 */
final class Bounded {
    private static final ThreadFactory THREADS = CliThreads.factory("call");

    private Bounded() {}

    /**
     * Calls {@code call} and waits for it at most {@code timeout}.
     *
     * @param what what the call does, for the message, such as {@code list orders in etcd://127.0.0.1:2379}
     * @throws CliException of {@link CliException#RUNTIME} if it did not finish in time
     * @throws RuntimeException whatever the call threw
     */
    static <T> T call(Duration timeout, String what, Callable<T> call) {
        FutureTask<T> task = new FutureTask<>(call);
        THREADS.newThread(task).start();
        try {
            return task.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            task.cancel(true);
            throw CliException.runtime(
                    what + " got no answer within " + Durations.format(timeout)
                            + "; check that the server runs and the address is right, or raise --timeout",
                    e);
        } catch (InterruptedException e) {
            task.cancel(true);
            Thread.currentThread().interrupt();
            throw CliException.runtime(what + " was interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof LinkageError error) {
                // A native client that cannot load or initialise: reported like any failure, not as a crash.
                throw new IllegalStateException(what + " failed: " + error, error);
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new RegistryException(RegistryException.Kind.INTERNAL, "cli", what + " failed: " + cause, cause);
        }
    }
}
