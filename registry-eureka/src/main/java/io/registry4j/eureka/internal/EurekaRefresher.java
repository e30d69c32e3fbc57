package io.registry4j.eureka.internal;

import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.spi.RegistryThreads;
import io.registry4j.spi.Scheduler;
import io.registry4j.spi.ServiceViews;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The one refresh loop of a registry: polls Eureka for every watched service and feeds the shared views.
 *
 * <p>Eureka has no watch: clients poll. Design: one loop per registry, whatever the number of watchers or services
 * (many watchers of a service share one view and one entry here). Each cycle reads the server, then reports every
 * watched service's full list to its view, which delivers only real changes (Kratos' Eureka notified every watcher
 * every 30 s, before updating its cache). Two ways to read, chosen per cycle by the number of watched apps:
 *
 * <ul>
 *   <li>up to {@code perAppLimit} apps: one {@code GET /apps/<APP>} per app, sent together. The answer holds just
 *       what is needed, and a restarted server that comes back empty reads as empty at once.
 *   <li>more: Eureka's own protocol, a local copy of the whole registry ({@link EurekaApps}) from one
 *       {@code GET /apps}, then one {@code GET /apps/delta} per cycle, checked against the server's hash code and
 *       replaced by a full fetch when they differ. One request per cycle however many apps are watched, at the
 *       price of holding the whole registry.
 * </ul>
 *
 * <p>A newly watched service is read at once (its first list must not wait a cycle). Cycles never overlap: a read
 * requested while one runs waits for it, so lists reach a view in the order they were read. A cycle that fails
 * (every server down or silent, an answer that is not Eureka's JSON) marks the affected views stale and keeps their
 * last lists; the loop goes on at its interval, and the first good read after that recovers them. Requests are
 * asynchronous: no thread waits on the network, and the registry's scheduler only arms the timer.
 *
 * <p>Thread-safe. Sinks are called outside the lock, from the HTTP client's threads.
 */
public final class EurekaRefresher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EurekaRefresher.class.getName());

    private final String backend;
    private final EurekaHttp http;
    private final Scheduler scheduler;
    private final Duration interval;
    private final int perAppLimit;
    private final boolean includeUnhealthy;
    private final EurekaInstanceCodec.Skipper skipper;

    private final Object lock = new Object();
    private final Map<String, List<Watch>> watches = new LinkedHashMap<>(); // by service name; guarded by lock
    private final Set<String> firstReads = new LinkedHashSet<>(); // guarded by lock
    private boolean tickDue; // guarded by lock
    private boolean running; // guarded by lock
    private boolean closed; // guarded by lock
    private Scheduler.@Nullable Task timer; // guarded by lock
    private @Nullable EurekaApps copy; // guarded by lock; only in delta mode
    private boolean failing; // guarded by lock

    private final Stats stats = new Stats();

    /** Counters of what the loop asked the server, for tests and for measuring the two ways of reading. */
    public static final class Stats {
        final AtomicLong appReads = new AtomicLong();
        final AtomicLong deltaReads = new AtomicLong();
        final AtomicLong fullReads = new AtomicLong();
        final AtomicLong hashMismatches = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong cycles = new AtomicLong();

        /**
         * {@code GET /apps/<APP>} requests so far.
         *
         * @return the count
         */
        public long appReads() {
            return appReads.get();
        }

        /**
         * {@code GET /apps/delta} requests so far.
         *
         * @return the count
         */
        public long deltaReads() {
            return deltaReads.get();
        }

        /**
         * {@code GET /apps} requests so far.
         *
         * @return the count
         */
        public long fullReads() {
            return fullReads.get();
        }

        /**
         * Deltas whose hash code disagreed with the local copy.
         *
         * @return the count
         */
        public long hashMismatches() {
            return hashMismatches.get();
        }

        /**
         * Body bytes received, after decompression.
         *
         * @return the count
         */
        public long bytes() {
            return bytes.get();
        }

        /**
         * Refresh cycles completed.
         *
         * @return the count
         */
        public long cycles() {
            return cycles.get();
        }
    }

    /**
     * Creates the loop; it starts with the first watch.
     *
     * @param backend the backend name
     * @param http the transport
     * @param scheduler arms the interval timer
     * @param interval time between two cycles
     * @param perAppLimit the most apps read one by one; above it, the delta protocol is used
     * @param includeUnhealthy whether instances that are not {@code UP} are listed
     * @param skipper receives instances that cannot be read
     */
    public EurekaRefresher(
            String backend,
            EurekaHttp http,
            Scheduler scheduler,
            Duration interval,
            int perAppLimit,
            boolean includeUnhealthy,
            EurekaInstanceCodec.Skipper skipper) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.http = Objects.requireNonNull(http, "http");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.interval = Objects.requireNonNull(interval, "interval");
        this.perAppLimit = perAppLimit;
        this.includeUnhealthy = includeUnhealthy;
        this.skipper = Objects.requireNonNull(skipper, "skipper");
    }

    /**
     * The counters.
     *
     * @return the live counters
     */
    public Stats stats() {
        return stats;
    }

    /** One opened native watch: a service and the sink of its shared view. */
    private final class Watch implements AutoCloseable {
        final String service;
        final ServiceViews.Sink sink;

        Watch(String service, ServiceViews.Sink sink) {
            this.service = service;
            this.sink = sink;
        }

        @Override
        public void close() {
            synchronized (lock) {
                List<Watch> list = watches.get(service);
                if (list == null || !list.remove(this)) {
                    return;
                }
                if (list.isEmpty()) {
                    watches.remove(service);
                    firstReads.remove(service);
                }
                if (watches.isEmpty()) {
                    if (timer != null) {
                        timer.cancel();
                        timer = null;
                    }
                    tickDue = false;
                    copy = null;
                }
            }
        }
    }

    /**
     * Starts polling a service; its first list is read at once. See {@link ServiceViews.Source#open}.
     *
     * @param service the service name
     * @param sink where to report
     * @return stops polling the service
     */
    public AutoCloseable open(String service, ServiceViews.Sink sink) {
        var watch = new Watch(service, sink);
        synchronized (lock) {
            if (closed) {
                throw new RegistryException(RegistryException.Kind.CLOSED, backend, "registry is closed");
            }
            watches.computeIfAbsent(service, k -> new ArrayList<>()).add(watch);
            firstReads.add(service);
        }
        kick();
        return watch;
    }

    /** Stops the loop; a cycle in flight finishes without reporting. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            watches.clear();
            firstReads.clear();
            copy = null;
            if (timer != null) {
                timer.cancel();
                timer = null;
            }
        }
    }

    private void tick() {
        synchronized (lock) {
            timer = null;
            if (closed || watches.isEmpty()) {
                return;
            }
            tickDue = true;
        }
        kick();
    }

    /** Starts a cycle if one is due and none runs. */
    private void kick() {
        Cycle cycle;
        synchronized (lock) {
            if (closed || running || watches.isEmpty() || (!tickDue && firstReads.isEmpty())) {
                return;
            }
            Set<String> services;
            if (tickDue) {
                services = new LinkedHashSet<>(watches.keySet());
                tickDue = false;
                firstReads.clear();
                if (timer != null) {
                    timer.cancel();
                    timer = null;
                }
            } else {
                services = new LinkedHashSet<>(firstReads);
                firstReads.clear();
            }
            Set<String> watchedApps = new LinkedHashSet<>();
            watches.keySet().forEach(s -> watchedApps.add(EurekaInstanceCodec.appName(s)));
            boolean delta = watchedApps.size() > perAppLimit;
            if (!delta) {
                copy = null;
            } else {
                // One registry copy serves every watched service, so a delta cycle refreshes them all.
                services = new LinkedHashSet<>(watches.keySet());
            }
            running = true;
            cycle = new Cycle(services, delta, delta ? copy : null);
        }
        try {
            cycle.start();
        } catch (RuntimeException e) { // a closed scheduler or HTTP client
            done(cycle, Map.of(), e);
        }
    }

    /** One read of the server for some services. */
    private final class Cycle {
        final Set<String> services;
        final boolean delta;
        final @Nullable EurekaApps previous;

        Cycle(Set<String> services, boolean delta, @Nullable EurekaApps previous) {
            this.services = services;
            this.delta = delta;
            this.previous = previous;
        }

        void start() {
            if (delta) {
                var unused = readDelta().whenComplete((apps, error) -> {
                    if (error != null) {
                        done(this, Map.of(), error);
                        return;
                    }
                    Map<String, List<EurekaRecord>> byApp = new HashMap<>();
                    for (String s : services) {
                        String app = EurekaInstanceCodec.appName(s);
                        byApp.computeIfAbsent(app, apps::app);
                    }
                    synchronized (lock) {
                        if (!watches.isEmpty() && !closed) {
                            copy = apps;
                        }
                    }
                    done(this, byApp, null);
                });
                return;
            }
            Set<String> apps = new LinkedHashSet<>();
            services.forEach(s -> apps.add(EurekaInstanceCodec.appName(s)));
            Map<String, List<EurekaRecord>> read = new HashMap<>();
            List<CompletableFuture<?>> reads = new ArrayList<>();
            Throwable[] failure = {null};
            for (String app : apps) {
                reads.add(readApp(app).handle((records, error) -> {
                    synchronized (read) {
                        if (error != null) {
                            failure[0] = error;
                        } else {
                            read.put(app, records);
                        }
                    }
                    return null;
                }));
            }
            var unused = CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
                    .whenComplete((ignored, error) -> {
                        synchronized (read) {
                            done(this, new HashMap<>(read), failure[0]);
                        }
                    });
        }

        private CompletableFuture<List<EurekaRecord>> readApp(String app) {
            stats.appReads.incrementAndGet();
            String path = "/apps/" + EurekaInstanceCodec.pathSegment(app);
            return http.call("GET", path, null).thenCompose(response -> {
                stats.bytes.addAndGet(response.body().length);
                if (response.status() == 404) {
                    // Eureka forgets an app with its last instance; unless the whole API is not at this path.
                    return http.confirmApi().thenApply(ok -> List.<EurekaRecord>of());
                }
                if (response.status() != 200) {
                    throw http.unexpected("GET", response);
                }
                return CompletableFuture.completedFuture(EurekaInstanceCodec.parseApplication(response.body()));
            });
        }

        private CompletableFuture<EurekaApps> readDelta() {
            EurekaApps base = previous;
            if (base == null) {
                return readFull();
            }
            stats.deltaReads.incrementAndGet();
            return http.call("GET", "/apps/delta", null).thenCompose(response -> {
                stats.bytes.addAndGet(response.body().length);
                if (response.status() != 200) {
                    throw http.unexpected("GET", response);
                }
                EurekaInstanceCodec.Applications delta = EurekaInstanceCodec.parseApplications(response.body());
                base.apply(delta.records());
                if (base.reconcileHash().equals(delta.reconcileHash())) {
                    return CompletableFuture.completedFuture(base);
                }
                stats.hashMismatches.incrementAndGet();
                LOG.log(
                        Level.DEBUG,
                        "{0}: delta hash {1} differs from the local copy''s {2}; reading the whole registry",
                        backend,
                        delta.reconcileHash(),
                        base.reconcileHash());
                return readFull();
            });
        }

        private CompletableFuture<EurekaApps> readFull() {
            stats.fullReads.incrementAndGet();
            return http.call("GET", "/apps", null).thenApply(response -> {
                stats.bytes.addAndGet(response.body().length);
                if (response.status() != 200) {
                    throw http.unexpected("GET", response);
                }
                var apps = new EurekaApps();
                apps.replace(
                        EurekaInstanceCodec.parseApplications(response.body()).records());
                return apps;
            });
        }
    }

    /** Reports a cycle's results, then starts the next cycle or arms the timer. */
    private void done(Cycle cycle, Map<String, List<EurekaRecord>> read, @Nullable Throwable error) {
        stats.cycles.incrementAndGet();
        List<Runnable> reports = new ArrayList<>();
        Throwable cause = error == null ? null : failureOf(error);
        synchronized (lock) {
            if (!closed) {
                for (String service : cycle.services) {
                    List<Watch> list = watches.get(service);
                    if (list == null) {
                        continue;
                    }
                    List<EurekaRecord> records = read.get(EurekaInstanceCodec.appName(service));
                    for (Watch w : List.copyOf(list)) {
                        if (records != null) {
                            reports.add(() -> w.sink.update(decode(service, records)));
                        } else {
                            Throwable why = cause != null
                                    ? cause
                                    : new RegistryException(
                                            RegistryException.Kind.INTERNAL, backend, "no answer for " + service);
                            reports.add(() -> w.sink.stale(why));
                        }
                    }
                }
                if (cause != null && !failing) {
                    LOG.log(
                            Level.WARNING,
                            backend + ": reading Eureka failed, watchers are stale until it works: "
                                    + cause.getMessage());
                } else if (cause == null && failing) {
                    LOG.log(Level.INFO, "{0}: reading Eureka works again", backend);
                }
                failing = cause != null;
            }
        }
        for (Runnable r : reports) {
            try {
                r.run();
            } catch (RuntimeException e) {
                RegistryThreads.recordUncaught("eureka refresh report", e);
            }
        }
        synchronized (lock) {
            running = false;
            if (closed || watches.isEmpty()) {
                copy = null;
                return;
            }
            if (timer == null && !tickDue) {
                try {
                    timer = scheduler.schedule(interval, RegistryThreads.guarded("eureka refresh", this::tick));
                } catch (RejectedExecutionException e) {
                    return; // the registry is closing
                }
            }
        }
        kick();
    }

    private List<ServiceInstance> decode(String service, List<EurekaRecord> records) {
        return EurekaInstanceCodec.decode(service, records, includeUnhealthy, skipper);
    }

    private Throwable failureOf(Throwable error) {
        Throwable t = io.registry4j.spi.Calls.unwrap(error);
        if (t instanceof RegistryException) {
            return t;
        }
        if (t instanceof IllegalArgumentException) {
            return new RegistryException(
                    RegistryException.Kind.INTERNAL,
                    backend,
                    "Eureka answered with something that is not its JSON: " + t.getMessage(),
                    t);
        }
        return http.failure("GET", "/apps", t);
    }
}
