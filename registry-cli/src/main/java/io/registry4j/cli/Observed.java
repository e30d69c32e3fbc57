package io.registry4j.cli;

import io.registry4j.ServiceInstance;
import io.registry4j.WatchEvent;
import io.registry4j.WatchListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * What a watcher has seen of one service, with the monotonic time of each event, so that a command can wait for a
 * state ("the list holds the probe") and measure when it was reached. Used by {@code doctor} and {@code demo}.
 *
 * <p>Thread-safe: events arrive on the registry's or an executor's thread, waits happen on the command's.
 */
final class Observed implements WatchListener {
    /** One event and when it arrived ({@link System#nanoTime()}). */
    record Seen(WatchEvent event, long nanos) {}

    private final List<Seen> events = new ArrayList<>();
    private final Consumer<Seen> sink;

    Observed() {
        this(seen -> {});
    }

    /** An observer that also hands every event to {@code sink}, on the delivering thread. */
    Observed(Consumer<Seen> sink) {
        this.sink = sink;
    }

    @Override
    public void onEvent(WatchEvent event) {
        Seen seen = new Seen(event, System.nanoTime());
        // The sink first: a command waiting for this event goes on only once its line is out, so the lines that
        // follow (the demo's next step) come after it.
        sink.accept(seen);
        synchronized (this) {
            events.add(seen);
            notifyAll();
        }
    }

    /** Every event so far, oldest first. */
    synchronized List<Seen> events() {
        return List.copyOf(events);
    }

    /** How many events arrived so far; pass it to {@link #await} to wait only for later ones. */
    synchronized int count() {
        return events.size();
    }

    /**
     * Waits for an authoritative event, at index {@code from} or later, whose list satisfies {@code state}.
     *
     * @return the first such event, or null if none arrived within {@code timeout}
     */
    @Nullable
    Seen await(int from, Predicate<List<ServiceInstance>> state, Duration timeout) throws InterruptedException {
        return awaitEvent(from, e -> e.isAuthoritative() && state.test(e.instances()), timeout);
    }

    /**
     * Waits for an event, at index {@code from} or later, that satisfies {@code wanted}; stale ones included.
     *
     * @return the first such event, or null if none arrived within {@code timeout}
     */
    @Nullable
    Seen awaitEvent(int from, Predicate<WatchEvent> wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            int next = from;
            while (true) {
                for (; next < events.size(); next++) {
                    Seen seen = events.get(next);
                    if (wanted.test(seen.event())) {
                        return seen;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                wait(Math.max(1, left / 1_000_000), 0);
            }
        }
    }

    /** A state: the list holds an instance with this id. */
    static Predicate<List<ServiceInstance>> holds(String id) {
        return list -> list.stream().anyMatch(i -> i.id().equals(id));
    }

    /** A state: the list holds no instance with this id. */
    static Predicate<List<ServiceInstance>> lacks(String id) {
        return holds(id).negate();
    }
}
