package io.registry4j.resilience;

import io.registry4j.RegistrationEvent;
import io.registry4j.RegistrationListener;
import io.registry4j.ServiceInstance;
import io.registry4j.WatchEvent;
import io.registry4j.WatchListener;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Predicate;

/**
 * Records registration and watch events with the {@link System#nanoTime()} of their arrival, so that a scenario can
 * ask what happened after a fault and how long after it. Thread-safe.
 */
final class Timeline implements RegistrationListener, WatchListener {
    /** One event and when it arrived. */
    record Entry(long nanos, Object event) {}

    private final List<Entry> entries = new ArrayList<>();

    @Override
    public synchronized void onEvent(RegistrationEvent event) {
        entries.add(new Entry(System.nanoTime(), event));
    }

    @Override
    public synchronized void onEvent(WatchEvent event) {
        entries.add(new Entry(System.nanoTime(), event));
    }

    /** Returns every registration event that arrived after {@code sinceNanos}, oldest first. */
    synchronized List<RegistrationEvent> registrations(long sinceNanos) {
        List<RegistrationEvent> out = new ArrayList<>();
        for (Entry entry : entries) {
            if (entry.nanos - sinceNanos >= 0 && entry.event instanceof RegistrationEvent event) {
                out.add(event);
            }
        }
        return out;
    }

    /** Returns the states of the registration events since {@code sinceNanos}, oldest first. */
    List<RegistrationEvent.State> states(long sinceNanos) {
        List<RegistrationEvent.State> out = new ArrayList<>();
        registrations(sinceNanos).forEach(event -> out.add(event.state()));
        return out;
    }

    /** Returns every watch event that arrived after {@code sinceNanos}, oldest first. */
    synchronized List<WatchEvent> watches(long sinceNanos) {
        List<WatchEvent> out = new ArrayList<>();
        for (Entry entry : entries) {
            if (entry.nanos - sinceNanos >= 0 && entry.event instanceof WatchEvent event) {
                out.add(event);
            }
        }
        return out;
    }

    /** Returns the types of the watch events since {@code sinceNanos}, oldest first. */
    List<WatchEvent.Type> types(long sinceNanos) {
        List<WatchEvent.Type> out = new ArrayList<>();
        watches(sinceNanos).forEach(event -> out.add(event.type()));
        return out;
    }

    /** Returns the instances of the latest watch event, or an empty list before any. */
    synchronized List<ServiceInstance> latest() {
        for (int i = entries.size() - 1; i >= 0; i--) {
            if (entries.get(i).event instanceof WatchEvent event) {
                return event.instances();
            }
        }
        return List.of();
    }

    /** Returns when the first event since {@code sinceNanos} that {@code test} accepts arrived. */
    synchronized OptionalLong firstAt(long sinceNanos, Predicate<Object> test) {
        for (Entry entry : entries) {
            if (entry.nanos - sinceNanos >= 0 && test.test(entry.event)) {
                return OptionalLong.of(entry.nanos);
            }
        }
        return OptionalLong.empty();
    }

    /** Returns when the first registration event of {@code state} since {@code sinceNanos} arrived. */
    OptionalLong firstAt(long sinceNanos, RegistrationEvent.State state) {
        return firstAt(sinceNanos, e -> e instanceof RegistrationEvent r && r.state() == state);
    }

    /** Returns when the first watch event of {@code type} since {@code sinceNanos} arrived. */
    OptionalLong firstAt(long sinceNanos, WatchEvent.Type type) {
        return firstAt(sinceNanos, e -> e instanceof WatchEvent w && w.type() == type);
    }
}
