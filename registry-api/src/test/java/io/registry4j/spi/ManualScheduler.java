package io.registry4j.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A scheduler whose tasks run only when the test says so; records the delays asked for. */
final class ManualScheduler implements Scheduler {
    private final List<Pending> pending = new ArrayList<>();
    private final List<Duration> requested = new ArrayList<>();

    private static final class Pending {
        final Duration delay;
        final Runnable task;
        boolean cancelled;

        Pending(Duration delay, Runnable task) {
            this.delay = delay;
            this.task = task;
        }
    }

    @Override
    public synchronized Task schedule(Duration delay, Runnable task) {
        var p = new Pending(delay, task);
        pending.add(p);
        requested.add(delay);
        return () -> {
            synchronized (this) {
                p.cancelled = true;
                pending.remove(p);
            }
        };
    }

    /** Runs the tasks waiting now (not those they schedule); returns how many ran. */
    int runPending() {
        List<Pending> now;
        synchronized (this) {
            now = new ArrayList<>(pending);
            pending.clear();
        }
        int ran = 0;
        for (Pending p : now) {
            if (!p.cancelled) {
                p.task.run();
                ran++;
            }
        }
        return ran;
    }

    synchronized int size() {
        return pending.size();
    }

    synchronized List<Duration> delays() {
        List<Duration> out = new ArrayList<>();
        pending.forEach(p -> out.add(p.delay));
        return out;
    }

    synchronized List<Duration> requested() {
        return List.copyOf(requested);
    }
}
