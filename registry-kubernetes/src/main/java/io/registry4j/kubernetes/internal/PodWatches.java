package io.registry4j.kubernetes.internal;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.AnyNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.PodResource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.spi.RegistryThreads;
import io.registry4j.spi.Scheduler;
import io.registry4j.spi.ServiceViews;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Discovery for one registry: one shared pod informer per namespace of its scope (or one over all namespaces),
 * selecting pods that carry the label {@value PodCodec#APP_LABEL} and indexing them by its value, with every watched
 * service's sinks fed full lists from that cache. Informers start with the first watch and stop on {@link #close()};
 * list, watch, 410 Gone (relist), resync and reconnect are the informer's own.
 *
 * <p>Outages: the informer reports none, so a check every {@link #CHECK_INTERVAL} asks each informer whether it is
 * watching; two misses in a row make every watched service stale, and the first check that finds all watching again
 * sends each service's list (which also clears stale state when nothing changed).
 *
 * <p>Thread-safe. Threads: none of its own; informer callbacks run on the client's executor, checks on the registry's
 * scheduler.
 */
public final class PodWatches implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PodWatches.class.getName());

    /** How often informers are checked for a broken watch. */
    static final Duration CHECK_INTERVAL = Duration.ofMillis(500);

    private static final String BY_APP = "kratos-service-app";

    private final KubernetesClient client;
    private final List<String> namespaces;
    private final boolean includeAll;
    private final Duration resync;
    private final Scheduler scheduler;
    private final BiConsumer<String, Exception> skip;
    private final Map<String, Set<ServiceViews.Sink>> sinks = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    private final List<SharedIndexInformer<Pod>> informers = new ArrayList<>();
    private boolean started;
    private volatile boolean synced;
    private volatile boolean closed;
    private boolean stale;
    private int misses;
    private Scheduler.@Nullable Task check;

    /**
     * Creates the watches of one registry; nothing starts before the first {@link #open}.
     *
     * @param client the client
     * @param namespaces the namespaces to discover in; empty for all
     * @param includeAll whether pods that are not ready, terminating or without IP are listed too
     * @param resync the informers' resync period
     * @param scheduler runs the checks
     * @param skip told of each pod that does not decode, with its namespace/name
     */
    public PodWatches(
            KubernetesClient client,
            List<String> namespaces,
            boolean includeAll,
            Duration resync,
            Scheduler scheduler,
            BiConsumer<String, Exception> skip) {
        this.client = Objects.requireNonNull(client, "client");
        this.namespaces = List.copyOf(namespaces);
        this.includeAll = includeAll;
        this.resync = Objects.requireNonNull(resync, "resync");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.skip = Objects.requireNonNull(skip, "skip");
    }

    /**
     * Adds a sink of one service; it gets the service's list as soon as the informers have synced, then on every
     * change.
     *
     * @param service the service
     * @param sink the sink
     * @return removes the sink
     */
    public AutoCloseable open(String service, ServiceViews.Sink sink) {
        if (closed) {
            throw new RegistryException(RegistryException.Kind.CLOSED, KubernetesErrors.BACKEND, "registry is closed");
        }
        sinks.computeIfAbsent(service, s -> new CopyOnWriteArraySet<>()).add(sink);
        startInformers();
        if (synced) {
            later(() -> push(service));
        }
        return () -> {
            Set<ServiceViews.Sink> set = sinks.get(service);
            if (set != null) {
                set.remove(sink);
                sinks.computeIfPresent(service, (k, v) -> v.isEmpty() ? null : v);
            }
        };
    }

    /**
     * The pod operations of a discovery scope, keyed by namespace: one per namespace of {@code namespaces}, or all
     * namespaces under the key {@code ""} when {@code namespaces} is empty.
     *
     * @param client the client
     * @param namespaces the namespaces; empty for all
     * @return the operations, in the order of {@code namespaces}
     */
    public static Map<String, AnyNamespaceOperation<Pod, PodList, PodResource>> scopes(
            KubernetesClient client, List<String> namespaces) {
        if (namespaces.isEmpty()) {
            return Map.of("", client.pods().inAnyNamespace());
        }
        Map<String, AnyNamespaceOperation<Pod, PodList, PodResource>> scopes = new LinkedHashMap<>();
        namespaces.forEach(ns -> scopes.put(ns, client.pods().inNamespace(ns)));
        return scopes;
    }

    private void later(Runnable task) {
        try {
            scheduler.schedule(Duration.ZERO, RegistryThreads.guarded("kubernetes watch delivery", task));
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    private void startInformers() {
        List<SharedIndexInformer<Pod>> created = new ArrayList<>();
        synchronized (lock) {
            if (started || closed) {
                return;
            }
            started = true;
            for (var pods : scopes(client, namespaces).values()) {
                created.add(pods.withLabel(PodCodec.APP_LABEL).runnableInformer(resync.toMillis()));
            }
            informers.addAll(created);
        }
        var starts = new ArrayList<CompletableFuture<Void>>();
        for (SharedIndexInformer<Pod> informer : created) {
            informer.addIndexers(Map.of(BY_APP, pod -> {
                String app = PodCodec.service(pod);
                return app == null ? List.of() : List.of(app);
            }));
            informer.addEventHandler(new Handler());
            informer.exceptionHandler((isStarted, t) -> {
                LOG.log(Level.DEBUG, "kubernetes: pod informer list or watch failed, retrying: {0}", t.toString());
                return !closed;
            });
            starts.add(informer.start().toCompletableFuture());
        }
        var unused = CompletableFuture.allOf(starts.toArray(new CompletableFuture<?>[0]))
                .whenComplete((v, e) -> {
                    if (e != null) {
                        if (!closed) {
                            LOG.log(Level.WARNING, "kubernetes: pod informer failed to start: " + e);
                        }
                        return;
                    }
                    synced = true;
                    pushAll();
                });
        scheduleCheck();
    }

    private void scheduleCheck() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            try {
                check = scheduler.schedule(CHECK_INTERVAL, RegistryThreads.guarded("kubernetes informer check", () -> {
                    checkWatching();
                    scheduleCheck();
                }));
            } catch (RejectedExecutionException e) {
                check = null;
            }
        }
    }

    private void checkWatching() {
        boolean watching = true;
        synchronized (lock) {
            for (SharedIndexInformer<Pod> i : informers) {
                watching &= i.isWatching();
            }
        }
        if (!watching) {
            boolean report;
            synchronized (lock) {
                misses++;
                report = misses >= 2 && !stale && synced;
                if (report) {
                    stale = true;
                }
            }
            if (report) {
                var cause = new RegistryException(
                        RegistryException.Kind.UNAVAILABLE,
                        KubernetesErrors.BACKEND,
                        "the pod watch of the Kubernetes API server " + client.getMasterUrl() + " is broken; "
                                + "the informer is reconnecting");
                LOG.log(Level.WARNING, "kubernetes: " + cause.getMessage());
                sinks.values().forEach(set -> set.forEach(s -> s.stale(cause)));
            }
            return;
        }
        boolean recovered;
        synchronized (lock) {
            misses = 0;
            recovered = stale;
            stale = false;
        }
        if (recovered) {
            LOG.log(Level.INFO, "kubernetes: the pod watch works again");
            pushAll();
        }
    }

    private void pushAll() {
        for (String service : sinks.keySet()) {
            push(service);
        }
    }

    /** Sends one service's list from the informers' caches to its sinks; serialized, so a later list always wins. */
    private void push(String service) {
        if (closed || !synced) {
            return;
        }
        synchronized (this) {
            Set<ServiceViews.Sink> set = sinks.get(service);
            if (set == null || set.isEmpty()) {
                return;
            }
            List<ServiceInstance> list = list(service);
            set.forEach(s -> s.update(list));
        }
    }

    private List<ServiceInstance> list(String service) {
        List<SharedIndexInformer<Pod>> all;
        synchronized (lock) {
            all = List.copyOf(informers);
        }
        List<ServiceInstance> out = new ArrayList<>();
        for (SharedIndexInformer<Pod> i : all) {
            for (Pod pod : i.getIndexer().byIndex(BY_APP, service)) {
                decodeInto(pod, includeAll, out, skip);
            }
        }
        return out;
    }

    /**
     * Decodes a pod into {@code out} if the health policy keeps it; a pod that does not decode is reported to
     * {@code skip}.
     *
     * @param pod the pod
     * @param includeAll whether unhealthy pods are kept too
     * @param out where to add it
     * @param skip told of a pod that does not decode
     */
    public static void decodeInto(
            Pod pod, boolean includeAll, List<ServiceInstance> out, BiConsumer<String, Exception> skip) {
        if (!includeAll && !PodCodec.healthy(pod)) {
            return;
        }
        try {
            out.add(PodCodec.decode(pod));
        } catch (IllegalArgumentException e) {
            skip.accept(
                    "pod " + pod.getMetadata().getNamespace() + "/"
                            + pod.getMetadata().getName(),
                    e);
        }
    }

    private final class Handler implements ResourceEventHandler<Pod> {
        @Override
        public void onAdd(Pod pod) {
            changed(PodCodec.service(pod), null);
        }

        @Override
        public void onUpdate(Pod before, Pod after) {
            changed(PodCodec.service(before), PodCodec.service(after));
        }

        @Override
        public void onDelete(Pod pod, boolean finalStateUnknown) {
            changed(PodCodec.service(pod), null);
        }

        private void changed(@Nullable String a, @Nullable String b) {
            if (a != null) {
                push(a);
            }
            if (b != null && !b.equals(a)) {
                push(b);
            }
        }
    }

    /**
     * Tells whether every informer is watching; for tests.
     *
     * @return true if all watch (or none exists)
     */
    public boolean watching() {
        synchronized (lock) {
            return informers.stream().allMatch(SharedIndexInformer::isWatching);
        }
    }

    @Override
    public void close() {
        List<SharedIndexInformer<Pod>> all;
        synchronized (lock) {
            closed = true;
            if (check != null) {
                check.cancel();
                check = null;
            }
            all = List.copyOf(informers);
            informers.clear();
        }
        for (SharedIndexInformer<Pod> i : all) {
            try {
                i.stop();
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "kubernetes: stopping an informer failed: {0}", e.toString());
            }
        }
        sinks.clear();
    }
}
