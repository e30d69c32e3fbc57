package io.registry4j.spi;

import io.registry4j.Backoff;
import io.registry4j.RegistrationEvent;
import io.registry4j.RegistrationEvent.State;
import io.registry4j.RegistrationListener;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.Subscription;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * Registration as desired state: remembers what a registry registered and keeps it in the backend until it is
 * deregistered or the registry closes.
 *
 * <p>Design: one entry per instance (keyed by name and id), each guarded by its own monitor, which is held across
 * the backend write so that a user's update, a deregistration and a background re-registration of the same instance
 * never interleave; a deregistered entry is marked dead under that monitor, so nothing resurrects it. Loss comes in
 * two ways: the backend reports it ({@link #lost}, {@link #lostAll}: an expired lease or session, a deleted node), or
 * the optional periodic {@link Hooks#verify} says so (a heartbeat answered 404). Then the instance is written again
 * at once and, while that fails, after {@link Backoff} delays, forever. Every state change goes to the listeners and
 * the log, once. All timed work runs on the registry's one {@link Scheduler}; there is no thread per instance.
 * Checks go through {@link Hooks#verifyAsync}: a backend with a non-blocking client only sends its heartbeat there, so
 * the heartbeats of many instances are in flight together instead of queueing behind one another on the scheduler
 * thread (where, for a few hundred instances on a slow link, a round would take longer than the TTL it renews); each
 * instance has at most one check in flight, its next one scheduled a keepalive interval after the answer, which is
 * handled on the scheduler like every other state change.
 *
 * <p>Thread-safe.
 */
public final class RegistrationKeeper {
    private static final System.Logger LOG = System.getLogger(RegistrationKeeper.class.getName());
    private static final Duration MIN_DELAY = Duration.ofMillis(10);
    private static final long ANY_GENERATION = -1;

    /** The backend's side of registration. Each call is bounded by the backend's call timeout. */
    public interface Hooks {
        /**
         * Writes the instance to the backend, creating or replacing it; must be idempotent.
         *
         * @param instance the instance
         * @throws RegistryException if the backend refused or could not be reached
         */
        void write(ServiceInstance instance);

        /**
         * Removes the instance this registry wrote.
         *
         * @param instance the instance
         * @throws RegistryException if the backend could not be reached
         */
        void remove(ServiceInstance instance);

        /**
         * Periodic check, run every keepalive interval when one is configured: renew a heartbeat or check that the
         * entry is still there.
         *
         * @param instance the instance
         * @return false if the backend no longer holds the instance, so it must be written again
         * @throws RegistryException if the backend could not be reached; the check is retried next interval
         */
        default boolean verify(ServiceInstance instance) {
            return true;
        }

        /**
         * The periodic check without blocking, for a backend whose client answers asynchronously (a heartbeat sent on
         * an HTTP client): the keeper calls it on its scheduler thread, so it must return at once and must not block
         * there; the answer is handled when it completes, and the next check is scheduled one keepalive interval
         * after that, so one instance never has two checks in flight. The default runs {@link #verify} on the
         * calling thread.
         *
         * @param instance the instance
         * @return completes with false if the backend no longer holds the instance, with true if it does, and fails
         *     (with a {@link RegistryException}) if the backend could not be reached; the check is retried next
         *     interval
         */
        default CompletionStage<Boolean> verifyAsync(ServiceInstance instance) {
            try {
                return CompletableFuture.completedFuture(verify(instance));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
    }

    private final String backend;
    private final Hooks hooks;
    private final Scheduler scheduler;
    private final Clock clock;
    private final Backoff backoff;
    private final @Nullable Duration keepAliveInterval;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final List<SerialDelivery<RegistrationEvent>> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    /**
     * Creates a keeper.
     *
     * @param backend the backend name, for messages
     * @param hooks the backend's writes
     * @param scheduler runs keepalives and retries
     * @param clock stamps events
     * @param backoff delays between failed re-registrations
     * @param keepAliveInterval how often to call {@link Hooks#verifyAsync}, or null for never
     */
    public RegistrationKeeper(
            String backend,
            Hooks hooks,
            Scheduler scheduler,
            Clock clock,
            Backoff backoff,
            @Nullable Duration keepAliveInterval) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.hooks = Objects.requireNonNull(hooks, "hooks");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        if (keepAliveInterval != null && (keepAliveInterval.isZero() || keepAliveInterval.isNegative())) {
            throw new IllegalArgumentException("keepAliveInterval must be positive, got " + keepAliveInterval);
        }
        this.keepAliveInterval = keepAliveInterval;
    }

    private static String key(ServiceInstance instance) {
        return instance.name() + "/" + instance.id();
    }

    /**
     * Writes the instance on the calling thread and keeps it from then on; an instance with the same name and id is
     * replaced.
     *
     * @param instance the instance
     * @throws RegistryException if the write failed; a new instance is then not kept, and a replaced one keeps its
     *     previous value
     */
    public void register(ServiceInstance instance) {
        checkOpen();
        while (true) {
            Entry e = entries.computeIfAbsent(key(instance), k -> new Entry(instance));
            synchronized (e) {
                if (e.dead) {
                    continue; // deregistered concurrently: start over with a fresh entry
                }
                boolean fresh = !e.written;
                try {
                    hooks.write(instance);
                } catch (RuntimeException ex) {
                    if (fresh) {
                        e.dead = true;
                        entries.remove(e.key, e);
                    }
                    throw ex;
                }
                e.instance = instance;
                e.written = true;
                e.lost = false;
                e.attempt = 0;
                e.generation++;
                if (closed) {
                    // close() ran while we wrote and may have missed this entry: take it back out ourselves.
                    kill(e);
                    try {
                        hooks.remove(instance);
                    } catch (RuntimeException ex) {
                        LOG.log(Level.WARNING, backend + ": removing " + e.key + " after close failed: " + ex);
                    }
                    throw new RegistryException(RegistryException.Kind.CLOSED, backend, "registry is closed");
                }
                scheduleVerify(e);
                emit(e, State.REGISTERED, 0, null);
            }
            flush();
            return;
        }
    }

    /**
     * Stops keeping the instance and removes it from the backend. Does nothing for an instance this keeper does not
     * hold.
     *
     * @param instance the instance; its name and id matter
     * @return true if the keeper held it
     * @throws RegistryException if the removal failed; the instance is no longer kept either way
     */
    public boolean deregister(ServiceInstance instance) {
        Entry e = entries.get(key(instance));
        if (e == null) {
            return false;
        }
        synchronized (e) {
            if (e.dead) {
                return false;
            }
            kill(e);
            hooks.remove(e.instance);
            return true;
        }
    }

    private void kill(Entry e) {
        e.dead = true;
        e.generation++;
        e.cancelPending();
        entries.remove(e.key, e);
    }

    /**
     * Reports that the backend lost one instance; it is written again in the background.
     *
     * @param instance the instance (name and id matter)
     * @param cause what happened, for events and logs
     */
    public void lost(ServiceInstance instance, @Nullable Throwable cause) {
        Entry e = entries.get(key(instance));
        if (e != null) {
            markLost(e, cause);
        }
    }

    /**
     * Reports that the backend lost every instance of this registry (lease or session gone, server wiped).
     *
     * @param cause what happened, for events and logs
     */
    public void lostAll(@Nullable Throwable cause) {
        entries.values().forEach(e -> markLost(e, cause));
    }

    /**
     * Runs every pending re-registration now instead of after its backoff; a backend calls this when its connection
     * comes back, so that recovery does not wait out a long delay. Returns at once: the work is done on the
     * scheduler, so a caller on the native client's event thread never waits for an entry being written.
     */
    public void retryNow() {
        if (closed) {
            return;
        }
        try {
            scheduler.schedule(Duration.ZERO, RegistryThreads.guarded(backend + " retry now", () -> {
                for (Entry e : entries.values()) {
                    synchronized (e) {
                        if (e.lost && !e.dead && !closed) {
                            schedule(e, Duration.ZERO, this::retry);
                        }
                    }
                }
            }));
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    private void markLost(Entry e, @Nullable Throwable cause) {
        markLost(e, cause, ANY_GENERATION);
    }

    /** Marks an entry lost unless it changed since {@code generation} (or {@link #ANY_GENERATION}); never call it holding the entry's monitor. */
    private void markLost(Entry e, @Nullable Throwable cause, long generation) {
        synchronized (e) {
            if (e.dead || e.lost || closed || (generation != ANY_GENERATION && e.generation != generation)) {
                return;
            }
            e.lost = true;
            e.generation++;
            e.cancelPending();
            emit(e, State.LOST, 0, cause);
            schedule(e, Duration.ZERO, this::retry);
        }
        flush();
    }

    private void retry(Entry e, long generation) {
        retryLocked(e, generation);
        flush();
    }

    private void retryLocked(Entry e, long generation) {
        synchronized (e) {
            if (e.dead || closed || e.generation != generation) {
                return;
            }
            try {
                hooks.write(e.instance);
            } catch (RuntimeException ex) {
                e.attempt++;
                emit(e, State.RETRYING, e.attempt, ex);
                schedule(e, atLeast(backoff.delay(e.attempt)), this::retry);
                return;
            }
            e.lost = false;
            e.attempt = 0;
            e.generation++;
            emit(e, State.RESTORED, 0, null);
            scheduleVerify(e);
        }
    }

    /** Never retry in a hot loop, whatever backoff the user configured. */
    static Duration atLeast(Duration delay) {
        return delay.compareTo(MIN_DELAY) < 0 ? MIN_DELAY : delay;
    }

    private void scheduleVerify(Entry e) {
        if (keepAliveInterval != null) {
            schedule(e, keepAliveInterval, this::verify);
        }
    }

    private void verify(Entry e, long generation) {
        CompletionStage<Boolean> answer;
        synchronized (e) {
            if (e.dead || closed || e.generation != generation) {
                return;
            }
            e.pending = null; // this task: nothing else is scheduled until the answer is in
            try {
                // A backend that answers synchronously runs its check here, under the monitor, as a write would.
                answer = hooks.verifyAsync(e.instance);
            } catch (RuntimeException ex) {
                answer = CompletableFuture.failedFuture(ex);
            }
        }
        CompletableFuture<Boolean> f = answer.toCompletableFuture();
        if (f.isDone()) {
            verified(e, generation, f);
            return;
        }
        // Handled on the scheduler, as every other state change of the keeper: never on the client's threads, where
        // a direct-executor listener of the loss would run and could block the client's completions.
        var unused = f.whenComplete((present, error) -> {
            try {
                scheduler.schedule(
                        Duration.ZERO,
                        RegistryThreads.guarded("keep " + backend + " " + e.key, () -> verified(e, generation, f)));
            } catch (RejectedExecutionException ex) {
                // closing
            }
        });
    }

    /** Handles the answer of a completed check of the given generation. */
    private void verified(Entry e, long generation, CompletableFuture<Boolean> answer) {
        long lostGeneration;
        synchronized (e) {
            if (e.dead || closed || e.generation != generation) {
                return;
            }
            boolean present;
            try {
                present = answer.join();
            } catch (CompletionException | CancellationException ex) {
                Throwable cause = Calls.unwrap(ex);
                if (!e.verifyFailing) {
                    LOG.log(Level.WARNING, backend + ": keepalive of " + e.key + " failed, will retry: " + cause);
                }
                e.verifyFailing = true;
                scheduleVerify(e);
                return;
            }
            if (e.verifyFailing) {
                LOG.log(Level.INFO, backend + ": keepalive of " + e.key + " works again");
                e.verifyFailing = false;
            }
            if (present) {
                scheduleVerify(e);
                return;
            }
            lostGeneration = e.generation;
        }
        // Outside the monitor: markLost delivers events, and a direct-executor listener must never run under it.
        markLost(
                e,
                new RegistryException(
                        RegistryException.Kind.UNAVAILABLE, backend, "the backend no longer holds " + e.key),
                lostGeneration);
    }

    /** A task of one entry, valid only while the entry's generation is unchanged. */
    @FunctionalInterface
    private interface EntryTask {
        void run(Entry e, long generation);
    }

    private void schedule(Entry e, Duration delay, EntryTask task) {
        e.cancelPending();
        long generation = e.generation;
        try {
            e.pending = scheduler.schedule(
                    delay, RegistryThreads.guarded("keep " + backend + " " + e.key, () -> task.run(e, generation)));
        } catch (RejectedExecutionException ex) {
            e.pending = null; // closing
        }
    }

    private void emit(Entry e, State state, int attempt, @Nullable Throwable cause) {
        Instant now = clock.instant();
        var event = new RegistrationEvent(e.instance, state, attempt, cause, now);
        switch (state) {
            case REGISTERED -> LOG.log(Level.DEBUG, "{0}: registered {1}", backend, e.key);
            case LOST ->
                LOG.log(
                        Level.WARNING,
                        backend + ": lost " + e.key + (cause == null ? "" : " (" + cause + ")")
                                + "; registering it again");
            case RETRYING ->
                LOG.log(
                        attempt == 1 ? Level.WARNING : Level.DEBUG,
                        backend + ": registering " + e.key + " again failed, attempt " + attempt + ": " + cause);
            case RESTORED -> LOG.log(Level.INFO, "{0}: {1} is registered again", backend, e.key);
        }
        listeners.forEach(l -> l.enqueue(event)); // no user code under the entry's monitor: see flush()
    }

    /** Hands queued events to the listeners' executors; called after leaving every entry monitor. */
    private void flush() {
        listeners.forEach(SerialDelivery::schedule);
    }

    /**
     * Adds a listener of state changes.
     *
     * @param executor runs deliveries, in order
     * @param listener receives every event
     * @return removes the listener when closed
     */
    public Subscription addListener(Executor executor, RegistrationListener listener) {
        Objects.requireNonNull(executor, "executor");
        Objects.requireNonNull(listener, "listener");
        var d = new SerialDelivery<RegistrationEvent>(executor, listener::onEvent);
        listeners.add(d);
        return () -> {
            listeners.remove(d);
            d.close();
        };
    }

    /**
     * The instances currently kept.
     *
     * @return a snapshot
     */
    public List<ServiceInstance> registered() {
        var out = new ArrayList<ServiceInstance>();
        // No entry monitor here: backends call this from their own locked sections, and a monitor held across a
        // write would invert the lock order. The fields read are volatile.
        for (Entry e : entries.values()) {
            if (!e.dead) {
                out.add(e.instance);
            }
        }
        return out;
    }

    /**
     * Stops keeping everything and removes each instance from the backend, giving up on the rest at the first
     * failure that says the backend is unreachable (they expire with their lease or session).
     *
     * @return the failures, empty if all went well
     */
    public List<RuntimeException> close() {
        closed = true;
        var failures = new ArrayList<RuntimeException>();
        boolean reachable = true;
        for (Entry e : new ArrayList<>(entries.values())) {
            synchronized (e) {
                if (e.dead) {
                    continue;
                }
                kill(e);
                if (!reachable) {
                    continue;
                }
                try {
                    hooks.remove(e.instance);
                } catch (RuntimeException ex) {
                    failures.add(ex);
                    if (ex instanceof RegistryException re && re.isRetryable()) {
                        reachable = false;
                        LOG.log(
                                Level.WARNING,
                                backend + ": backend unreachable while closing; remaining "
                                        + "instances are left to expire: " + ex);
                    }
                }
            }
        }
        listeners.forEach(SerialDelivery::close);
        listeners.clear();
        return failures;
    }

    /**
     * Tells whether {@link #close()} has started.
     *
     * @return true once closing
     */
    public boolean isClosing() {
        return closed;
    }

    private void checkOpen() {
        if (closed) {
            throw new RegistryException(RegistryException.Kind.CLOSED, backend, "registry is closed");
        }
    }

    /** One kept instance; mutable fields are written under the entry's monitor ({@code instance} and {@code dead} are also read without it). */
    private static final class Entry {
        final String key;
        volatile ServiceInstance instance;
        boolean written;
        volatile boolean dead;
        boolean lost;
        boolean verifyFailing;
        int attempt;
        long generation;
        Scheduler.@Nullable Task pending;

        Entry(ServiceInstance instance) {
            this.key = key(instance);
            this.instance = instance;
        }

        void cancelPending() {
            if (pending != null) {
                pending.cancel();
                pending = null;
            }
        }
    }
}
