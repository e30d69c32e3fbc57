package io.registry4j.spring;

import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.Subscription;
import io.registry4j.WatchEvent;
import io.registry4j.WatchListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One registry4j watch per service, shared by everything in the application that follows the service (the load
 * balancer, discovery clients, health). A watch opens on first use and stays open until the context closes.
 */
public final class Registry4jWatches implements AutoCloseable {
    private final ServiceRegistry registry;
    private final Map<String, Watch> watches = new ConcurrentHashMap<>();
    private final List<BiConsumer<WatchEvent, Duration>> observers = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    /**
     * Watches of a registry.
     *
     * @param registry the registry
     */
    public Registry4jWatches(ServiceRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** What is known of one watched service. */
    public record State(@Nullable List<ServiceInstance> instances, boolean stale) {}

    private final class Watch implements WatchListener {
        private final String service;
        private final List<Consumer<List<ServiceInstance>>> listeners = new CopyOnWriteArrayList<>();
        private volatile @Nullable List<ServiceInstance> instances;
        private volatile boolean stale;
        private volatile @Nullable Subscription subscription;

        Watch(String service) {
            this.service = service;
        }

        void open() {
            subscription = registry.watch(service, Runnable::run, this);
        }

        @Override
        public void onEvent(WatchEvent event) {
            stale = event.type() == WatchEvent.Type.STALE;
            List<ServiceInstance> now = event.instances();
            instances = now;
            long start = System.nanoTime();
            for (Consumer<List<ServiceInstance>> l : listeners) {
                l.accept(now);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            for (BiConsumer<WatchEvent, Duration> o : observers) {
                o.accept(event, took);
            }
        }

        void close() {
            Subscription s = subscription;
            if (s != null) {
                s.close();
            }
        }
    }

    private Watch watch(String service) {
        if (closed) {
            throw new IllegalStateException("registry4j watches are closed");
        }
        Watch w = watches.get(service);
        if (w != null) {
            return w;
        }
        synchronized (this) {
            w = watches.get(service);
            if (w == null) {
                w = new Watch(service);
                w.open();
                watches.put(service, w);
            }
            return w;
        }
    }

    /**
     * Follows a service: the listener gets the current instances if they are known, then every change. The watch is
     * opened if it is not yet.
     *
     * @param service the service name
     * @param listener called with the whole list of instances on each change; it must be quick
     * @return stops the listener (not the shared watch)
     */
    public Subscription follow(String service, Consumer<List<ServiceInstance>> listener) {
        Objects.requireNonNull(listener, "listener");
        Watch w = watch(service);
        w.listeners.add(listener);
        List<ServiceInstance> now = w.instances;
        if (now != null) {
            listener.accept(now);
        }
        return () -> w.listeners.remove(listener);
    }

    /**
     * The instances of a service: from its watch once it delivered, otherwise read from the registry (and the watch
     * opened for next time).
     *
     * @param service the service name
     * @return the instances
     */
    public List<ServiceInstance> instances(String service) {
        List<ServiceInstance> now = watch(service).instances;
        return now != null ? now : registry.getService(service);
    }

    /**
     * The services watched so far, with what is known of each.
     *
     * @return service name to state, sorted by name
     */
    public SortedMap<String, State> watched() {
        SortedMap<String, State> out = new TreeMap<>();
        watches.forEach((name, w) -> out.put(name, new State(w.instances, w.stale)));
        return out;
    }

    /**
     * Adds an observer of every event of every watched service (for metrics).
     *
     * @param observer called on the delivering thread with the event and how long the followers took; it must be quick
     */
    public void addObserver(BiConsumer<WatchEvent, Duration> observer) {
        observers.add(Objects.requireNonNull(observer, "observer"));
    }

    @Override
    public void close() {
        closed = true;
        List<Watch> all = new ArrayList<>(watches.values());
        watches.clear();
        all.forEach(Watch::close);
    }
}
