package io.registry4j.spi;

import io.registry4j.RegistryException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/** Waits for native asynchronous calls with a bound, and turns their failures into {@link RegistryException}s. */
public final class Calls {
    private Calls() {}

    /**
     * Waits for a future at most {@code timeout}.
     *
     * @param future the native call
     * @param timeout the bound
     * @param backend the backend name, for messages
     * @param what what the call does, such as {@code put /microservices/orders/1}
     * @param classify turns the native failure (the unwrapped cause) into a {@link RegistryException}
     * @param <T> the result type
     * @return the result
     * @throws RegistryException of kind {@code TIMEOUT} (the future is cancelled), {@code INTERRUPTED} (the interrupt
     *     flag is set again), or whatever {@code classify} says
     */
    public static <T> T await(
            Future<T> future,
            Duration timeout,
            String backend,
            String what,
            Function<Throwable, RegistryException> classify) {
        Objects.requireNonNull(future, "future");
        try {
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new RegistryException(
                    RegistryException.Kind.TIMEOUT, backend, what + " did not complete within " + text(timeout), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            throw new RegistryException(RegistryException.Kind.INTERRUPTED, backend, what + " was interrupted", e);
        } catch (ExecutionException | CompletionException e) {
            throw classify.apply(unwrap(e));
        } catch (CancellationException e) {
            throw new RegistryException(RegistryException.Kind.UNAVAILABLE, backend, what + " was cancelled", e);
        }
    }

    /**
     * Strips the {@link ExecutionException} and {@link CompletionException} layers around a failure.
     *
     * @param e the failure
     * @return its innermost meaningful cause
     */
    public static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * A duration as people write it in messages: {@code 10 s}, {@code 500 ms}, {@code 1.5 s}, {@code 2 min}, never
     * {@code PT10S}.
     *
     * @param d the duration
     * @return its text
     */
    public static String text(Duration d) {
        long ms = d.toMillis();
        if (d.isNegative() || ms < 1000 || (ms % 1000 != 0 && ms < 10_000 && ms % 100 != 0)) {
            return ms + " ms";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + " min";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + " s";
        }
        return java.math.BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString() + " s";
    }
}
