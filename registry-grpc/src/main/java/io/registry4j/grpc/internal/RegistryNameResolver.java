package io.registry4j.grpc.internal;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.SynchronizationContext;
import io.registry4j.Discovery;
import io.registry4j.Endpoints;
import io.registry4j.ServiceInstance;
import io.registry4j.Subscription;
import io.registry4j.WatchEvent;
import io.registry4j.grpc.RegistryAttributes;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Resolves one service for one channel, from the listener form of {@link Discovery#watch}.
 *
 * <p>Design: no thread of its own. The subscription delivers on gRPC's offload executor (where turning endpoints into
 * socket addresses may resolve a host name), and every result reaches the channel through its
 * {@link SynchronizationContext}, in order. {@code start} never throws: a registry that cannot be opened or watched is
 * reported as {@code UNAVAILABLE}. An empty service (or one whose instances the filter or the endpoint scheme rule
 * out) is reported as {@code UNAVAILABLE} naming the service, so that calls fail fast instead of going to addresses
 * that are gone; the channel then calls {@link #refresh} with its own backoff. A stale backend keeps the last
 * addresses. {@link #refresh} re-reads with {@link Discovery#getService} on the offload executor; its answer is
 * dropped if a watch event arrived meanwhile, since that event is newer.
 */
public final class RegistryNameResolver extends NameResolver {
    private static final System.Logger LOG = System.getLogger(RegistryNameResolver.class.getName());

    private final String service;
    private final DiscoverySource source;
    private final @Nullable Predicate<ServiceInstance> filter;
    private final String endpointScheme;
    private final SynchronizationContext sync;
    private final Executor offload;

    // Only in the synchronization context.
    private @Nullable Listener2 listener;
    private long events;
    private boolean refreshing;
    private boolean hasAddresses;

    private volatile boolean shutdown;

    // Written under this lock (what start() acquired, released by shutdown()); read by refresh() without it.
    private volatile @Nullable Discovery discovery;
    private @Nullable Subscription subscription;
    private boolean acquired;

    /**
     * Creates a resolver; nothing happens until {@link #start}.
     *
     * @param service the service to resolve
     * @param source where the discovery comes from
     * @param filter keeps only these instances; null keeps all
     * @param endpointScheme {@code grpc} or {@code grpcs}
     * @param args the channel's arguments
     */
    public RegistryNameResolver(
            String service,
            DiscoverySource source,
            @Nullable Predicate<ServiceInstance> filter,
            String endpointScheme,
            Args args) {
        this.service = Objects.requireNonNull(service, "service");
        this.source = Objects.requireNonNull(source, "source");
        this.filter = filter;
        this.endpointScheme = Objects.requireNonNull(endpointScheme, "endpointScheme");
        this.sync = args.getSynchronizationContext();
        Executor o = args.getOffloadExecutor();
        this.offload = o != null ? o : sync;
    }

    @Override
    public String getServiceAuthority() {
        return service;
    }

    @Override
    public void start(Listener2 listener) {
        if (this.listener != null) {
            throw new IllegalStateException("already started");
        }
        this.listener = Objects.requireNonNull(listener, "listener");
        offload.execute(this::subscribe);
    }

    /** Opens the subscription; on failure reports UNAVAILABLE, and the channel's next refresh() tries again. */
    private void subscribe() {
        try {
            synchronized (this) {
                if (shutdown || subscription != null) {
                    return;
                }
                Discovery d = source.acquire();
                try {
                    subscription = d.watch(service, offload, this::onEvent);
                } catch (RuntimeException e) {
                    source.release();
                    throw e;
                }
                acquired = true;
                discovery = d;
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot watch service '" + service + "' in " + source, e);
            Status status = Status.UNAVAILABLE
                    .withDescription("registry4j cannot watch service '" + service + "' in " + source + ": " + e)
                    .withCause(e);
            sync.execute(() -> publish(StatusOr.fromStatus(status)));
        }
    }

    private void onEvent(WatchEvent event) {
        if (shutdown) {
            return;
        }
        if (!event.isAuthoritative()) {
            sync.execute(this::onStale);
            return;
        }
        StatusOr<List<EquivalentAddressGroup>> result = addresses(event.instances());
        sync.execute(() -> {
            events++;
            publish(result);
        });
    }

    private void onStale() {
        if (shutdown) {
            return;
        }
        if (hasAddresses) {
            LOG.log(Level.INFO, "registry for service ''{0}'' is unreachable; keeping the last addresses", service);
            return;
        }
        publish(StatusOr.fromStatus(Status.UNAVAILABLE.withDescription("the registry (" + source
                + ") is unreachable and no list of service '" + service + "' has been read yet")));
    }

    @Override
    public void refresh() {
        if (refreshing || shutdown) {
            return;
        }
        Discovery d = discovery;
        refreshing = true;
        if (d == null) {
            // The subscription could not be opened: try again, now that the channel's backoff has passed.
            offload.execute(() -> {
                subscribe();
                sync.execute(() -> refreshing = false);
            });
            return;
        }
        long seen = events;
        offload.execute(() -> {
            StatusOr<List<EquivalentAddressGroup>> result;
            boolean outage = false;
            try {
                result = addresses(d.getService(service));
            } catch (RuntimeException e) { // a RegistryException, or anything a Discovery of the user's throws
                outage = true;
                result = StatusOr.fromStatus(Status.UNAVAILABLE
                        .withDescription(
                                "registry4j cannot read service '" + service + "' in " + source + ": " + e.getMessage())
                        .withCause(e));
            }
            StatusOr<List<EquivalentAddressGroup>> r = result;
            boolean failed = outage;
            sync.execute(() -> {
                refreshing = false;
                if (events != seen || (failed && hasAddresses)) {
                    return; // a newer watch event won, or an outage: keep what we have
                }
                publish(r);
            });
        });
    }

    private void publish(StatusOr<List<EquivalentAddressGroup>> result) {
        Listener2 l = listener;
        if (shutdown || l == null) {
            return;
        }
        hasAddresses = result.hasValue();
        l.onResult2(ResolutionResult.newBuilder()
                .setAddressesOrError(result)
                .setAttributes(Attributes.EMPTY)
                .build());
    }

    @Override
    public void shutdown() {
        if (shutdown) {
            return;
        }
        shutdown = true;
        // Closing a shared registry may take a remote call: do it off the synchronization context.
        offload.execute(this::release);
    }

    private synchronized void release() {
        Subscription s = subscription;
        subscription = null;
        discovery = null;
        if (s != null) {
            s.close();
        }
        if (acquired) {
            acquired = false;
            try {
                source.release();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "closing the registry of service '" + service + "' failed", e);
            }
        }
    }

    /**
     * Turns instances into address groups: one group per instance that passes the filter and has endpoints of the
     * chosen scheme, in the instance's endpoint order, without an address twice.
     */
    StatusOr<List<EquivalentAddressGroup>> addresses(List<ServiceInstance> instances) {
        if (instances.isEmpty()) {
            return StatusOr.fromStatus(Status.UNAVAILABLE.withDescription(
                    "service '" + service + "' has no instances in the registry (" + source + ")"));
        }
        List<EquivalentAddressGroup> groups = new ArrayList<>();
        Set<SocketAddress> seen = new HashSet<>();
        int kept = 0;
        for (ServiceInstance instance : instances) {
            if (filter != null && !filter.test(instance)) {
                continue;
            }
            kept++;
            List<SocketAddress> addresses = new ArrayList<>();
            for (URI endpoint : instance.endpoints()) {
                String scheme = endpoint.getScheme();
                if (scheme != null && scheme.toLowerCase(Locale.ROOT).equals(endpointScheme)) {
                    SocketAddress a = socketAddress(endpoint);
                    if (a != null && seen.add(a)) {
                        addresses.add(a);
                    }
                }
            }
            if (!addresses.isEmpty()) {
                groups.add(new EquivalentAddressGroup(addresses, RegistryAttributes.of(instance)));
            }
        }
        if (kept == 0) {
            return StatusOr.fromStatus(Status.UNAVAILABLE.withDescription("none of the " + instances.size()
                    + " instances of service '" + service + "' passes the filter " + filter));
        }
        if (groups.isEmpty()) {
            return StatusOr.fromStatus(Status.UNAVAILABLE.withDescription("none of the " + kept
                    + " instances of service '" + service + "' has an endpoint of scheme " + endpointScheme));
        }
        return StatusOr.fromValue(List.copyOf(groups));
    }

    /**
     * The address to dial, or null for an endpoint with no port: registries read some such entries as Kratos does,
     * but there is nothing to dial. Hosts are parsed by {@link Endpoints}, so names with {@code _} (Docker Compose
     * services) dial as they do from Kratos.
     */
    private static @Nullable SocketAddress socketAddress(URI endpoint) {
        String host = Endpoints.host(endpoint);
        int port = Endpoints.port(endpoint);
        if (host == null || port < 1) {
            return null;
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        // An IP literal is parsed without a lookup; a host name is looked up here, on the offload executor.
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return "RegistryNameResolver{service=" + service + ", source=" + source + ", filter=" + filter + ", scheme="
                + endpointScheme + "}";
    }
}
