package io.registry4j.spi;

import io.registry4j.Backoff;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.Subscription;
import io.registry4j.WatchListener;
import io.registry4j.Watcher;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The watched services of one registry: one {@link ServiceView} and one native watch per service, however many
 * watchers and listeners it has.
 *
 * <p>Design: the first watcher of a service creates its view and opens the backend's {@link Source}; the source
 * feeds full lists into a {@link Sink}. When the source reports that it died ({@link Sink#failed}), the view goes
 * stale and the source is closed and reopened after {@link Backoff} on the registry's {@link Scheduler}, forever,
 * until the last watcher leaves; then the source is closed and the view dropped. Each opening gets a generation, and
 * a sink of an older generation is ignored, so a source that is being replaced cannot feed the new view. Sources are
 * opened and closed outside the lock.
 *
 * <p>Thread-safe.
 */
public final class ServiceViews implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ServiceViews.class.getName());

    /** Opens the backend's native watch of one service. Implemented by backends. */
    @FunctionalInterface
    public interface Source {
        /**
         * Starts watching a service. Must not block on the network: do the first read asynchronously (or on the
         * scheduler) and report through {@code sink}: a full list with {@link Sink#update} after the first read and
         * after every change.
         *
         * @param service the service name
         * @param sink where to report
         * @return closes the native watch; may be called from any thread, at most once
         * @throws RuntimeException if the watch cannot even be started; treated like {@link Sink#failed}
         */
        AutoCloseable open(String service, Sink sink);
    }

    /** Where a source reports. Thread-safe; calls after the source was closed are ignored. */
    public interface Sink {
        /**
         * Reports the full, authoritative list of instances (after the health policy), in any order.
         *
         * @param instances every instance of the service
         */
        void update(Collection<ServiceInstance> instances);

        /**
         * Reports a change to the list of the previous report (an {@link #update} or a change), for backends whose
         * native watch delivers changes (per-key or per-child events): the view patches its sorted snapshot, so the
         * work is proportional to the change, not to the size of the service. Watchers and listeners still get
         * full snapshots. Reports must leave in order, as {@link #update}s do.
         *
         * <p>The default sends {@code all} as a full {@link #update}; the service views' own sink does the same when
         * it cannot patch (no full list reported yet in this opening, or a removed instance it does not hold).
         *
         * @param removed instances of the previous report that are gone (equal to the ones reported)
         * @param added instances that are new (a changed instance is removed in its old form and added in its new)
         * @param all the full list now, read only if the change cannot be applied
         */
        default void change(
                Collection<ServiceInstance> removed,
                Collection<ServiceInstance> added,
                Supplier<? extends Collection<ServiceInstance>> all) {
            update(all.get());
        }

        /**
         * Reports that the backend is unreachable but the source will recover by itself (an SDK that reconnects);
         * watchers go stale until the next {@link #update}.
         *
         * @param cause why
         */
        void stale(Throwable cause);

        /**
         * Reports that the source is dead: watchers go stale, and the source is closed and reopened after a backoff.
         *
         * @param cause why
         */
        void failed(Throwable cause);
    }

    private final String backend;
    private final Source source;
    private final Scheduler scheduler;
    private final Backoff backoff;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private boolean closed;
    private volatile @Nullable RegistryObserver observer;

    /**
     * Creates the views of one registry.
     *
     * @param backend the backend name, for messages
     * @param source opens native watches
     * @param scheduler runs source restarts
     * @param backoff delays between restarts of a failing source
     */
    public ServiceViews(String backend, Source source, Scheduler scheduler, Backoff backoff) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.source = Objects.requireNonNull(source, "source");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.backoff = Objects.requireNonNull(backoff, "backoff");
    }

    /**
     * A new blocking watcher of a service.
     *
     * @param service a valid service name
     * @return the watcher
     * @throws RegistryException of kind {@code CLOSED} after {@link #close()}
     */
    public Watcher watch(String service) {
        Entry e = acquire(service);
        return e.view.newWatcher(() -> release(e));
    }

    /**
     * A new listener subscription of a service.
     *
     * @param service a valid service name
     * @param executor runs deliveries
     * @param listener receives events
     * @return the subscription
     * @throws RegistryException of kind {@code CLOSED} after {@link #close()}
     */
    public Subscription watch(String service, Executor executor, WatchListener listener) {
        Objects.requireNonNull(executor, "executor");
        Objects.requireNonNull(listener, "listener");
        Entry e = acquire(service);
        return e.view.subscribe(executor, listener, () -> release(e));
    }

    /**
     * The current list of a watched service, if it is known and fresh; no I/O, no allocation.
     *
     * @param service the service name
     * @return the list, or null if the service is not watched, not read yet, or stale
     */
    public @Nullable List<ServiceInstance> fresh(String service) {
        Entry e = entries.get(service);
        return e == null ? null : e.view.fresh();
    }

    /**
     * Sets who is told of each watch delivery, for views created from now on (set it before the first watch).
     *
     * @param observer the observer, or null for nobody
     */
    void observer(@Nullable RegistryObserver observer) {
        this.observer = observer;
    }

    /**
     * The number of services with an open native watch.
     *
     * @return the count
     */
    public int watchedServices() {
        return entries.size();
    }

    private Entry acquire(String service) {
        Entry e;
        boolean open;
        lock.lock();
        try {
            if (closed) {
                throw new RegistryException(RegistryException.Kind.CLOSED, backend, "registry is closed");
            }
            Entry found = entries.get(service);
            open = found == null;
            if (found == null) {
                found = new Entry(service);
                entries.put(service, found);
            }
            found.refs++;
            e = found;
        } finally {
            lock.unlock();
        }
        if (open) {
            openSource(e, e.generation);
        }
        return e;
    }

    private void release(Entry e) {
        AutoCloseable handle;
        lock.lock();
        try {
            if (--e.refs > 0 || entries.get(e.service) != e) {
                return;
            }
            entries.remove(e.service);
            handle = e.retire();
        } finally {
            lock.unlock();
        }
        e.view.close();
        closeQuietly(e.service, handle);
    }

    private void openSource(Entry e, long generation) {
        var sink = new GenerationSink(e, generation);
        AutoCloseable handle;
        try {
            handle = source.open(e.service, sink);
        } catch (RuntimeException ex) {
            sink.failed(ex);
            return;
        }
        boolean current;
        lock.lock();
        try {
            current = e.generation == generation && !e.retired;
            if (current) {
                e.handle = handle;
            }
        } finally {
            lock.unlock();
        }
        if (!current) {
            closeQuietly(e.service, handle);
        }
    }

    private void restart(Entry e, long failedGeneration, Throwable cause) {
        AutoCloseable old;
        boolean notify;
        lock.lock();
        try {
            if (e.retired || e.generation != failedGeneration) {
                return; // already restarting, or released
            }
            old = e.handle;
            e.handle = null;
            long generation = ++e.generation;
            int attempt = ++e.failures;
            // Stale before the reopen is scheduled, and under the lock that orders the sinks: the new source may
            // deliver as soon as it is scheduled, and its list must win over this failure.
            notify = e.view.applyStale(cause);
            Duration delay = RegistrationKeeper.atLeast(backoff.delay(attempt));
            LOG.log(
                    attempt == 1 ? Level.WARNING : Level.DEBUG,
                    backend + ": watch of " + e.service + " failed (" + cause + "); reopening in " + delay.toMillis()
                            + " ms, attempt " + attempt);
            try {
                e.pending = scheduler.schedule(
                        delay, RegistryThreads.guarded("restart watch of " + e.service, () -> reopen(e, generation)));
            } catch (RejectedExecutionException ex) {
                e.pending = null; // the registry is closing
            }
        } finally {
            lock.unlock();
        }
        if (notify) {
            e.view.signalListeners();
        }
        if (old != null) {
            closeQuietly(e.service, old);
        }
    }

    private void reopen(Entry e, long generation) {
        lock.lock();
        try {
            if (e.retired || e.generation != generation) {
                return;
            }
            e.pending = null;
        } finally {
            lock.unlock();
        }
        openSource(e, generation);
    }

    private void closeQuietly(String service, @Nullable AutoCloseable handle) {
        if (handle == null) {
            return;
        }
        try {
            handle.close();
        } catch (Exception ex) {
            if (ex instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.log(Level.DEBUG, backend + ": closing the watch of " + service + " failed", ex);
        }
    }

    /** Stops every watcher and listener and closes every native watch; idempotent. */
    @Override
    public void close() {
        List<Entry> all;
        lock.lock();
        try {
            closed = true;
            all = new ArrayList<>(entries.values());
            entries.clear();
        } finally {
            lock.unlock();
        }
        for (Entry e : all) {
            AutoCloseable handle;
            lock.lock();
            try {
                handle = e.retire();
            } finally {
                lock.unlock();
            }
            e.view.close();
            closeQuietly(e.service, handle);
        }
    }

    /** One watched service. Fields other than {@code view} are guarded by {@code lock}. */
    private final class Entry {
        final String service;
        final ServiceView view;
        int refs;
        long generation = 1;
        int failures;
        boolean retired;

        @Nullable
        AutoCloseable handle;

        Scheduler.@Nullable Task pending;

        Entry(String service) {
            this.service = service;
            this.view = new ServiceView(backend, service, scheduler, backoff);
            this.view.observer(observer);
        }

        @Nullable
        AutoCloseable retire() {
            retired = true;
            generation++;
            if (pending != null) {
                pending.cancel();
                pending = null;
            }
            AutoCloseable h = handle;
            handle = null;
            return h;
        }
    }

    /** The sink given to one opening of a source; ignored once that opening is replaced or released. */
    private final class GenerationSink implements Sink {
        private final Entry entry;
        private final long generation;
        private volatile boolean reported; // a full list of this opening reached the view: changes can patch it

        GenerationSink(Entry entry, long generation) {
            this.entry = entry;
            this.generation = generation;
        }

        private boolean current() {
            lock.lock();
            try {
                return !entry.retired && entry.generation == generation;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void update(Collection<ServiceInstance> instances) {
            Objects.requireNonNull(instances, "instances");
            List<ServiceInstance> sorted = ServiceView.sortedCopy(instances);
            boolean notify = false;
            // Checked and applied under one lock hold: a source replaced in between must not overwrite the view.
            lock.lock();
            try {
                if (current()) {
                    entry.failures = 0;
                    notify = entry.view.apply(sorted);
                    reported = true;
                }
            } finally {
                lock.unlock();
            }
            if (notify) {
                entry.view.signalListeners();
            }
        }

        @Override
        public void change(
                Collection<ServiceInstance> removed,
                Collection<ServiceInstance> added,
                Supplier<? extends Collection<ServiceInstance>> all) {
            Objects.requireNonNull(removed, "removed");
            Objects.requireNonNull(added, "added");
            Objects.requireNonNull(all, "all");
            int outcome = ServiceView.CANNOT_PATCH;
            lock.lock();
            try {
                if (!current()) {
                    return;
                }
                if (reported) {
                    entry.failures = 0;
                    outcome = entry.view.applyChange(removed, added);
                }
            } finally {
                lock.unlock();
            }
            if (outcome == ServiceView.CANNOT_PATCH) {
                update(all.get());
            } else if (outcome == ServiceView.PATCHED) {
                entry.view.signalListeners();
            }
        }

        @Override
        public void stale(Throwable cause) {
            boolean notify = false;
            lock.lock();
            try {
                notify = current() && entry.view.applyStale(cause);
            } finally {
                lock.unlock();
            }
            if (notify) {
                entry.view.signalListeners();
            }
        }

        @Override
        public void failed(Throwable cause) {
            restart(entry, generation, cause);
        }
    }
}
