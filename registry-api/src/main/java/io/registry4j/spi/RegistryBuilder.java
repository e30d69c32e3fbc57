package io.registry4j.spi;

import io.registry4j.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The settings every backend's builder has, so that they read and behave the same: retry backoff, clock and
 * scheduler. A backend's {@code Builder} extends this and passes {@link #options} to
 * {@link AbstractServiceRegistry}. Not thread-safe, like every builder.
 *
 * @param <B> the backend's builder type, returned by the setters
 */
public abstract class RegistryBuilder<B extends RegistryBuilder<B>> {
    private Backoff backoff = Backoff.ofDefaults();
    private Clock clock = Clock.systemUTC();
    private @Nullable Scheduler scheduler;

    /** For subclasses. */
    protected RegistryBuilder() {}

    @SuppressWarnings("unchecked") // B is the subclass by contract
    private B self() {
        return (B) this;
    }

    /**
     * Delays between attempts to register an instance again after a loss, and between restarts of a failed watch.
     * Defaults to {@link Backoff#ofDefaults()}: 100 ms doubling to 10 s, with jitter. Whatever the backoff says, the
     * registry waits at least 10 ms between attempts.
     *
     * @param backoff the backoff
     * @return this builder
     */
    public final B backoff(Backoff backoff) {
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        return self();
    }

    /**
     * The clock that stamps registration events. Defaults to the UTC system clock.
     *
     * @param clock the clock
     * @return this builder
     */
    public final B clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return self();
    }

    /**
     * Runs the registry's timed work (re-registrations, keepalives, watch restarts) on this scheduler instead of a
     * thread of the registry's own, for example a test's fake clock. The caller keeps ownership.
     *
     * @param scheduler the scheduler
     * @return this builder
     */
    public final B scheduler(Scheduler scheduler) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        return self();
    }

    /**
     * Checks a duration setting that must be positive, such as a call timeout.
     *
     * @param what the setting's name, for the messages
     * @param value the duration
     * @return the duration
     * @throws IllegalArgumentException if it is zero or negative
     */
    protected static Duration requirePositive(String what, Duration value) {
        Objects.requireNonNull(value, what);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, got " + value);
        }
        return value;
    }

    /**
     * The common settings, with the backend's call timeout and keepalive interval.
     *
     * @param callTimeout bound of every remote call
     * @param keepAliveInterval how often {@link AbstractServiceRegistry#verify} runs, or null for never
     * @return the options
     * @throws IllegalArgumentException if the call timeout is not positive
     */
    protected final AbstractServiceRegistry.Options options(
            Duration callTimeout, @Nullable Duration keepAliveInterval) {
        return new AbstractServiceRegistry.Options(callTimeout, backoff, clock, scheduler, keepAliveInterval);
    }
}
