package io.registry4j.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs delayed tasks for a registry: keepalives, re-registrations, watch restarts. One per registry, so threads grow
 * with registries, not with instances or watchers. Tests substitute one driven by a fake clock.
 *
 * <p>Implementations are thread-safe; tasks may run on any thread but never before their delay has passed.
 */
@FunctionalInterface
public interface Scheduler {

    /** A scheduled task that may still be cancelled. */
    @FunctionalInterface
    interface Task {
        /** Cancels the task if it has not started; idempotent. */
        void cancel();
    }

    /**
     * Runs {@code task} once after {@code delay}.
     *
     * @param delay how long to wait, zero or more
     * @param task what to run; exceptions it throws are logged by the caller's wrapping, not here
     * @return a handle to cancel it
     * @throws java.util.concurrent.RejectedExecutionException if the scheduler was shut down
     */
    Task schedule(Duration delay, Runnable task);

    /**
     * A scheduler on a {@link ScheduledExecutorService}; the caller keeps ownership of the executor.
     *
     * @param executor the executor
     * @return the scheduler
     */
    static Scheduler of(ScheduledExecutorService executor) {
        Objects.requireNonNull(executor, "executor");
        return (delay, task) -> {
            ScheduledFuture<?> f = executor.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        };
    }
}
