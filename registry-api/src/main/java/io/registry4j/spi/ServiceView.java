package io.registry4j.spi;

import io.registry4j.Backoff;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.Subscription;
import io.registry4j.WatchEvent;
import io.registry4j.WatchListener;
import io.registry4j.Watcher;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The latest known state of one watched service, shared by all its blocking watchers and listeners.
 *
 * <p>Design: the state is {@code (snapshot, version, stale)} under one lock. {@link #update} sorts the list by id
 * and bumps the version only if the list differs from the current one (dedup); a watcher remembers the last version
 * it returned and {@code next()} waits on one condition until the version moves (so bursts coalesce to the latest).
 * Listeners are drained by a task on their executor that always reads the latest state, one delivery at a time, so
 * they are ordered, never concurrent, and coalesce too. {@link #markStale} keeps the snapshot: an outage is never an
 * empty list. No thread is created here.
 *
 * <p>Thread-safe. Backends do not create views themselves; {@link ServiceViews} does.
 */
public final class ServiceView {
    private static final System.Logger LOG = System.getLogger(ServiceView.class.getName());

    /** Order of a snapshot: by id, then by endpoints, so equal sets compare equal whatever the backend's order. */
    static final Comparator<ServiceInstance> ORDER = ServiceView::compare;

    /** The tie-break of {@link #ORDER} for instances with the same id (rare: it allocates). */
    private static final Comparator<ServiceInstance> SAME_ID = Comparator.<ServiceInstance, String>comparing(
                    i -> i.endpoints().toString())
            .thenComparing(ServiceInstance::name)
            .thenComparing(ServiceInstance::version)
            .thenComparing(i -> new java.util.TreeMap<>(i.metadata()).toString());

    private static int compare(ServiceInstance a, ServiceInstance b) {
        // Ids first, directly: sorting a large full list makes this the hot comparison.
        int byId = a.id().compareTo(b.id());
        return byId != 0 ? byId : SAME_ID.compare(a, b);
    }

    private final String backend;
    private final String service;
    private final Scheduler scheduler;
    private final Backoff backoff;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<Listening> listeners = new CopyOnWriteArrayList<>();
    private final Set<BlockingWatcher> watchers = ConcurrentHashMap.newKeySet();

    private List<ServiceInstance> snapshot = List.of();
    private long version; // 0 until the first authoritative list
    private boolean stale;
    private boolean closed;
    private long changedNanos; // System.nanoTime() of the last change listeners are told of
    private volatile @Nullable RegistryObserver observer;
    // One description per view for the leak tracker, not one string per watcher.
    private final String watcherDescription;
    private final String listenerDescription;

    ServiceView(String backend, String service, Scheduler scheduler, Backoff backoff) {
        this.backend = backend;
        this.service = service;
        this.watcherDescription = backend + " watcher of " + service;
        this.listenerDescription = backend + " listener of " + service;
        this.scheduler = scheduler;
        this.backoff = backoff;
    }

    /**
     * The service this view watches.
     *
     * @return the service name
     */
    public String service() {
        return service;
    }

    /**
     * Takes a new authoritative full list from the backend. Clears the stale state; delivers only if the set
     * changed (or the view was stale, to report recovery).
     *
     * @param instances every instance of the service, in any order
     */
    public void update(Collection<ServiceInstance> instances) {
        if (apply(sortedCopy(instances))) {
            signalListeners();
        }
    }

    /** The snapshot form of a backend's list: sorted by {@link #ORDER}, immutable. */
    static List<ServiceInstance> sortedCopy(Collection<ServiceInstance> instances) {
        List<ServiceInstance> sorted = new ArrayList<>(instances);
        sorted.sort(ORDER);
        return List.copyOf(sorted);
    }

    /**
     * Takes a sorted list without notifying listeners; the owner may hold its own lock around this call.
     *
     * @return whether listeners must be signalled ({@link #signalListeners()}) after the owner's lock is released
     */
    boolean apply(List<ServiceInstance> sorted) {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            boolean recovered = stale;
            stale = false;
            // A size that differs (an instance added or removed, the usual change) needs no element-by-element
            // comparison, which costs a full equals of every instance before the change in a large service.
            boolean differs = version == 0 || sorted.size() != snapshot.size() || !sorted.equals(snapshot);
            if (differs) {
                snapshot = sorted;
                version++;
                changed.signalAll();
            }
            if (recovered) {
                LOG.log(Level.INFO, "{0}: watch of {1} recovered", backend, service);
            }
            if (differs || recovered) {
                changedNanos = System.nanoTime();
            }
            return differs || recovered;
        } finally {
            lock.unlock();
        }
    }

    /** {@link #applyChange} outcomes. */
    static final int UNCHANGED = 0;

    static final int PATCHED = 1;
    static final int CANNOT_PATCH = -1;

    /**
     * Patches the current snapshot with a change instead of replacing it: each removed instance is found by binary
     * search in the sorted snapshot, each added one inserted at its place, so a change costs O(log n) comparisons and
     * one copy of the snapshot's references, where a full list costs a sort. The owner may hold its own lock.
     *
     * @param removed instances of the current snapshot that are gone
     * @param added new instances
     * @return {@link #PATCHED} (signal listeners after the owner's lock is released), {@link #UNCHANGED}, or {@link
     *     #CANNOT_PATCH} if there is no authoritative snapshot yet or a removed instance is not in it (the owner then
     *     sends the full list)
     */
    int applyChange(Collection<ServiceInstance> removed, Collection<ServiceInstance> added) {
        lock.lock();
        try {
            if (closed) {
                return UNCHANGED;
            }
            if (version == 0) {
                return CANNOT_PATCH;
            }
            boolean recovered = stale;
            boolean differs = !sameInstances(removed, added);
            if (differs) {
                List<ServiceInstance> patched = new ArrayList<>(snapshot.size() + added.size());
                patched.addAll(snapshot);
                for (ServiceInstance gone : removed) {
                    int at = indexOf(patched, Objects.requireNonNull(gone, "removed instance"));
                    if (at < 0) {
                        return CANNOT_PATCH;
                    }
                    patched.remove(at);
                }
                for (ServiceInstance fresh : added) {
                    int at = Collections.binarySearch(patched, Objects.requireNonNull(fresh, "added instance"), ORDER);
                    patched.add(at < 0 ? -at - 1 : at, fresh);
                }
                snapshot = List.copyOf(patched);
                version++;
                changed.signalAll();
            }
            stale = false;
            if (recovered) {
                LOG.log(Level.INFO, "{0}: watch of {1} recovered", backend, service);
            }
            if (differs || recovered) {
                changedNanos = System.nanoTime();
                return PATCHED;
            }
            return UNCHANGED;
        } finally {
            lock.unlock();
        }
    }

    /** Whether a change removes exactly what it adds (as a multiset): then the snapshot stays as it is. */
    private static boolean sameInstances(Collection<ServiceInstance> removed, Collection<ServiceInstance> added) {
        if (removed.size() != added.size()) {
            return false;
        }
        if (removed.isEmpty()) {
            return true;
        }
        List<ServiceInstance> a = new ArrayList<>(removed);
        List<ServiceInstance> b = new ArrayList<>(added);
        a.sort(ORDER);
        b.sort(ORDER);
        return a.equals(b);
    }

    /** The index of an instance equal to {@code instance} in a list sorted by {@link #ORDER}, or -1. */
    private static int indexOf(List<ServiceInstance> sorted, ServiceInstance instance) {
        int at = Collections.binarySearch(sorted, instance, ORDER);
        if (at < 0) {
            return -1;
        }
        // ORDER ties only for instances that print alike; look at the whole run of ties for an equal one.
        for (int i = at; i >= 0 && ORDER.compare(sorted.get(i), instance) == 0; i--) {
            if (sorted.get(i).equals(instance)) {
                return i;
            }
        }
        for (int i = at + 1; i < sorted.size() && ORDER.compare(sorted.get(i), instance) == 0; i++) {
            if (sorted.get(i).equals(instance)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Reports that the backend is unreachable: watchers keep the last list and report stale state.
     *
     * @param cause why, for the log
     */
    public void markStale(Throwable cause) {
        if (applyStale(cause)) {
            signalListeners();
        }
    }

    /**
     * Marks the view stale without notifying listeners; the owner may hold its own lock around this call.
     *
     * @return whether listeners must be signalled after the owner's lock is released
     */
    boolean applyStale(Throwable cause) {
        lock.lock();
        try {
            boolean notify = !closed && !stale;
            stale = true;
            if (notify) {
                changedNanos = System.nanoTime();
                LOG.log(
                        Level.WARNING,
                        backend + ": watch of " + service + " is stale, keeping the last list: " + cause);
            }
            return notify;
        } finally {
            lock.unlock();
        }
    }

    /** Sets who is told of each delivery (with its lag); null for nobody. */
    void observer(@Nullable RegistryObserver observer) {
        this.observer = observer;
    }

    /** Hands the latest state to every listener's executor; call with no lock held (a direct executor runs here). */
    void signalListeners() {
        listeners.forEach(Listening::signal);
    }

    /**
     * The current list if it is authoritative and fresh; for cache reads of {@code getService}.
     *
     * @return the list, or null if none was read yet or the view is stale
     */
    public @Nullable List<ServiceInstance> fresh() {
        lock.lock();
        try {
            return version == 0 || stale || closed ? null : snapshot;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Tells whether the backend is currently unreachable for this view.
     *
     * @return the stale flag
     */
    public boolean isStale() {
        lock.lock();
        try {
            return stale;
        } finally {
            lock.unlock();
        }
    }

    /** Closes the view: blocked and later {@code next()} calls throw {@code CLOSED}; listeners get nothing more. */
    void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        // The owner is closing: end every watcher and listener without calling back into it.
        watchers.forEach(w -> w.end(false));
        listeners.forEach(l -> l.end(false));
    }

    Watcher newWatcher(Runnable onStop) {
        var w = new BlockingWatcher(onStop);
        watchers.add(w);
        OpenResources.opened(w, watcherDescription);
        if (isClosed()) { // closed between the owner's check and now
            w.end(true);
            throw closedException();
        }
        return w;
    }

    Subscription subscribe(Executor executor, WatchListener listener, Runnable onClose) {
        var l = new Listening(executor, listener, onClose);
        listeners.add(l);
        OpenResources.opened(l, listenerDescription);
        if (isClosed()) {
            l.end(true);
            throw closedException();
        }
        l.signal(); // deliver what is already known
        return l;
    }

    private boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    private RegistryException closedException() {
        return new RegistryException(RegistryException.Kind.CLOSED, backend, "watcher of " + service + " is stopped");
    }

    /** A blocking watcher: remembers the last version it returned. */
    private final class BlockingWatcher implements Watcher {
        private final Runnable onStop;
        private final AtomicBoolean stopped = new AtomicBoolean();
        private long seen;

        BlockingWatcher(Runnable onStop) {
            this.onStop = onStop;
        }

        @Override
        public List<ServiceInstance> next() throws InterruptedException {
            lock.lockInterruptibly();
            try {
                while (true) {
                    if (stopped.get() || closed) {
                        throw closedException();
                    }
                    if (version != 0 && version != seen) {
                        seen = version;
                        return snapshot;
                    }
                    changed.await();
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void stop() {
            end(true);
        }

        void end(boolean release) {
            if (stopped.compareAndSet(false, true)) {
                watchers.remove(this);
                OpenResources.closed(this);
                lock.lock();
                try {
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
                if (release) {
                    onStop.run();
                }
            }
        }

        @Override
        public boolean isStale() {
            return ServiceView.this.isStale();
        }

        @Override
        public String toString() {
            return "Watcher[" + backend + "/" + service + "]";
        }
    }

    /** A listener subscription, drained by one task at a time on its executor. */
    private final class Listening implements Subscription, Runnable {
        private final Executor executor;
        private final WatchListener listener;
        private final Runnable onClose;
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private final AtomicBoolean done = new AtomicBoolean();
        private final AtomicInteger rejections = new AtomicInteger();
        // Touched only by the draining task, which never runs twice at once.
        private long deliveredVersion;
        private boolean deliveredStale;
        private long eventChangedNanos;

        Listening(Executor executor, WatchListener listener, Runnable onClose) {
            this.executor = executor;
            this.listener = listener;
            this.onClose = onClose;
        }

        void signal() {
            if (done.get() || !scheduled.compareAndSet(false, true)) {
                return;
            }
            try {
                executor.execute(this);
                rejections.set(0);
            } catch (RejectedExecutionException e) {
                scheduled.set(false);
                retryLater(e);
            }
        }

        /** A rejected delivery is tried again after a backoff, so the listener still gets the latest state. */
        private void retryLater(RejectedExecutionException cause) {
            int attempt = rejections.incrementAndGet();
            Duration delay = RegistrationKeeper.atLeast(backoff.delay(attempt));
            LOG.log(
                    attempt == 1 ? Level.WARNING : Level.DEBUG,
                    backend + ": executor rejected a delivery to a listener of " + service + "; retrying in "
                            + delay.toMillis() + " ms, attempt " + attempt,
                    cause);
            try {
                scheduler.schedule(
                        delay, RegistryThreads.guarded("redeliver to a listener of " + service, this::signal));
            } catch (RejectedExecutionException closing) {
                // the registry is closing: nothing more is delivered anyway
            }
        }

        @Override
        public void run() {
            while (true) {
                WatchEvent event = done.get() ? null : nextEvent();
                if (event == null) {
                    scheduled.set(false);
                    // A change that raced with the release above is picked up by whoever wins the flag.
                    if (done.get() || !pending() || !scheduled.compareAndSet(false, true)) {
                        return;
                    }
                    continue;
                }
                RegistryObserver o = observer;
                if (o != null) {
                    try {
                        o.delivered(service, event.type(), Duration.ofNanos(System.nanoTime() - eventChangedNanos));
                    } catch (RuntimeException e) {
                        LOG.log(Level.WARNING, backend + ": registry observer failed", e);
                    }
                }
                try {
                    listener.onEvent(event);
                } catch (VirtualMachineError e) {
                    scheduled.set(false);
                    throw e;
                } catch (Throwable e) { // an AssertionError in a test listener must not end the deliveries
                    LOG.log(
                            Level.WARNING,
                            backend + ": listener of " + service + " threw; it keeps its subscription",
                            e);
                }
            }
        }

        private boolean pending() {
            lock.lock();
            try {
                // Exactly the cases in which nextEvent() has something to deliver, or the drain would spin.
                if (closed) {
                    return false;
                }
                return stale ? !deliveredStale : deliveredStale || (version != 0 && version != deliveredVersion);
            } finally {
                lock.unlock();
            }
        }

        private @Nullable WatchEvent nextEvent() {
            List<ServiceInstance> list;
            WatchEvent.Type type;
            lock.lock();
            try {
                if (closed) {
                    return null;
                }
                if (stale && !deliveredStale) {
                    type = WatchEvent.Type.STALE;
                } else if (!stale && deliveredStale) {
                    type = deliveredVersion == 0 ? WatchEvent.Type.INITIAL : WatchEvent.Type.RECOVERED;
                } else if (!stale && version != 0 && version != deliveredVersion) {
                    type = deliveredVersion == 0 ? WatchEvent.Type.INITIAL : WatchEvent.Type.CHANGED;
                } else {
                    return null;
                }
                list = snapshot;
                eventChangedNanos = changedNanos;
                deliveredStale = stale;
                if (version != 0) {
                    deliveredVersion = version;
                }
            } finally {
                lock.unlock();
            }
            return new WatchEvent(service, list, type);
        }

        @Override
        public void close() {
            end(true);
        }

        void end(boolean release) {
            if (done.compareAndSet(false, true)) {
                listeners.remove(this);
                OpenResources.closed(this);
                if (release) {
                    onClose.run();
                }
            }
        }
    }

    @Override
    public String toString() {
        return "ServiceView[" + backend + "/" + service + "]";
    }
}
