package io.registry4j.nacos.internal;

import com.alibaba.nacos.api.exception.NacosException;
import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.listener.Event;
import com.alibaba.nacos.api.naming.listener.EventListener;
import com.alibaba.nacos.api.naming.listener.NamingEvent;
import com.alibaba.nacos.api.naming.pojo.Instance;
import io.registry4j.RegistryException;
import io.registry4j.spi.RegistryThreads;
import io.registry4j.spi.Scheduler;
import io.registry4j.spi.ServiceViews;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * The native watch of one logical service: an SDK subscription per Nacos service behind it (the plain {@code <name>}
 * and Kratos' {@code <name>.<scheme>} of each read scheme), feeding the merged list to the registry's shared view. One
 * such set per watched service, whatever the number of watchers.
 *
 * <p>Design: the SDK pushes a service's full instance list to a subscribed listener ({@link NamingEvent}, on the SDK's
 * JVM-wide notifier thread) only when the list differs from its own cache, and not at all for a service that is empty
 * when subscribed, so the first list is read here: subscribe first (which fills the SDK's cache from the server),
 * then read that cache; any change after is pushed. The view must follow the SDK's cache, never a list read around
 * it: after a server restart the SDK would otherwise stay silent about a list that equals its cache but not the
 * view. The SDK matches listeners by identity, so each Nacos service gets one listener object,
 * kept for the unsubscribe. Subscribing and the first read are network calls: they run on the registry's scheduler,
 * never in {@link ServiceViews.Source#open}.
 *
 * <p>Ordering: a read races with pushes. Each Nacos service counts the pushes it received; a read is used only if no
 * push arrived while it was in flight, since that push is at least as recent as the read. Lists are delivered under
 * one lock, and only once every Nacos service has one.
 *
 * <p>Failures: a failed subscribe or read reports the watch failed; the view goes stale and the registry reopens the
 * watch after a backoff. While the connection is down ({@link #stale}), the SDK's redo subscribes again on reconnect
 * and pushes what changed; the registry then {@link #refresh() reads again} to end the stale state even when nothing
 * changed. The SDK's cache can still miss a change made around the reconnect: it drops a push stamped earlier than the
 * list it already holds, and the list its resubscription read may predate a write the server had just acknowledged
 * (seen after a partition: the owner's re-registration never reached a watcher's cache). So {@link #CHECK_DELAY}
 * after the reconnect each Nacos service is read once from the server itself; where that differs from the SDK's cache
 * (and no push came meanwhile), the watch subscribes again, which makes the SDK read the server and push the change.
 * The view still follows the SDK's cache only.
 *
 * <p>Thread-safe.
 */
public final class NacosServiceWatch implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(NacosServiceWatch.class.getName());

    /** How long after a reconnect the SDK's cache is checked against the server: past the server's push delay. */
    static final Duration CHECK_DELAY = Duration.ofSeconds(2);

    private final NamingService naming;
    private final String group;
    private final String name;
    private final NacosInstanceCodec codec;
    private final ServiceViews.Sink sink;
    private final BiConsumer<String, Exception> skip;
    private final Scheduler scheduler;
    private final List<Part> parts = new ArrayList<>();
    private final Object lock = new Object();
    private final Object subscriptions = new Object();
    private boolean closed; // guarded by lock

    private NacosServiceWatch(
            NamingService naming,
            String group,
            String name,
            NacosInstanceCodec codec,
            ServiceViews.Sink sink,
            BiConsumer<String, Exception> skip,
            Scheduler scheduler) {
        this.naming = naming;
        this.group = group;
        this.name = name;
        this.codec = codec;
        this.sink = sink;
        this.skip = skip;
        this.scheduler = scheduler;
        for (String service : codec.servicesOf(name)) {
            parts.add(new Part(service));
        }
    }

    /**
     * Opens the watch: the subscriptions and the first read are scheduled, not done here.
     *
     * @param naming the SDK client
     * @param group the group
     * @param name the logical service
     * @param codec the layout
     * @param sink where lists go
     * @param skip receives entries that do not decode
     * @param scheduler runs the network calls
     * @return the watch; close it to unsubscribe
     */
    public static NacosServiceWatch open(
            NamingService naming,
            String group,
            String name,
            NacosInstanceCodec codec,
            ServiceViews.Sink sink,
            BiConsumer<String, Exception> skip,
            Scheduler scheduler) {
        var watch = new NacosServiceWatch(naming, group, name, codec, sink, skip, scheduler);
        watch.schedule("subscribe to " + name, watch::start);
        return watch;
    }

    /** Subscribes to every Nacos service, then reads them. */
    private void start() {
        synchronized (subscriptions) {
            for (Part p : parts) {
                if (isClosed()) {
                    return;
                }
                try {
                    naming.subscribe(p.service, group, p);
                    p.subscribed = true;
                } catch (NacosException | RuntimeException e) {
                    sink.failed(NacosErrors.wrap("subscribe to " + group + "@@" + p.service, e));
                    return;
                }
            }
        }
        refresh();
    }

    /** Reads every Nacos service through the SDK and delivers, unless pushes overtook the reads. */
    private void refresh() {
        for (Part p : parts) {
            long pushes;
            synchronized (lock) {
                if (closed) {
                    return;
                }
                pushes = p.pushes;
            }
            List<Instance> read;
            try {
                // From the SDK's cache, not the server: the SDK pushes only what differs from its cache, so the view
                // must start from the cache. After a reconnect, when the SDK is not subscribed yet, this subscribes
                // again and returns (and caches) the server's list.
                read = naming.getAllInstances(p.service, group, List.of(), true);
            } catch (NacosException | RuntimeException e) {
                sink.failed(NacosErrors.wrap("read " + group + "@@" + p.service, e));
                return;
            }
            synchronized (lock) {
                if (closed) {
                    return;
                }
                if (p.pushes == pushes) {
                    p.latest = List.copyOf(read);
                }
            }
        }
        synchronized (lock) {
            deliverLocked();
        }
    }

    /**
     * After a reconnect: reads the service again soon, on the scheduler, to end the stale state, and checks the SDK's
     * cache against the server {@link #CHECK_DELAY} later.
     */
    public void scheduleRefresh() {
        schedule("read " + name + " after a reconnect", this::refresh);
        schedule(CHECK_DELAY, "check " + name + " against the server after a reconnect", this::checkAgainstServer);
    }

    /** Subscribes again to each Nacos service whose list in the SDK's cache differs from the server's. */
    void checkAgainstServer() {
        boolean resubscribed = false;
        for (Part p : parts) {
            long pushes;
            List<Instance> cached;
            synchronized (lock) {
                if (closed) {
                    return;
                }
                pushes = p.pushes;
                cached = p.latest;
            }
            List<Instance> server;
            try {
                server = naming.getAllInstances(p.service, group, List.of(), false);
            } catch (NacosException | RuntimeException e) {
                // Down again: the next reconnect checks again.
                LOG.log(Level.DEBUG, "nacos: checking {0}@@{1} against the server failed: {2}", group, p.service, e);
                return;
            }
            synchronized (lock) {
                if (closed || cached == null || p.pushes != pushes || sameInstances(cached, server)) {
                    // Not read yet (the first read delivers), or a push came meanwhile: the cache is at least as
                    // recent as that read.
                    continue;
                }
            }
            LOG.log(
                    Level.INFO,
                    "nacos: the SDK''s cache of {0}@@{1} missed a change around a reconnect; subscribing again",
                    group,
                    p.service);
            synchronized (subscriptions) {
                if (isClosed() || !p.subscribed) {
                    return;
                }
                try {
                    naming.unsubscribe(p.service, group, p);
                    p.subscribed = false;
                    naming.subscribe(p.service, group, p);
                    p.subscribed = true;
                } catch (NacosException | RuntimeException e) {
                    sink.failed(NacosErrors.wrap("subscribe again to " + group + "@@" + p.service, e));
                    return;
                }
            }
            resubscribed = true;
        }
        if (resubscribed) {
            refresh();
        }
    }

    /** Whether two lists hold the same instances, in any order, as the decoder sees them. */
    static boolean sameInstances(List<Instance> a, List<Instance> b) {
        if (a.size() != b.size()) {
            return false;
        }
        List<String> ka = new ArrayList<>();
        List<String> kb = new ArrayList<>();
        a.forEach(i -> ka.add(key(i)));
        b.forEach(i -> kb.add(key(i)));
        Collections.sort(ka);
        Collections.sort(kb);
        return ka.equals(kb);
    }

    private static String key(Instance i) {
        return i.getIp() + "|" + i.getPort() + "|" + i.getClusterName() + "|" + i.isHealthy() + "|" + i.isEnabled()
                + "|" + i.getWeight() + "|" + (i.getMetadata() == null ? Map.of() : new TreeMap<>(i.getMetadata()));
    }

    /**
     * Reports an outage: watchers keep the last list and go stale until the next delivery.
     *
     * @param cause what happened
     */
    public void stale(RegistryException cause) {
        sink.stale(cause);
    }

    private void pushed(Part p, List<Instance> instances) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            p.pushes++;
            p.latest = List.copyOf(instances);
            deliverLocked();
        }
    }

    private void deliverLocked() {
        Map<String, List<Instance>> byService = new LinkedHashMap<>();
        for (Part p : parts) {
            List<Instance> latest = p.latest;
            if (latest == null) {
                return; // not every Nacos service read yet
            }
            byService.put(p.service, latest);
        }
        sink.update(codec.decode(name, byService, group, skip));
    }

    private boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    private void schedule(String what, Runnable task) {
        schedule(Duration.ZERO, what, task);
    }

    private void schedule(Duration delay, String what, Runnable task) {
        try {
            scheduler.schedule(delay, RegistryThreads.guarded(what, task));
        } catch (RejectedExecutionException e) {
            LOG.log(Level.DEBUG, "nacos: not scheduling ''{0}'': the registry is closing", what);
        }
    }

    /** Unsubscribes every listener; a subscription still being made is waited for, then undone. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
        }
        synchronized (subscriptions) {
            for (Part p : parts) {
                if (!p.subscribed) {
                    continue;
                }
                p.subscribed = false;
                try {
                    naming.unsubscribe(p.service, group, p);
                } catch (NacosException | RuntimeException e) {
                    LOG.log(
                            Level.DEBUG,
                            "nacos: unsubscribing from {0}@@{1} failed: {2}",
                            group,
                            p.service,
                            e.getMessage());
                }
            }
        }
    }

    @Override
    public String toString() {
        return "NacosServiceWatch[" + group + "@@" + name + "]";
    }

    /** One Nacos service behind the logical one, and the SDK listener of it (matched by identity). */
    private final class Part implements EventListener {
        final String service;
        boolean subscribed; // guarded by subscriptions
        long pushes; // guarded by lock

        @Nullable
        List<Instance> latest; // guarded by lock

        Part(String service) {
            this.service = service;
        }

        @Override
        public void onEvent(Event event) {
            if (event instanceof NamingEvent e && e.getInstances() != null) {
                pushed(this, e.getInstances());
            }
        }

        @Override
        public String toString() {
            return "registry4j watch of " + group + "@@" + service;
        }
    }
}
