package io.registry4j.polaris;

import com.tencent.polaris.api.exception.PolarisException;
import com.tencent.polaris.api.pojo.ServiceInfo;
import com.tencent.polaris.api.rpc.GetAllInstancesRequest;
import com.tencent.polaris.api.rpc.GetServicesRequest;
import com.tencent.polaris.api.rpc.InstanceDeregisterRequest;
import com.tencent.polaris.api.rpc.InstanceHeartbeatRequest;
import com.tencent.polaris.api.rpc.InstanceRegisterRequest;
import com.tencent.polaris.client.api.SDKContext;
import io.registry4j.RegistryException;
import io.registry4j.RegistryException.Kind;
import io.registry4j.ServiceCatalog;
import io.registry4j.ServiceInstance;
import io.registry4j.polaris.internal.PolarisErrors;
import io.registry4j.polaris.internal.PolarisInstanceCodec;
import io.registry4j.polaris.internal.PolarisInstanceCodec.Member;
import io.registry4j.polaris.internal.PolarisSdk;
import io.registry4j.polaris.internal.PolarisServiceWatch;
import io.registry4j.spi.AbstractServiceRegistry;
import io.registry4j.spi.RegistryBuilder;
import io.registry4j.spi.RegistryThreads;
import io.registry4j.spi.Scheduler;
import io.registry4j.spi.ServiceViews;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A registry on Polaris (Tencent's service registry), through the Polaris Java SDK: each endpoint of an instance is a
 * Polaris instance in the service of the instance's name, kept alive by heartbeats.
 *
 * <pre>{@code
 * try (PolarisRegistry registry = PolarisRegistry.builder().serverAddresses("10.0.0.5:8091").build()) {
 *     registry.register(instance);
 *     Watcher watcher = registry.watch("orders");
 * }
 * }</pre>
 *
 * <p>Design. Registration: each endpoint is registered with the SDK's {@code register} (not {@code registerInstance},
 * whose own heartbeat loop would re-register nothing the registry does not know of) with a heartbeat TTL, and the
 * registry's keeper sends a heartbeat for each every TTL. The server marks an instance unhealthy after three TTLs
 * without a heartbeat; when it no longer holds one (removed, or the server lost its data) it answers heartbeats for it
 * with "not found" after a few of them (four with Polaris 1.18), and the keeper registers the instance again. Polaris
 * keys an instance by namespace, service, host and port: deregistration names those, never a guessed id.
 * Discovery: one SDK {@code watchService} per watched service, shared by all its watchers; the SDK polls the server
 * every 2 s (its minimum), so a change takes up to that long to reach watchers. The SDK serves its cache while the
 * server is unreachable, so the registry probes the server every 2 s while it has watches (a heartbeat of a probe
 * instance the server does not hold): on failure watchers go stale and keep their list, and {@code getService}
 * fails instead of answering from the cache; on recovery they read again. Only healthy, not isolated instances are
 * returned, by {@code getService} and watchers alike, unless {@link Builder#includeUnhealthy}.
 *
 * <p>Threads: one {@code registry4j-polaris-scheduler-1} runs heartbeats, re-registrations, probes and watch reads;
 * it ends on {@link #close()}. The SDK starts its own (listed in the module README; it names them
 * {@code polaris-*}, gRPC's are {@code grpc-*}); a registry builds one SDK context, never one per watcher, and closes
 * it completely. Thread-safe.
 */
public final class PolarisRegistry extends AbstractServiceRegistry implements ServiceCatalog {

    /** The backend name, also the URL scheme: {@code polaris://host:8091}. */
    public static final String BACKEND = "polaris";

    /** The default namespace: {@code default}. */
    public static final String DEFAULT_NAMESPACE = "default";

    /** The gRPC port of a server address given without one: 8091. */
    public static final int DEFAULT_PORT = 8091;

    /** The default heartbeat TTL: 5 s (Kratos' default 0 is refused by the server). */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(5);

    /** The largest heartbeat TTL Polaris accepts: 60 s. */
    public static final Duration MAX_TTL = Duration.ofSeconds(60);

    /** The default weight of registered instances: 100. */
    public static final int DEFAULT_WEIGHT = 100;

    /** The largest weight Polaris accepts: 10000. */
    public static final int MAX_WEIGHT = 10_000;

    /** The default bound of every call: 10 s. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Options.DEFAULT_CALL_TIMEOUT;

    /** The default directory of the SDK's files (cache backup when enabled, logs): in the temporary directory. */
    public static final Path DEFAULT_SDK_DIRECTORY =
            Path.of(System.getProperty("java.io.tmpdir"), "registry4j-polaris");

    /** How often the server is probed while the registry has watches: the SDK's own poll interval. */
    static final Duration PROBE_INTERVAL = Duration.ofSeconds(2);

    private static final System.Logger LOG = System.getLogger(PolarisRegistry.class.getName());
    private static final String PROBE_SERVICE = "registry4j-probe";
    private static final int MISSING_CHECKS = 3;

    private volatile PolarisSdk sdk;
    private final @Nullable Supplier<PolarisSdk> sdkFactory;
    private final List<PolarisSdk> retired = new CopyOnWriteArrayList<>();
    private final String namespace;
    private final @Nullable String token;
    private final int ttlSeconds;
    private final int weight;
    private final @Nullable Location location;
    private final PolarisInstanceCodec codec;
    private final Duration callTimeout;
    private final Map<String, List<Member>> written = new ConcurrentHashMap<>();
    private final Map<String, Integer> absences = new ConcurrentHashMap<>();
    private final Set<PolarisServiceWatch> watches = ConcurrentHashMap.newKeySet();
    private final Object probeLock = new Object();
    /** Orders an SDK swap after an outage against close, so that neither context is left open. */
    private final Object sdkLock = new Object();

    private Scheduler.@Nullable Task probe; // guarded by probeLock
    private volatile @Nullable RegistryException unreachable;

    private PolarisRegistry(Builder b, PolarisSdk sdk, @Nullable Supplier<PolarisSdk> sdkFactory) {
        super(BACKEND, b.options());
        this.sdk = sdk;
        this.sdkFactory = sdkFactory;
        this.namespace = b.namespace;
        this.token = b.token;
        this.ttlSeconds = (int) b.ttl.toSeconds();
        this.weight = b.weight;
        this.location = b.location;
        this.codec = new PolarisInstanceCodec(b.includeUnhealthy);
        this.callTimeout = b.callTimeout;
    }

    /**
     * Starts a builder.
     *
     * @return a new builder with the defaults
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The Polaris namespace of this registry.
     *
     * @return the namespace
     */
    public String namespace() {
        return namespace;
    }

    /** The SDK, for tests that act behind the registry's back. */
    PolarisSdk sdk() {
        return sdk;
    }

    // ---- registration ----

    // The SDK deprecates register and heartbeat in favour of registerInstance, whose own heartbeat loop re-registers
    // silently and only logs; the registry keeps the loop itself so that losses reach its keeper and listeners.
    @SuppressWarnings("deprecation")
    @Override
    protected void write(ServiceInstance instance) {
        List<Member> members = codec.encode(instance);
        for (Member m : members) {
            InstanceRegisterRequest r = new InstanceRegisterRequest();
            r.setNamespace(namespace);
            r.setService(instance.name());
            r.setHost(m.host());
            r.setPort(m.port());
            r.setProtocol(m.protocol());
            r.setVersion(instance.version());
            r.setWeight(weight);
            r.setTtl(ttlSeconds);
            r.setMetadata(m.metadata());
            if (token != null) {
                r.setToken(token);
            }
            Location l = location;
            if (l != null) {
                r.setRegion(l.region());
                r.setZone(l.zone());
                r.setCampus(l.campus());
            }
            try {
                sdk.provider().register(r);
            } catch (RuntimeException e) {
                throw PolarisErrors.wrap(
                        "register " + instance.name() + "/" + instance.id() + " at " + m.key() + " in " + namespace, e);
            }
        }
        absences.remove(instance.id());
        List<Member> previous = written.put(instance.id(), members);
        if (previous != null) {
            Set<String> now = new HashSet<>();
            members.forEach(m -> now.add(m.key()));
            for (Member old : previous) {
                if (!now.contains(old.key())) {
                    deregister(instance.name(), old);
                }
            }
        }
    }

    @Override
    protected void remove(ServiceInstance instance) {
        List<Member> members = written.remove(instance.id());
        for (Member m : members == null ? codec.encode(instance) : members) {
            deregister(instance.name(), m);
        }
    }

    private void deregister(String service, Member m) {
        InstanceDeregisterRequest r = new InstanceDeregisterRequest();
        r.setNamespace(namespace);
        r.setService(service);
        r.setHost(m.host());
        r.setPort(m.port());
        if (token != null) {
            r.setToken(token);
        }
        try {
            sdk.provider().deRegister(r);
        } catch (RuntimeException e) {
            if (!PolarisErrors.isNotFound(e)) {
                throw PolarisErrors.wrap("deregister " + service + " at " + m.key() + " in " + namespace, e);
            }
        }
    }

    @Override
    protected boolean verify(ServiceInstance instance) {
        List<Member> members = written.get(instance.id());
        for (Member m : members == null ? codec.encode(instance) : members) {
            try {
                heartbeat(instance.name(), m.host(), m.port());
            } catch (PolarisException e) {
                if (PolarisErrors.isNotFound(e)) {
                    return false;
                }
                throw PolarisErrors.wrap("heartbeat of " + instance.name() + " at " + m.key(), e);
            }
        }
        return !missingFromCache(instance, members == null ? codec.encode(instance) : members);
    }

    /**
     * Whether the SDK's cache of the service (polled every 2 s) has lacked one of the instance's endpoints at
     * {@value #MISSING_CHECKS} checks in a row. The server answers heartbeats for an instance it dropped with success
     * while its health checker still has it, which under load was seen to last over a minute; the cache shows the
     * loss within seconds. A few checks in a row keep a registration that the cache has not caught up with yet from
     * counting as lost.
     */
    private boolean missingFromCache(ServiceInstance instance, List<Member> members) {
        com.tencent.polaris.api.pojo.Instance[] cached;
        try {
            cached = sdk.consumer()
                    .getAllInstances(GetAllInstancesRequest.builder()
                            .namespace(namespace)
                            .service(instance.name())
                            .timeoutMs(callTimeout.toMillis())
                            .build())
                    .getInstances();
        } catch (RuntimeException e) {
            return false; // the heartbeat got through; a failed cache read proves nothing
        }
        Set<String> present = new HashSet<>();
        for (com.tencent.polaris.api.pojo.Instance c : cached) {
            Map<String, String> md = c.getMetadata();
            if (md != null && instance.id().equals(md.get(PolarisInstanceCodec.ID))) {
                present.add(c.getHost() + ":" + c.getPort());
            }
        }
        boolean missing = members.stream().anyMatch(m -> !present.contains(m.key()));
        if (!missing) {
            absences.remove(instance.id());
            return false;
        }
        int n = absences.merge(instance.id(), 1, Integer::sum);
        if (n >= MISSING_CHECKS) {
            absences.remove(instance.id());
            return true;
        }
        return false;
    }

    @SuppressWarnings("deprecation") // see write
    private void heartbeat(String service, String host, int port) {
        InstanceHeartbeatRequest r = new InstanceHeartbeatRequest();
        r.setNamespace(namespace);
        r.setService(service);
        r.setHost(host);
        r.setPort(port);
        if (token != null) {
            r.setToken(token);
        }
        sdk.provider().heartbeat(r);
    }

    // ---- discovery ----

    @Override
    protected List<ServiceInstance> read(String service) {
        RegistryException down = unreachable;
        if (down != null) {
            throw new RegistryException(
                    down.kind(),
                    BACKEND,
                    "read " + namespace + "/" + service + ": the server is unreachable (" + down.getMessage() + ")",
                    down);
        }
        try {
            return codec.decode(
                    service,
                    sdk.consumer()
                            .getAllInstances(GetAllInstancesRequest.builder()
                                    .namespace(namespace)
                                    .service(service)
                                    .timeoutMs(callTimeout.toMillis())
                                    .build())
                            .getInstances(),
                    this::skip);
        } catch (RuntimeException e) {
            throw PolarisErrors.wrap("read " + namespace + "/" + service, e);
        }
    }

    @Override
    protected AutoCloseable openWatch(String service, ServiceViews.Sink sink) {
        PolarisServiceWatch watch = PolarisServiceWatch.open(
                sdk.consumer(), namespace, service, codec, sink, this::skip, scheduler(), callTimeout);
        watches.add(watch);
        RegistryException down = unreachable;
        if (down != null) {
            watch.stale(down);
        }
        startProbe();
        return () -> {
            watches.remove(watch);
            watch.close();
        };
    }

    private void startProbe() {
        synchronized (probeLock) {
            if (probe == null && !isClosed()) {
                probe = scheduler().schedule(PROBE_INTERVAL, RegistryThreads.guarded("polaris probe", this::probe));
            }
        }
    }

    /** Checks that the server answers, while there are watches; tells them of outages and recoveries. */
    private void probe() {
        synchronized (probeLock) {
            probe = null;
        }
        if (isClosed() || watches.isEmpty()) {
            unreachable = null;
            return;
        }
        RegistryException failure = null;
        try {
            heartbeat(PROBE_SERVICE, "127.0.0.1", 1);
        } catch (RuntimeException e) {
            RegistryException wrapped = PolarisErrors.wrap("probe the server", e);
            if (wrapped.isRetryable()) {
                failure = wrapped;
            }
        }
        RegistryException before = unreachable;
        unreachable = failure;
        if (failure != null && before == null) {
            LOG.log(Level.WARNING, "polaris: server unreachable, watchers are stale: " + failure.getMessage());
            RegistryException cause = failure;
            watches.forEach(w -> w.stale(cause));
        } else if (failure == null && before != null) {
            LOG.log(Level.INFO, "polaris: server reachable again");
            if (!renewSdk(before)) {
                watches.forEach(PolarisServiceWatch::refresh);
            }
            keeper().retryNow();
        }
        startProbe();
    }

    /**
     * After an outage, replaces an SDK this registry built with a new one and reopens every watch on it. The SDK
     * 2.0.0.0 can lose a service's poll task during an outage (its stream client is created on an executor that was
     * already shut down, the task fails with a {@code RejectedExecutionException} and is not scheduled again), after
     * which its cache of that service never changes; a new SDK context starts from the server's state.
     *
     * @return false if the SDK was the caller's (then the watches only read its cache again)
     */
    private boolean renewSdk(RegistryException outage) {
        Supplier<PolarisSdk> factory = sdkFactory;
        if (factory == null || isClosed()) {
            return false;
        }
        PolarisSdk fresh;
        try {
            fresh = factory.get();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "polaris: a new SDK context after the outage failed; keeping the old one", e);
            return false;
        }
        PolarisSdk old;
        synchronized (sdkLock) {
            if (isClosed()) {
                // close() ran while the new context was built (a scheduler of the caller's keeps running tasks
                // after close); closeClient() has closed or will close the old one, so only the new one is left.
                closeQuietly(fresh);
                return false;
            }
            old = sdk;
            sdk = fresh;
            retired.add(old);
        }
        RegistryException reopen =
                new RegistryException(Kind.UNAVAILABLE, BACKEND, "reopened on a new SDK after an outage", outage);
        watches.forEach(w -> w.reopen(reopen));
        // The views close the old watches (on the old SDK) as they reopen them; the old SDK goes once that is done.
        scheduler().schedule(callTimeout, RegistryThreads.guarded("polaris retire an SDK", () -> retire(old)));
        return true;
    }

    private void retire(PolarisSdk old) {
        if (retired.remove(old)) {
            closeQuietly(old);
        }
    }

    private static void closeQuietly(PolarisSdk s) {
        try {
            s.close();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "polaris: closing an SDK context failed", e);
        }
    }

    /**
     * Lists the services of this registry's namespace that the server knows, as the SDK's cache of the service list
     * has them (refreshed every 60 s by the SDK; the first call reads the server).
     *
     * @return the service names that are valid registry4j names, sorted
     * @throws RegistryException if Polaris could not be reached in time, or of kind {@code CLOSED} after
     *     {@link #close()}
     */
    @Override
    public SortedSet<String> services() {
        if (isClosed()) {
            throw new RegistryException(Kind.CLOSED, BACKEND, "registry is closed");
        }
        List<ServiceInfo> infos;
        try {
            GetServicesRequest request = new GetServicesRequest();
            request.setNamespace(namespace);
            request.setTimeoutMs(callTimeout.toMillis());
            infos = sdk.consumer().getServices(request).getServices();
        } catch (RuntimeException e) {
            throw PolarisErrors.wrap("list the services of " + namespace, e);
        }
        SortedSet<String> out = new TreeSet<>();
        for (ServiceInfo info : infos == null ? List.<ServiceInfo>of() : infos) {
            try {
                ServiceInstance.checkName(info.getService());
                out.add(info.getService());
            } catch (IllegalArgumentException notOurs) {
                // a name registry4j cannot address, such as Polaris' own polaris.checker in namespace Polaris
            }
        }
        return out;
    }

    @Override
    protected void closeClient() {
        synchronized (probeLock) {
            Scheduler.Task t = probe;
            if (t != null) {
                t.cancel();
            }
            probe = null;
        }
        PolarisSdk current;
        synchronized (sdkLock) {
            current = sdk; // isClosed() is true: renewSdk() swaps no more
        }
        for (PolarisSdk old : List.copyOf(retired)) {
            retire(old);
        }
        if (sdkFactory != null) {
            closeQuietly(current);
        }
    }

    /**
     * Where instances are registered: Polaris' location fields, used by its nearby routing.
     *
     * @param region the region, may be empty
     * @param zone the zone, may be empty
     * @param campus the campus, may be empty
     */
    public record Location(String region, String zone, String campus) {
        /** Checks the fields. */
        public Location {
            Objects.requireNonNull(region, "region");
            Objects.requireNonNull(zone, "zone");
            Objects.requireNonNull(campus, "campus");
        }
    }

    /**
     * Builds a {@link PolarisRegistry}. Give {@linkplain #serverAddresses(String...) server addresses}, and the
     * registry builds (and on close destroys) its own SDK context, or an existing
     * {@linkplain #sdkContext(SDKContext) SDK context}, which is never destroyed. Not thread-safe.
     */
    public static final class Builder extends RegistryBuilder<Builder> {
        private final List<String> serverAddresses = new ArrayList<>();
        private @Nullable SDKContext sdkContext;
        private String namespace = DEFAULT_NAMESPACE;
        private @Nullable String token;
        private Duration ttl = DEFAULT_TTL;
        private int weight = DEFAULT_WEIGHT;
        private @Nullable Location location;
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private Path sdkDirectory = DEFAULT_SDK_DIRECTORY;
        private boolean persistCache;
        private boolean includeUnhealthy;

        private Builder() {}

        /**
         * The Polaris servers, each {@code host[:port]} of the gRPC port (default {@value PolarisRegistry#DEFAULT_PORT}).
         * Adds to the addresses given before.
         *
         * @param addresses one or more addresses
         * @return this builder
         * @throws IllegalArgumentException if an address has no host or a bad port
         */
        public Builder serverAddresses(String... addresses) {
            for (String a : addresses) {
                Objects.requireNonNull(a, "serverAddresses");
                serverAddresses.add(checkAddress(a.strip()));
            }
            return this;
        }

        private static String checkAddress(String address) {
            URI uri;
            try {
                uri = new URI("polaris://" + address);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(
                        "serverAddresses: '" + address + "' is not host:port (" + e.getReason() + ")", e);
            }
            if (uri.getHost() == null
                    || (uri.getRawPath() != null && !uri.getRawPath().isEmpty())) {
                throw new IllegalArgumentException(
                        "serverAddresses: '" + address + "' is not host:port such as 127.0.0.1:8091");
            }
            int port = uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort();
            if (port == 0 || port > 65535) {
                throw new IllegalArgumentException(
                        "serverAddresses: '" + address + "' has port " + port + ", not 1-65535");
            }
            return hostOf(uri) + ":" + port;
        }

        private static String hostOf(URI uri) {
            String host = String.valueOf(uri.getHost());
            return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        }

        /**
         * Uses an SDK context built by the caller instead of building one; the registry makes its provider and
         * consumer APIs on it and never destroys it, and its own settings (servers, timeouts, cache) apply. Exclusive
         * with server addresses, the SDK directory and cache persistence.
         *
         * @param context the SDK context
         * @return this builder
         */
        public Builder sdkContext(SDKContext context) {
            this.sdkContext = Objects.requireNonNull(context, "context");
            return this;
        }

        /**
         * The Polaris namespace. Defaults to {@value PolarisRegistry#DEFAULT_NAMESPACE}.
         *
         * @param namespace the namespace
         * @return this builder
         * @throws IllegalArgumentException if it is blank
         */
        public Builder namespace(String namespace) {
            Objects.requireNonNull(namespace, "namespace");
            if (namespace.isBlank()) {
                throw new IllegalArgumentException("namespace must not be blank");
            }
            this.namespace = namespace.strip();
            return this;
        }

        /**
         * The service token sent with registrations, deregistrations and heartbeats, for a server that checks
         * service tokens. Default none.
         *
         * @param token the token
         * @return this builder
         */
        public Builder serviceToken(String token) {
            this.token = Objects.requireNonNull(token, "token");
            return this;
        }

        /**
         * The heartbeat TTL of registered instances, in whole seconds: the registry sends a heartbeat every TTL, and
         * the server marks an instance unhealthy after three TTLs without one. Defaults to 5 s.
         *
         * @param ttl 1 to 60 whole seconds
         * @return this builder
         * @throws IllegalArgumentException if it is out of range or not whole seconds
         */
        public Builder ttl(Duration ttl) {
            Objects.requireNonNull(ttl, "ttl");
            if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(MAX_TTL) > 0 || ttl.toNanosPart() != 0) {
                throw new IllegalArgumentException("ttl must be 1 to 60 whole seconds, got " + ttl);
            }
            this.ttl = ttl;
            return this;
        }

        /**
         * The weight instances are registered with. Defaults to {@value PolarisRegistry#DEFAULT_WEIGHT}.
         *
         * @param weight 1 to {@value PolarisRegistry#MAX_WEIGHT}
         * @return this builder
         * @throws IllegalArgumentException if it is out of range (a weight of 0 takes the instance out of Polaris'
         *     load balancing)
         */
        public Builder weight(int weight) {
            if (weight < 1 || weight > MAX_WEIGHT) {
                throw new IllegalArgumentException("weight must be 1 to " + MAX_WEIGHT + ", got " + weight);
            }
            this.weight = weight;
            return this;
        }

        /**
         * The location instances are registered with. Default none (the SDK's location provider may fill it).
         *
         * @param location region, zone, campus
         * @return this builder
         */
        public Builder location(Location location) {
            this.location = Objects.requireNonNull(location, "location");
            return this;
        }

        /**
         * The bound of every call to Polaris (the SDK's {@code global.api.timeout} of an SDK this registry builds).
         * Defaults to 10 s.
         *
         * @param timeout a positive duration
         * @return this builder
         * @throws IllegalArgumentException if it is not positive
         */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = requirePositive("callTimeout", timeout);
            return this;
        }

        /**
         * Where the SDK may write: its cache backup ({@code backup/}, only with {@link #persistCache}) and its log
         * files ({@code logs/}, only when Logback or Log4j 2 is on the class path, and only if the application has
         * not set the system property {@code polaris.log.home}). Defaults to {@code registry4j-polaris} in
         * {@code java.io.tmpdir}; never the working directory, which is the SDK's own default.
         *
         * @param directory the directory; created by the SDK when needed
         * @return this builder
         */
        public Builder sdkDirectory(Path directory) {
            this.sdkDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /**
         * Whether the SDK backs its service cache up to disk under the {@linkplain #sdkDirectory SDK directory} and
         * reads it at start. Defaults to false: a stale backup would leak one run's instances into the next.
         *
         * @param persist true to persist
         * @return this builder
         */
        public Builder persistCache(boolean persist) {
            this.persistCache = persist;
            return this;
        }

        /**
         * Makes discovery return unhealthy and isolated instances too, in {@code getService} and watchers alike.
         * Defaults to false: only healthy, not isolated instances.
         *
         * @param includeUnhealthy true to include them
         * @return this builder
         */
        public Builder includeUnhealthy(boolean includeUnhealthy) {
            this.includeUnhealthy = includeUnhealthy;
            return this;
        }

        Options options() {
            return options(callTimeout, ttl);
        }

        /**
         * Builds the registry; with server addresses, it creates its SDK context first.
         *
         * @return an open registry
         * @throws IllegalStateException if neither or both of server addresses and an SDK were given
         * @throws RegistryException if the SDK could not be created
         */
        public PolarisRegistry build() {
            SDKContext given = sdkContext;
            if (given != null) {
                if (!serverAddresses.isEmpty() || persistCache || !sdkDirectory.equals(DEFAULT_SDK_DIRECTORY)) {
                    throw new IllegalStateException("an sdkContext was given: serverAddresses, sdkDirectory and "
                            + "persistCache belong to that context, not to the builder");
                }
                PolarisSdk on;
                try {
                    on = PolarisSdk.on(given);
                } catch (RuntimeException e) {
                    throw PolarisErrors.wrap("make the SDK's provider and consumer APIs", e);
                }
                return new PolarisRegistry(this, on, null);
            }
            if (serverAddresses.isEmpty()) {
                throw new IllegalStateException("give serverAddresses (such as 127.0.0.1:8091) or an existing sdk");
            }
            List<String> addresses = List.copyOf(serverAddresses);
            Duration timeout = callTimeout;
            Path directory = sdkDirectory;
            boolean persist = persistCache;
            Supplier<PolarisSdk> factory = () -> {
                try {
                    return PolarisSdk.create(
                            PolarisSdk.configuration(addresses, timeout, directory, persist),
                            directory.resolve("logs"));
                } catch (RuntimeException e) {
                    throw new RegistryException(
                            Kind.UNAVAILABLE,
                            BACKEND,
                            "create a Polaris SDK for " + String.join(",", addresses) + ": " + e.getMessage(),
                            e);
                }
            };
            PolarisSdk created = factory.get();
            try {
                return new PolarisRegistry(this, created, factory);
            } catch (RuntimeException e) {
                created.close();
                throw e;
            }
        }
    }
}
