package io.registry4j.spi;

import io.registry4j.Backoff;
import io.registry4j.RegistrationListener;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.Subscription;
import io.registry4j.WatchListener;
import io.registry4j.Watcher;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The skeleton of a backend: argument checks, lifecycle, close order, shared watches and desired-state registration,
 * so that a backend writes only its native calls.
 *
 * <p>A backend implements {@link #write}, {@link #remove}, {@link #read} and {@link #openWatch}, optionally
 * {@link #verify} or {@link #verifyAsync} (with a keepalive interval) and {@link #closeClient}, and reports losses it detects to
 * {@link #keeper()}. In return:
 *
 * <ul>
 *   <li>{@code register} writes on the caller's thread and then keeps the instance (see {@link RegistrationKeeper});
 *   <li>{@code watch} shares one native watch per service among all watchers and listeners (see {@link
 *       ServiceViews}); {@code getService} answers from that watch when it is open and fresh, and from {@link #read}
 *       otherwise;
 *   <li>{@code close()} stops the watches, deregisters what this registry registered, stops its scheduler (waiting at
 *       most the call timeout), then calls {@link #closeClient}. It never throws; failures are logged.
 * </ul>
 *
 * <p>Subclasses must be thread-safe; every native call must be bounded by {@link Options#callTimeout()}.
 */
public abstract class AbstractServiceRegistry implements ServiceRegistry {
    private static final System.Logger LOG = System.getLogger(AbstractServiceRegistry.class.getName());

    /**
     * Settings every backend has.
     *
     * @param callTimeout bound of every remote call
     * @param backoff delays between retries of re-registration and watch restarts
     * @param clock time source for events and timestamps
     * @param scheduler runs timed work; null means the registry creates (and on close stops) its own one-thread
     *     scheduler named {@code registry4j-<backend>-scheduler-1}
     * @param keepAliveInterval how often {@link #verify} runs, or null for never
     */
    public record Options(
            Duration callTimeout,
            Backoff backoff,
            Clock clock,
            @Nullable Scheduler scheduler,
            @Nullable Duration keepAliveInterval) {

        /** The default call timeout: 10 s. */
        public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(10);

        /**
         * Checks the settings.
         *
         * @throws IllegalArgumentException if the call timeout is not positive
         */
        public Options {
            Objects.requireNonNull(callTimeout, "callTimeout");
            Objects.requireNonNull(backoff, "backoff");
            Objects.requireNonNull(clock, "clock");
            if (callTimeout.isNegative() || callTimeout.isZero()) {
                throw new IllegalArgumentException("callTimeout must be positive, got " + callTimeout);
            }
        }

        /**
         * The defaults: 10 s call timeout, {@link Backoff#ofDefaults()}, the UTC system clock, an own scheduler, no
         * keepalive.
         *
         * @return default options
         */
        public static Options defaults() {
            return new Options(DEFAULT_CALL_TIMEOUT, Backoff.ofDefaults(), Clock.systemUTC(), null, null);
        }

        /**
         * These options with a keepalive interval.
         *
         * @param interval how often {@link #verify} runs
         * @return new options
         */
        public Options withKeepAlive(@Nullable Duration interval) {
            return new Options(callTimeout, backoff, clock, scheduler, interval);
        }
    }

    private final String backend;
    private final Options options;
    private final @Nullable ScheduledThreadPoolExecutor ownScheduler;
    private final Scheduler scheduler;
    private final RegistrationKeeper keeper;
    private final WatchOpener opener;
    private final ServiceViews views;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong skipped = new AtomicLong();
    private final Map<String, Boolean> warnedEntries = new ConcurrentHashMap<>();
    private final List<RegistryObserver> observers = new CopyOnWriteArrayList<>();

    /**
     * Sets up the shared machinery; call it first in the backend's constructor.
     *
     * @param backend the backend name, such as {@code etcd}; used in messages and thread names
     * @param options the common settings
     */
    @SuppressWarnings("this-escape") // only the identity escapes, to the open-resources report
    protected AbstractServiceRegistry(String backend, Options options) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.options = Objects.requireNonNull(options, "options");
        Scheduler given = options.scheduler();
        if (given == null) {
            ownScheduler = RegistryThreads.newScheduler(backend);
            scheduler = Scheduler.of(ownScheduler);
        } else {
            ownScheduler = null;
            scheduler = given;
        }
        keeper = new RegistrationKeeper(
                backend,
                new KeeperHooks(this),
                scheduler,
                options.clock(),
                options.backoff(),
                options.keepAliveInterval());
        opener = new WatchOpener(this);
        views = new ServiceViews(backend, opener, scheduler, options.backoff());
        views.observer(new ObserverFanOut(backend, observers));
        OpenResources.opened(this, backend + " registry " + System.identityHashCode(this));
    }

    // The two adapters below keep 'this' from escaping the constructor through overridable methods: they call
    // the subclass only once it is fully built.

    private static final class KeeperHooks implements RegistrationKeeper.Hooks {
        private final AbstractServiceRegistry r;

        KeeperHooks(AbstractServiceRegistry r) {
            this.r = r;
        }

        @Override
        public void write(ServiceInstance instance) {
            r.guard(
                    RegistryObserver.Operation.REGISTER,
                    "register " + instance.name() + "/" + instance.id(),
                    () -> r.write(instance));
        }

        @Override
        public void remove(ServiceInstance instance) {
            r.guard(
                    RegistryObserver.Operation.DEREGISTER,
                    "deregister " + instance.name() + "/" + instance.id(),
                    () -> r.remove(instance));
        }

        @Override
        public CompletionStage<Boolean> verifyAsync(ServiceInstance instance) {
            String what = "keepalive of " + instance.name() + "/" + instance.id();
            long start = System.nanoTime();
            CompletionStage<Boolean> answer;
            try {
                answer = r.verifyAsync(instance);
            } catch (RuntimeException e) {
                answer = CompletableFuture.failedFuture(e);
            }
            return answer.handle((present, error) -> {
                Throwable cause = error == null ? null : Calls.unwrap(error);
                RegistryException.@Nullable Kind kind = null;
                RuntimeException failure = null;
                if (cause instanceof RegistryException re) {
                    kind = re.kind();
                    failure = re;
                } else if (cause != null) {
                    kind = RegistryException.Kind.INTERNAL;
                    failure = new RegistryException(
                            RegistryException.Kind.INTERNAL, r.backend, what + " failed: " + cause, cause);
                }
                r.report(RegistryObserver.Operation.KEEPALIVE, start, kind);
                if (failure != null) {
                    throw failure;
                }
                return present;
            });
        }
    }

    /** Tells every observer added with {@link #addObserver} of each watch delivery. */
    private record ObserverFanOut(String backend, List<RegistryObserver> observers) implements RegistryObserver {
        @Override
        public void call(Operation operation, Duration elapsed, RegistryException.@Nullable Kind error) {
            // backend calls are reported by guard() directly
        }

        @Override
        public void delivered(String service, io.registry4j.WatchEvent.Type type, Duration lag) {
            for (RegistryObserver o : observers) {
                try {
                    o.delivered(service, type, lag);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, backend + ": registry observer failed", e);
                }
            }
        }
    }

    /** Opens native watches and counts those not closed yet, per service, for {@link #openWatches(String)}. */
    private static final class WatchOpener implements ServiceViews.Source {
        private final AbstractServiceRegistry r;
        private final Map<String, AtomicInteger> open = new ConcurrentHashMap<>();

        WatchOpener(AbstractServiceRegistry r) {
            this.r = r;
        }

        @Override
        public AutoCloseable open(String service, ServiceViews.Sink sink) {
            AutoCloseable handle = r.openWatch(service, sink);
            AtomicInteger count = open.computeIfAbsent(service, s -> new AtomicInteger());
            count.incrementAndGet();
            AtomicBoolean closed = new AtomicBoolean();
            return () -> {
                if (closed.compareAndSet(false, true)) {
                    count.decrementAndGet();
                }
                handle.close();
            };
        }

        int count(String service) {
            AtomicInteger c = open.get(service);
            return c == null ? 0 : c.get();
        }
    }

    // ---- what a backend implements ----

    /**
     * Writes an instance to the backend, creating or replacing it (idempotent). Called on the user's thread for
     * {@code register} and on the scheduler for re-registration.
     *
     * @param instance the instance
     * @throws RegistryException if the backend refused or could not be reached in time
     */
    protected abstract void write(ServiceInstance instance);

    /**
     * Removes an instance this registry wrote.
     *
     * @param instance the instance
     * @throws RegistryException if the backend could not be reached in time
     */
    protected abstract void remove(ServiceInstance instance);

    /**
     * Checks or renews an instance, every keepalive interval, when {@link Options#keepAliveInterval()} is set.
     *
     * @param instance the instance
     * @return false if the backend no longer holds it
     * @throws RegistryException if the backend could not be reached
     */
    protected boolean verify(ServiceInstance instance) {
        return true;
    }

    /**
     * Checks or renews an instance without blocking, every keepalive interval, when {@link
     * Options#keepAliveInterval()} is set: a backend whose client is asynchronous overrides this instead of {@link
     * #verify}, so that the checks of many instances are in flight together (see {@link
     * RegistrationKeeper.Hooks#verifyAsync}). Called on the scheduler thread: it must return at once. The default runs
     * {@link #verify} on the calling thread.
     *
     * @param instance the instance
     * @return completes with false if the backend no longer holds it; fails with a {@link RegistryException} if the
     *     backend could not be reached
     */
    protected CompletionStage<Boolean> verifyAsync(ServiceInstance instance) {
        return CompletableFuture.completedFuture(verify(instance));
    }

    /**
     * Reads the instances of a service from the backend, applying the health policy; entries that cannot be decoded
     * are passed to {@link #skip} and left out.
     *
     * @param service the service name
     * @return the instances, in any order
     * @throws RegistryException if the backend could not be reached in time
     */
    protected abstract List<ServiceInstance> read(String service);

    /**
     * Opens the native watch of one service; see {@link ServiceViews.Source#open}.
     *
     * @param service the service name
     * @param sink where to report full lists, outages and failures
     * @return closes the native watch
     */
    protected abstract AutoCloseable openWatch(String service, ServiceViews.Sink sink);

    /** Closes the native client if this registry created it; called last by {@link #close()}. */
    protected void closeClient() {}

    // ---- what a backend uses ----

    /**
     * The keeper of this registry's registrations; report losses to it.
     *
     * @return the keeper
     */
    protected final RegistrationKeeper keeper() {
        return keeper;
    }

    /**
     * The scheduler of this registry.
     *
     * @return the scheduler
     */
    protected final Scheduler scheduler() {
        return scheduler;
    }

    /**
     * The common settings.
     *
     * @return the options
     */
    protected final Options options() {
        return options;
    }

    /**
     * Records an entry read from the backend that is not a valid instance: logged once per key as a warning (then at
     * debug level), and counted in {@link #skippedEntries()}.
     *
     * @param key where the entry is, such as its etcd key
     * @param reason why it was skipped
     */
    protected final void skip(String key, Exception reason) {
        skipped.incrementAndGet();
        if (warnedEntries.size() < 10_000 && warnedEntries.putIfAbsent(key, Boolean.TRUE) == null) {
            LOG.log(
                    Level.WARNING,
                    backend + ": skipping entry " + key + " that registry4j cannot read: " + reason.getMessage());
        } else {
            LOG.log(Level.DEBUG, "{0}: skipping entry {1}: {2}", backend, key, reason.getMessage());
        }
    }

    /**
     * How many backend entries were skipped because they could not be decoded, since this registry opened.
     *
     * @return the count
     */
    public final long skippedEntries() {
        return skipped.get();
    }

    /**
     * Tells whether {@link #close()} was called.
     *
     * @return true once closing started
     */
    public final boolean isClosed() {
        return closed.get();
    }

    /**
     * The number of services with an open native watch; grows with services, not watchers.
     *
     * @return the count
     */
    public final int watchedServices() {
        return views.watchedServices();
    }

    /**
     * The number of native watches of one service this registry opened and has not closed yet: one while the service
     * has watchers or listeners (however many), none once the last one left; for tests of watch sharing.
     *
     * @param service the service name
     * @return the count
     */
    public final int openWatches(String service) {
        return opener.count(service);
    }

    // ---- the user API ----

    @Override
    public final String backend() {
        return backend;
    }

    @Override
    public final void register(ServiceInstance instance) {
        Objects.requireNonNull(instance, "instance");
        // Reads keep what Kratos accepts; writes only what every backend can store (DESIGN.md section 2).
        instance.checkPortable();
        checkOpen();
        keeper.register(instance);
    }

    @Override
    public final void deregister(ServiceInstance instance) {
        Objects.requireNonNull(instance, "instance");
        checkOpen();
        keeper.deregister(instance);
    }

    @Override
    public final List<ServiceInstance> getService(String name) {
        ServiceInstance.checkName(name);
        checkOpen();
        List<ServiceInstance> cached = views.fresh(name);
        if (cached != null) {
            return cached;
        }
        List<ServiceInstance> read = new ArrayList<>();
        guard(RegistryObserver.Operation.READ, "getService(" + name + ")", () -> read.addAll(read(name)));
        read.sort(ServiceView.ORDER);
        return List.copyOf(read);
    }

    @Override
    public final Watcher watch(String name) {
        ServiceInstance.checkName(name);
        checkOpen();
        return views.watch(name);
    }

    @Override
    public final Subscription watch(String name, Executor executor, WatchListener listener) {
        ServiceInstance.checkName(name);
        checkOpen();
        return views.watch(name, executor, listener);
    }

    @Override
    public final Subscription addRegistrationListener(Executor executor, RegistrationListener listener) {
        checkOpen();
        return keeper.addListener(executor, listener);
    }

    @Override
    public final void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        views.close();
        for (RuntimeException e : keeper.close()) {
            LOG.log(Level.WARNING, backend + ": deregistration on close failed: " + e.getMessage());
        }
        if (ownScheduler != null) {
            ownScheduler.shutdownNow();
            try {
                if (!ownScheduler.awaitTermination(options.callTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.log(Level.WARNING, backend + ": scheduler did not stop within " + options.callTimeout());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            closeClient();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, backend + ": closing the native client failed", e);
        }
        OpenResources.closed(this);
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new RegistryException(RegistryException.Kind.CLOSED, backend, "registry is closed");
        }
    }

    /**
     * Runs a backend call, wrapping anything but a {@link RegistryException} so native exceptions never leak, and
     * tells the observers how long it took and how it ended.
     */
    private void guard(RegistryObserver.Operation operation, String what, Runnable call) {
        long start = System.nanoTime();
        RegistryException.@Nullable Kind error = RegistryException.Kind.INTERNAL;
        try {
            call.run();
            error = null;
        } catch (RegistryException e) {
            error = e.kind();
            throw e;
        } catch (RuntimeException e) {
            throw new RegistryException(RegistryException.Kind.INTERNAL, backend, what + " failed: " + e, e);
        } finally {
            report(operation, start, error);
        }
    }

    /** Tells the observers how long a backend call that started at {@code start} (nano time) took and how it ended. */
    private void report(RegistryObserver.Operation operation, long start, RegistryException.@Nullable Kind error) {
        if (!observers.isEmpty()) {
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            for (RegistryObserver o : observers) {
                try {
                    o.call(operation, elapsed, error);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, backend + ": registry observer failed", e);
                }
            }
        }
    }

    /**
     * Adds an observer of this registry's backend calls (for metrics).
     *
     * @param observer told of every backend call from now on
     * @return removes the observer when closed
     */
    public final Subscription addObserver(RegistryObserver observer) {
        Objects.requireNonNull(observer, "observer");
        observers.add(observer);
        return () -> observers.remove(observer);
    }

    /**
     * The instances this registry keeps registered: registered and not deregistered, whatever their current state.
     *
     * @return a snapshot
     */
    public final List<ServiceInstance> registeredInstances() {
        return keeper.registered();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + backend + (closed.get() ? ", closed" : "") + "]";
    }
}
