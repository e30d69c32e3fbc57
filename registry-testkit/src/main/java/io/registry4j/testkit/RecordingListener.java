package io.registry4j.testkit;

import io.registry4j.ServiceInstance;
import io.registry4j.WatchEvent;
import io.registry4j.WatchListener;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link WatchListener} that records every event, and notices deliveries that overlap (which the contract
 * forbids). Thread-safe.
 */
public final class RecordingListener implements WatchListener {
    private final List<WatchEvent> events = new ArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger overlaps = new AtomicInteger();

    /** An empty recorder. */
    public RecordingListener() {}

    @Override
    public void onEvent(WatchEvent event) {
        if (inFlight.incrementAndGet() > 1) {
            overlaps.incrementAndGet();
        }
        try {
            synchronized (events) {
                events.add(event);
            }
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /**
     * Every event so far, oldest first.
     *
     * @return a copy
     */
    public List<WatchEvent> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /**
     * The types of the events so far, oldest first.
     *
     * @return a copy
     */
    public List<WatchEvent.Type> types() {
        List<WatchEvent.Type> out = new ArrayList<>();
        events().forEach(e -> out.add(e.type()));
        return out;
    }

    /**
     * The instances of the latest event, or an empty list before any.
     *
     * @return the latest list
     */
    public List<ServiceInstance> latest() {
        synchronized (events) {
            return events.isEmpty() ? List.of() : events.get(events.size() - 1).instances();
        }
    }

    /**
     * The number of events so far.
     *
     * @return the count
     */
    public int count() {
        synchronized (events) {
            return events.size();
        }
    }

    /**
     * How many deliveries started while another was still running; must stay 0.
     *
     * @return the count
     */
    public int overlappingDeliveries() {
        return overlaps.get();
    }
}
