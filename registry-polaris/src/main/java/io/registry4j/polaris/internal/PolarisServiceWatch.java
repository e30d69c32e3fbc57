package io.registry4j.polaris.internal;

import com.tencent.polaris.api.core.ConsumerAPI;
import com.tencent.polaris.api.listener.ServiceListener;
import com.tencent.polaris.api.pojo.ServiceChangeEvent;
import com.tencent.polaris.api.rpc.GetAllInstancesRequest;
import com.tencent.polaris.api.rpc.UnWatchServiceRequest;
import com.tencent.polaris.api.rpc.WatchServiceRequest;
import io.registry4j.ServiceInstance;
import io.registry4j.spi.RegistryThreads;
import io.registry4j.spi.Scheduler;
import io.registry4j.spi.ServiceViews;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The native watch of one service: one SDK {@code watchService} listener, feeding full lists to the registry's shared
 * view. One per watched service, whatever the number of watchers.
 *
 * <p>Design: the SDK polls the server's {@code Discover} stream for each service in its cache every
 * {@code serviceRefreshInterval} (2 s, its minimum) and calls the service's listeners with a
 * {@link ServiceChangeEvent} when the revision changed. Its listeners live in a JVM-wide static map keyed by
 * namespace and service, so every SDK context in the JVM calls every listener of that service, with its own cache's
 * list; and it also fires events with no added, removed or updated instance. An event is therefore only a hint here:
 * empty ones are dropped, and any other makes the watch read its own SDK's cache ({@code getAllInstances}, no network
 * call once the service is cached) and hand the full list to the view, which drops equal lists. The first list comes
 * from {@code watchService} itself, which fetches the service when it is not cached yet; it runs on the registry's
 * scheduler, never in {@link ServiceViews.Source#open}. Outage and recovery come from the registry's connection probe
 * ({@link #stale}, {@link #refresh}).
 *
 * <p>Thread-safe.
 */
public final class PolarisServiceWatch implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PolarisServiceWatch.class.getName());

    private final ConsumerAPI consumer;
    private final String namespace;
    private final String service;
    private final PolarisInstanceCodec codec;
    private final ServiceViews.Sink sink;
    private final BiConsumer<String, Exception> skip;
    private final Scheduler scheduler;
    private final Duration timeout;
    private final ServiceListener listener = this::onEvent;
    private final Object lock = new Object();
    private boolean watching; // guarded by lock
    private boolean closed; // guarded by lock

    private PolarisServiceWatch(
            ConsumerAPI consumer,
            String namespace,
            String service,
            PolarisInstanceCodec codec,
            ServiceViews.Sink sink,
            BiConsumer<String, Exception> skip,
            Scheduler scheduler,
            Duration timeout) {
        this.consumer = consumer;
        this.namespace = namespace;
        this.service = service;
        this.codec = codec;
        this.sink = sink;
        this.skip = skip;
        this.scheduler = scheduler;
        this.timeout = timeout;
    }

    /**
     * Starts watching; the first list is read on the scheduler.
     *
     * @param consumer the SDK's consumer API
     * @param namespace the Polaris namespace
     * @param service the service
     * @param codec decodes lists
     * @param sink where lists go
     * @param skip told of undecodable entries
     * @param scheduler runs the SDK calls
     * @param timeout bound of the first fetch
     * @return the watch
     */
    public static PolarisServiceWatch open(
            ConsumerAPI consumer,
            String namespace,
            String service,
            PolarisInstanceCodec codec,
            ServiceViews.Sink sink,
            BiConsumer<String, Exception> skip,
            Scheduler scheduler,
            Duration timeout) {
        PolarisServiceWatch w =
                new PolarisServiceWatch(consumer, namespace, service, codec, sink, skip, scheduler, timeout);
        scheduler.schedule(Duration.ZERO, RegistryThreads.guarded("polaris watch of " + service, w::start));
        return w;
    }

    private void start() {
        synchronized (lock) {
            if (closed) {
                return;
            }
        }
        try {
            consumer.watchService(WatchServiceRequest.builder()
                    .namespace(namespace)
                    .service(service)
                    .listeners(List.of(listener))
                    .build());
        } catch (RuntimeException e) {
            sink.failed(PolarisErrors.wrap("watch " + namespace + "/" + service, e));
            return;
        }
        boolean unwatch;
        synchronized (lock) {
            watching = true;
            unwatch = closed;
        }
        if (unwatch) {
            unwatch();
            return;
        }
        read();
    }

    private void onEvent(ServiceChangeEvent e) {
        boolean changed = !e.getAddInstances().isEmpty()
                || !e.getDeleteInstances().isEmpty()
                || !e.getUpdateInstances().isEmpty();
        if (changed) {
            refresh();
        }
    }

    /** Reads the SDK's cache again on the scheduler and delivers it (ends a stale state even when nothing changed). */
    public void refresh() {
        scheduler.schedule(Duration.ZERO, RegistryThreads.guarded("polaris refresh of " + service, this::read));
    }

    private void read() {
        synchronized (lock) {
            if (closed || !watching) {
                return;
            }
        }
        List<ServiceInstance> list;
        try {
            list = codec.decode(
                    service,
                    consumer.getAllInstances(GetAllInstancesRequest.builder()
                                    .namespace(namespace)
                                    .service(service)
                                    .timeoutMs(timeout.toMillis())
                                    .build())
                            .getInstances(),
                    skip);
        } catch (RuntimeException e) {
            sink.failed(PolarisErrors.wrap("read " + namespace + "/" + service, e));
            return;
        }
        sink.update(list);
    }

    /**
     * Reports that the server is unreachable: watchers go stale and keep their list.
     *
     * @param cause why
     */
    public void stale(Throwable cause) {
        sink.stale(cause);
    }

    /**
     * Makes the view close this watch and open a new one (after its backoff), on whatever SDK the registry has then.
     *
     * @param cause why
     */
    public void reopen(Throwable cause) {
        sink.failed(cause);
    }

    @Override
    public void close() {
        boolean unwatch;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            unwatch = watching;
        }
        if (unwatch) {
            unwatch();
        }
    }

    private void unwatch() {
        try {
            consumer.unWatchService(UnWatchServiceRequest.UnWatchServiceRequestBuilder.anUnWatchServiceRequest()
                    .namespace(namespace)
                    .service(service)
                    .listeners(List.of(listener))
                    .build());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "polaris: unwatching " + namespace + "/" + service + " failed", e);
        }
    }
}
