package io.registry4j;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * How long to wait before retry number {@code attempt}; every backend uses one for reconnecting, re-registering
 * and restarting watches.
 *
 * <p>Implementations must be thread-safe and cheap. The factories build a capped exponential backoff, optionally
 * with jitter so that many clients that lost the same server do not come back in lock-step.
 */
@FunctionalInterface
public interface Backoff {

    /** Default first delay of {@link #ofDefaults()}: 100 ms. */
    Duration DEFAULT_INITIAL = Duration.ofMillis(100);

    /** Default cap of {@link #ofDefaults()}: 10 s. */
    Duration DEFAULT_MAX = Duration.ofSeconds(10);

    /**
     * The delay before the given retry.
     *
     * @param attempt the retry number, 1 for the first retry
     * @return a delay, never negative
     */
    Duration delay(int attempt);

    /**
     * The default: exponential from {@link #DEFAULT_INITIAL}, doubling, capped at {@link #DEFAULT_MAX}, with 20%
     * jitter.
     *
     * @return the default backoff
     */
    static Backoff ofDefaults() {
        return exponential(DEFAULT_INITIAL, DEFAULT_MAX, 2.0).withJitter(0.2);
    }

    /**
     * A capped exponential backoff without jitter: {@code min(max, initial * multiplier^(attempt-1))}.
     *
     * @param initial the first delay, positive
     * @param max the largest delay, at least {@code initial}
     * @param multiplier growth per attempt, at least 1
     * @return the backoff
     * @throws IllegalArgumentException if an argument is out of range; the message names it
     */
    static Backoff exponential(Duration initial, Duration max, double multiplier) {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("Backoff initial must be positive, got " + initial);
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("Backoff max must be at least initial " + initial + ", got " + max);
        }
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("Backoff multiplier must be a finite number >= 1, got " + multiplier);
        }
        long initialNanos = initial.toNanos();
        long maxNanos = max.toNanos();
        return attempt -> {
            if (attempt < 1) {
                throw new IllegalArgumentException("Backoff attempt must be >= 1, got " + attempt);
            }
            double nanos = initialNanos * Math.pow(multiplier, attempt - 1);
            return Duration.ofNanos(nanos >= maxNanos ? maxNanos : (long) nanos);
        };
    }

    /**
     * A fixed delay, for tests and for backends whose protocol fixes the interval.
     *
     * @param delay the delay for every attempt, not negative
     * @return the backoff
     */
    static Backoff fixed(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("Backoff delay must not be negative, got " + delay);
        }
        return attempt -> delay;
    }

    /**
     * This backoff with each delay shortened by a random fraction of up to {@code ratio}, so it never exceeds the
     * cap.
     *
     * @param ratio the largest fraction to take off, from 0 to 1
     * @return the jittered backoff
     */
    default Backoff withJitter(double ratio) {
        return withJitter(ratio, () -> ThreadLocalRandom.current().nextDouble());
    }

    /**
     * This backoff with jitter drawn from {@code random}, for tests that need repeatable delays.
     *
     * @param ratio the largest fraction to take off, from 0 to 1
     * @param random returns numbers in {@code [0, 1)}
     * @return the jittered backoff
     */
    default Backoff withJitter(double ratio, DoubleSupplier random) {
        Objects.requireNonNull(random, "random");
        if (!(ratio >= 0.0 && ratio <= 1.0)) {
            throw new IllegalArgumentException("Backoff jitter ratio must be from 0 to 1, got " + ratio);
        }
        Backoff base = this;
        return attempt -> {
            Duration d = base.delay(attempt);
            double r = Math.min(Math.max(random.getAsDouble(), 0.0), 1.0);
            return Duration.ofNanos((long) (d.toNanos() * (1.0 - ratio * r)));
        };
    }
}
