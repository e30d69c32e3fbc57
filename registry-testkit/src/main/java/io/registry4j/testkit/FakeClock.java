package io.registry4j.testkit;

import io.registry4j.spi.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * A clock that moves only when told, with a {@link Scheduler} whose tasks run when the clock passes their time, on
 * the thread that calls {@link #advance}. Lets tests of keepalives, backoff and retries run without waiting.
 *
 * <p>Thread-safe; tasks run outside the clock's lock, in order of due time (then of scheduling).
 */
public final class FakeClock extends Clock {
    private final Object lock = new Object();
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private Instant now;
    private long sequence;

    /**
     * A clock at the given instant.
     *
     * @param start the initial time
     */
    public FakeClock(Instant start) {
        this.now = Objects.requireNonNull(start, "start");
    }

    /** A clock at 2024-01-01T00:00:00Z. */
    public FakeClock() {
        this(Instant.parse("2024-01-01T00:00:00Z"));
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("FakeClock is UTC only");
    }

    @Override
    public Instant instant() {
        synchronized (lock) {
            return now;
        }
    }

    /**
     * Moves the clock forward, running every task that falls due, including tasks those tasks schedule within the
     * same span.
     *
     * @param duration how far, zero or more
     */
    public void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("duration must not be negative, got " + duration);
        }
        Instant target;
        synchronized (lock) {
            target = now.plus(duration);
        }
        while (true) {
            Task due;
            synchronized (lock) {
                Task head = tasks.peek();
                if (head == null || head.at.isAfter(target)) {
                    now = target;
                    return;
                }
                due = tasks.poll();
                if (due.at.isAfter(now)) {
                    now = due.at;
                }
            }
            due.runnable.run();
        }
    }

    /** Runs the tasks due now (delay zero) without moving the clock. */
    public void runDue() {
        advance(Duration.ZERO);
    }

    /**
     * The number of tasks waiting.
     *
     * @return the count
     */
    public int pendingTasks() {
        synchronized (lock) {
            return tasks.size();
        }
    }

    /**
     * The delays from now of the waiting tasks, soonest first; for asserting backoff.
     *
     * @return the delays
     */
    public List<Duration> pendingDelays() {
        synchronized (lock) {
            List<Task> sorted = new ArrayList<>(tasks);
            sorted.sort(null);
            List<Duration> out = new ArrayList<>();
            sorted.forEach(t -> out.add(Duration.between(now, t.at)));
            return out;
        }
    }

    /**
     * A scheduler driven by this clock.
     *
     * @return the scheduler
     */
    public Scheduler scheduler() {
        return (delay, runnable) -> {
            Objects.requireNonNull(runnable, "task");
            Task t;
            synchronized (lock) {
                t = new Task(now.plus(delay.isNegative() ? Duration.ZERO : delay), sequence++, runnable);
                tasks.add(t);
            }
            return () -> {
                synchronized (lock) {
                    tasks.remove(t);
                }
            };
        };
    }

    private record Task(Instant at, long seq, Runnable runnable) implements Comparable<Task> {
        @Override
        public int compareTo(Task o) {
            int c = at.compareTo(o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
