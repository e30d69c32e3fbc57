package io.registry4j.servicecomb;

import io.registry4j.Backoff;
import io.registry4j.RegistryException;
import io.registry4j.ServiceCatalog;
import io.registry4j.ServiceInstance;
import io.registry4j.http.internal.ConcurrencyLimit;
import io.registry4j.http.internal.HttpSettings;
import io.registry4j.http.internal.HttpTransport;
import io.registry4j.http.internal.Json;
import io.registry4j.http.internal.OwnedHttpClient;
import io.registry4j.servicecomb.internal.ServiceCombCodec;
import io.registry4j.servicecomb.internal.ServiceCombWatch;
import io.registry4j.spi.AbstractServiceRegistry;
import io.registry4j.spi.Calls;
import io.registry4j.spi.RegistryBuilder;
import io.registry4j.spi.ServiceViews;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * A registry on a ServiceComb service-center, over its REST API and watch websocket with the JDK {@link HttpClient}:
 * no service-center client library (the Java one brings 31 jars and its own threads; see the module README).
 *
 * <pre>{@code
 * try (var registry = ServiceCombRegistry.builder()
 *         .address("http://127.0.0.1:30100")
 *         .appId("shop")
 *         .build()) {
 *     registry.register(instance);
 *     List<ServiceInstance> orders = registry.getService("orders");
 * }
 * }</pre>
 *
 * <p>Design: an instance is a service-center instance of the microservice (appId, serviceName = name, version,
 * environment), found with {@code GET /registry/existence} or created; its {@code properties} hold the metadata and the
 * registry4j id (see {@link ServiceCombCodec}). A push health check of the {@linkplain Builder#heartbeatInterval
 * heartbeat interval} and 3 times is declared, and the instance is kept alive with
 * {@code PUT .../instances/{id}/heartbeat}; an answer {@code 400017} (instance gone: deleted, expired) or {@code 400012}
 * (microservice gone: a server restarted on empty state) makes the registration keeper create what is missing again,
 * at once and then with backoff, forever, until it is deregistered or the registry closes. Discovery reads
 * {@code GET /registry/instances} whole; watches share one websocket per registry on the watcher of the registry's
 * own consumer microservice ({@link Builder#consumerName}, created without instances), fanned out to every watched
 * service, which is read again on each of its events, with a revision poll ({@code 304} when unchanged) as safety net
 * (see {@link ServiceCombWatch}). Nothing is process-wide: appId, environment and the consumer id belong to the
 * registry (Kratos keeps them in package globals).
 *
 * <p>Bounds: a change reaches watchers when the server pushes it (milliseconds), or at the next poll; a crashed
 * process's instances are deleted by service-center {@code interval × (times + 1)} after the last heartbeat (4
 * heartbeat intervals; the server raises the interval to its minimum, 5 s by default).
 *
 * <p>Thread-safe. Timers run on one scheduler thread ({@code registry4j-servicecomb-scheduler-1}); when it creates its
 * own {@link HttpClient}, that client's work (the websocket's too) runs on {@code registry4j-servicecomb-http-N}
 * threads, which end when the registry closes. A client passed in is never closed.
 */
public final class ServiceCombRegistry extends AbstractServiceRegistry implements ServiceCatalog {

    /** The backend name, also the URL scheme: {@code servicecomb://host:30100}; {@code servicecombs://} for TLS. */
    public static final String BACKEND = "servicecomb";

    /** service-center's customary port: 30100. */
    public static final int DEFAULT_PORT = 30100;

    /** The default server: {@code http://127.0.0.1:30100}. */
    public static final URI DEFAULT_ADDRESS = URI.create("http://127.0.0.1:" + DEFAULT_PORT);

    /** Default time between two heartbeats: 10 s (service-center raises anything under its minimum, 5 s). */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(10);

    /** Default bound of heartbeats in flight at once: 32. */
    public static final int DEFAULT_MAX_CONCURRENT_HEARTBEATS = 32;

    /** Default time between two revision polls of a watched service: 30 s. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(30);

    /** Default bound of every call: 10 s. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Options.DEFAULT_CALL_TIMEOUT;

    /** Default name of the microservice whose watcher the registry's websocket is: {@code registry4j-watcher}. */
    public static final String DEFAULT_CONSUMER_NAME = "registry4j-watcher";

    /** The version of the consumer microservice. */
    static final String CONSUMER_VERSION = "0.0.1";

    /** Missed heartbeats service-center tolerates before it deletes an instance. */
    static final int HEARTBEAT_TIMES = 3;

    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9_.-]{0,158}[a-zA-Z0-9])?");
    private static final Pattern ENVIRONMENT = Pattern.compile("development|testing|acceptance|production");

    private final HttpTransport http;
    private final @Nullable OwnedHttpClient ownClient;
    private final List<URI> addresses;
    private final String project;
    private final String appId;
    private final String environment;
    private final String consumerName;
    private final boolean includeAll;
    private final long heartbeatSeconds;
    private final ServiceCombWatch watch;
    private final ConcurrencyLimit heartbeats;
    private final Map<String, String> serviceIds = new ConcurrentHashMap<>(); // name/version -> serviceId
    private final Map<String, Placed> placed = new ConcurrentHashMap<>(); // registry4j id -> where it is
    private final AtomicReference<@Nullable CompletableFuture<String>> consumer = new AtomicReference<>();

    /** Where an instance was written: its microservice and instance ids. */
    private record Placed(String serviceId, String instanceId) {}

    private ServiceCombRegistry(Builder b) {
        super(BACKEND, b.options());
        this.addresses = List.copyOf(b.addresses);
        this.project = b.project;
        this.appId = b.appId;
        this.environment = b.environment;
        this.consumerName = b.consumerName;
        this.includeAll = b.includeAll;
        this.heartbeatSeconds = Math.max(1, (b.heartbeatInterval.toMillis() + 999) / 1000);
        this.heartbeats = new ConcurrencyLimit(BACKEND, b.maxConcurrentHeartbeats);
        this.ownClient = b.http.ownClient(BACKEND);
        var headers = new LinkedHashMap<String, String>();
        headers.put("x-domain-name", "default");
        String token = b.http.token();
        if (token != null) {
            headers.put("Authorization", "Bearer " + token);
        }
        var bases = new ArrayList<URI>();
        for (URI a : addresses) {
            bases.add(URI.create(a + "/v4/" + project + "/registry"));
        }
        this.http = new HttpTransport(
                BACKEND,
                b.http.client(ownClient),
                bases,
                headers,
                b.http.callTimeout(),
                options().backoff(),
                scheduler(),
                System::nanoTime);
        this.watch = new ServiceCombWatch(
                http, scheduler(), options().backoff(), b.pollInterval, headers, appId, new WatchSession());
    }

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The servers, in order of preference.
     *
     * @return their base URLs, such as {@code http://127.0.0.1:30100}
     */
    public List<URI> addresses() {
        return addresses;
    }

    /**
     * The application the registry registers in and reads from.
     *
     * @return the appId
     */
    public String appId() {
        return appId;
    }

    /**
     * How many watch websockets are open: 0 or 1, whatever the number of watched services and watchers.
     *
     * @return the count
     */
    public int watchSockets() {
        return watch.sockets();
    }

    /**
     * How many watch websockets were opened so far, reconnections included.
     *
     * @return the count
     */
    public long watchSocketsOpened() {
        return watch.socketsOpened();
    }

    /** Percent-encodes a query value: everything but RFC 3986 unreserved characters. */
    private static String enc(String s) {
        var out = new StringBuilder(s.length());
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                out.append('%')
                        .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    private String findPath(String service, String rev) {
        return "/instances?appId=" + enc(appId) + "&serviceName=" + enc(service)
                + (environment.isEmpty() ? "" : "&env=" + enc(environment))
                + (rev.isEmpty() ? "" : "&rev=" + enc(rev));
    }

    private RegistryException unexpected(String method, HttpTransport.Response r) {
        String hint = r.status() == 401 || r.status() == 403 ? " (check the token)" : "";
        return new RegistryException(
                HttpTransport.kindOf(r.status()),
                BACKEND,
                method + " " + r.uri() + " answered " + r.status() + hint
                        + (r.body().length == 0 ? "" : ": " + r.bodyText()));
    }

    private static boolean isError(HttpTransport.Response r, String code) {
        return r.status() == 400 && ServiceCombCodec.errorCode(r.body()).equals(code);
    }

    private <T> T await(CompletableFuture<T> f, String what) {
        Duration bound = http.callTimeout().multipliedBy(3);
        return Calls.await(
                f,
                bound,
                BACKEND,
                what,
                cause -> cause instanceof RegistryException re ? re : http.failure("GET", what, cause, bound));
    }

    /** Finds the microservice (appId, name, version, environment), or creates it. */
    private CompletableFuture<String> ensureService(String name, String version) {
        String path = "/existence?type=microservice&appId=" + enc(appId) + "&serviceName=" + enc(name) + "&version="
                + enc(version) + "&env=" + enc(environment);
        return http.call("GET", path, null).thenCompose(r -> {
            if (r.status() == 200) {
                return CompletableFuture.completedFuture(ServiceCombCodec.field(r.body(), "serviceId"));
            }
            if (!isError(r, "400012")) {
                return CompletableFuture.failedFuture(unexpected("GET", r));
            }
            byte[] body = ServiceCombCodec.encodeService(appId, name, version, environment);
            return http.call("POST", "/microservices", body)
                    .thenCompose(c -> c.status() == 200
                            ? CompletableFuture.completedFuture(ServiceCombCodec.field(c.body(), "serviceId"))
                            : CompletableFuture.failedFuture(unexpected("POST", c)));
        });
    }

    private String serviceId(String name, String version) {
        String key = name + "/" + version;
        String id = serviceIds.get(key);
        if (id != null) {
            return id;
        }
        id = await(ensureService(name, version), "find or create microservice " + name + " " + version);
        serviceIds.put(key, id);
        return id;
    }

    private CompletableFuture<String> consumerId() {
        while (true) {
            CompletableFuture<String> f = consumer.get();
            if (f != null && !f.isCompletedExceptionally() && !f.isCancelled()) {
                return f;
            }
            var mine = new CompletableFuture<String>();
            if (consumer.compareAndSet(f, mine)) {
                var unused = ensureService(consumerName, CONSUMER_VERSION).whenComplete((id, e) -> {
                    if (e != null) {
                        consumer.compareAndSet(mine, null);
                        mine.completeExceptionally(Calls.unwrap(e));
                    } else {
                        mine.complete(id);
                    }
                });
                return mine;
            }
        }
    }

    private final class WatchSession implements ServiceCombWatch.Session {
        @Override
        public CompletableFuture<String> consumerId() {
            return ServiceCombRegistry.this.consumerId();
        }

        @Override
        public void consumerLost() {
            CompletableFuture<String> f = consumer.get();
            if (f != null && f.isDone()) {
                consumer.compareAndSet(f, null);
            }
        }

        @Override
        public String findPath(String service, String rev) {
            return ServiceCombRegistry.this.findPath(service, rev);
        }

        @Override
        public List<ServiceInstance> decode(String service, byte[] body) {
            return ServiceCombCodec.decodeInstances(service, body, includeAll, ServiceCombRegistry.this::skip);
        }
    }

    @Override
    protected void write(ServiceInstance instance) {
        String version = ServiceCombCodec.serviceVersion(instance);
        String sid = serviceId(instance.name(), version);
        HttpTransport.Response r = postInstance(instance, sid);
        if (isError(r, "400012")) { // the microservice is gone: create it again
            serviceIds.remove(instance.name() + "/" + version, sid);
            sid = serviceId(instance.name(), version);
            r = postInstance(instance, sid);
        }
        if (r.status() == 400 && ServiceCombCodec.errorCode(r.body()).equals("400001")) {
            throw new RegistryException(
                    RegistryException.Kind.INVALID_ARGUMENT,
                    BACKEND,
                    "service-center refused " + instance.name() + "/" + instance.id() + ": " + r.bodyText());
        }
        if (r.status() != 200) {
            throw unexpected("POST", r);
        }
        String iid = ServiceCombCodec.field(r.body(), "instanceId");
        Placed now = new Placed(sid, iid);
        Placed before = placed.put(instance.id(), now);
        if (before != null && !before.equals(now)) {
            try { // an update that moved to another microservice version: the old instance goes
                http.send("DELETE", "/microservices/" + before.serviceId + "/instances/" + before.instanceId, null);
            } catch (RegistryException e) {
                skip(instance.name() + "/" + instance.id(), e);
            }
        }
    }

    private HttpTransport.Response postInstance(ServiceInstance instance, String sid) {
        byte[] body = ServiceCombCodec.encodeInstance(instance, sid, heartbeatSeconds, HEARTBEAT_TIMES);
        return http.send("POST", "/microservices/" + sid + "/instances", body);
    }

    /**
     * Sends the instance's heartbeat without blocking: at most {@link Builder#maxConcurrentHeartbeats} heartbeats are
     * in flight at once, the others wait their turn in a queue (no thread each), so that the heartbeats of many
     * instances never queue behind one another on the scheduler thread and outlast their lease.
     */
    @Override
    protected CompletionStage<Boolean> verifyAsync(ServiceInstance instance) {
        Placed p = placed.get(instance.id());
        if (p == null) {
            return CompletableFuture.completedFuture(false);
        }
        String path = "/microservices/" + p.serviceId + "/instances/" + p.instanceId + "/heartbeat";
        return heartbeats.submit(() -> http.call("PUT", path, null)).thenApply(r -> {
            if (r.status() == 200) {
                return true;
            }
            if (isError(r, "400012")) {
                serviceIds.remove(instance.name() + "/" + ServiceCombCodec.serviceVersion(instance), p.serviceId);
                return false;
            }
            if (isError(r, "400017")) {
                return false;
            }
            throw unexpected("PUT", r);
        });
    }

    @Override
    protected void remove(ServiceInstance instance) {
        Placed p = placed.remove(instance.id());
        if (p == null) {
            return;
        }
        HttpTransport.Response r =
                http.send("DELETE", "/microservices/" + p.serviceId + "/instances/" + p.instanceId, null);
        if (r.status() != 200 && !isError(r, "400017") && !isError(r, "400012")) {
            throw unexpected("DELETE", r);
        }
    }

    @Override
    protected List<ServiceInstance> read(String service) {
        HttpTransport.Response r = http.send("GET", findPath(service, ""), null);
        if (isError(r, "400012")) {
            return List.of(); // no such microservice: nothing registered under that name
        }
        if (r.status() != 200) {
            throw unexpected("GET", r);
        }
        try {
            return ServiceCombCodec.decodeInstances(service, r.body(), includeAll, this::skip);
        } catch (IllegalArgumentException e) {
            throw new RegistryException(
                    RegistryException.Kind.INTERNAL,
                    BACKEND,
                    "GET " + r.uri() + " answered something that is not service-center's JSON: " + e.getMessage(),
                    e);
        }
    }

    @Override
    protected AutoCloseable openWatch(String service, ServiceViews.Sink sink) {
        return watch.open(service, sink);
    }

    /**
     * The names of the microservices of this registry's application and environment
     * ({@code GET /registry/microservices}), the registry's consumer left out; names registry4j cannot use are
     * skipped.
     *
     * @return the names, sorted
     * @throws RegistryException if the server did not answer in time
     */
    @Override
    public SortedSet<String> services() {
        HttpTransport.Response r = http.send("GET", "/microservices", null);
        if (r.status() != 200) {
            throw unexpected("GET", r);
        }
        var out = new TreeSet<String>();
        Object doc;
        try {
            doc = Json.parse(r.body());
        } catch (IllegalArgumentException e) {
            throw new RegistryException(
                    RegistryException.Kind.INTERNAL,
                    BACKEND,
                    "GET " + r.uri() + " answered something that is not service-center's JSON: " + e.getMessage(),
                    e);
        }
        if (doc instanceof Map<?, ?> m && m.get("services") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> s
                        && appId.equals(s.get("appId"))
                        && environment.equals(Objects.requireNonNullElse(s.get("environment"), ""))
                        && s.get("serviceName") instanceof String name
                        && !name.equals(consumerName)) {
                    try {
                        out.add(ServiceInstance.checkName(name));
                    } catch (IllegalArgumentException e) {
                        skip(name, e);
                    }
                }
            }
        }
        return out;
    }

    @Override
    protected void closeClient() {
        heartbeats.close();
        watch.close();
        if (ownClient != null) {
            ownClient.close();
        }
    }

    @Override
    public String toString() {
        return "ServiceCombRegistry[" + addresses + ", app=" + appId
                + (environment.isEmpty() ? "" : ", env=" + environment) + "]" + (isClosed() ? "[closed]" : "");
    }

    /**
     * Builds a {@link ServiceCombRegistry}. Not thread-safe; {@link #build()} may be called more than once.
     *
     * <p>Defaults: server {@code http://127.0.0.1:30100}, project {@code default}, appId {@code default}, no
     * environment, no token, the JDK's TLS defaults, heartbeat every 10 s, revision poll every 30 s, consumer
     * microservice {@code registry4j-watcher}, call timeout 10 s, only {@code UP} instances, {@link Backoff#ofDefaults()},
     * the UTC system clock, an own scheduler thread and an own {@link HttpClient}.
     */
    public static final class Builder extends RegistryBuilder<Builder> {
        private final HttpSettings http =
                new HttpSettings("ServiceCombRegistry", DEFAULT_ADDRESS, DEFAULT_CALL_TIMEOUT);
        private List<URI> addresses = List.of(DEFAULT_ADDRESS);
        private String project = "default";
        private String appId = "default";
        private String environment = "";
        private String consumerName = DEFAULT_CONSUMER_NAME;
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
        private int maxConcurrentHeartbeats = DEFAULT_MAX_CONCURRENT_HEARTBEATS;
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private boolean includeAll;

        private Builder() {}

        /**
         * One server, or several separated by commas (tried in order; a failed one is skipped for a while).
         *
         * @param urls {@code http(s)://host:port} or {@code host:port}, comma-separated
         * @return this builder
         * @throws IllegalArgumentException if one is not such a URL; the message quotes it
         */
        public Builder address(String urls) {
            return addresses(http.parseAddresses(urls));
        }

        /**
         * The servers, in order of preference (failover).
         *
         * @param urls {@code http} or {@code https} URLs with host and port, without path, query or user info
         * @return this builder
         * @throws IllegalArgumentException if the list is empty or one is not such a URL
         */
        public Builder addresses(List<URI> urls) {
            this.addresses = http.checkAddresses(urls);
            return this;
        }

        /**
         * The project in the API path ({@code /v4/<project>/registry}). Defaults to {@code default}.
         *
         * @param project a name of {@code [A-Za-z0-9_.-]}
         * @return this builder
         * @throws IllegalArgumentException if it is not
         */
        public Builder project(String project) {
            Objects.requireNonNull(project, "project");
            if (!project.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw new IllegalArgumentException(
                        "ServiceCombRegistry project must be 1-64 of [A-Za-z0-9_.-], got '" + project + "'");
            }
            this.project = project;
            return this;
        }

        /**
         * The application of registered microservices, and of the services read. Defaults to {@code default}
         * (Kratos reads it from {@code CAS_APPLICATION_NAME}).
         *
         * @param appId an application name (letters and digits, inner {@code _ - .}, at most 160)
         * @return this builder
         * @throws IllegalArgumentException if service-center would refuse it
         */
        public Builder appId(String appId) {
            Objects.requireNonNull(appId, "appId");
            if (!NAME.matcher(appId).matches()) {
                throw new IllegalArgumentException("ServiceCombRegistry appId must be letters and digits with inner"
                        + " '_', '-' or '.', at most 160, got '" + appId + "'");
            }
            this.appId = appId;
            return this;
        }

        /**
         * The environment of registered microservices and of reads. Defaults to none (Kratos reads it from
         * {@code CAS_ENVIRONMENT_ID}).
         *
         * @param environment empty, {@code development}, {@code testing}, {@code acceptance} or {@code production}
         * @return this builder
         * @throws IllegalArgumentException if it is another value
         */
        public Builder environment(String environment) {
            Objects.requireNonNull(environment, "environment");
            if (!environment.isEmpty() && !ENVIRONMENT.matcher(environment).matches()) {
                throw new IllegalArgumentException("ServiceCombRegistry environment must be empty, development,"
                        + " testing, acceptance or production, got '" + environment + "'");
            }
            this.environment = environment;
            return this;
        }

        /**
         * The microservice (version {@value #CONSUMER_VERSION}, no instances) the registry watches as: service-center
         * pushes changes to a consumer's watcher socket. Defaults to {@code registry4j-watcher}; registries sharing a
         * name share the microservice.
         *
         * @param name a microservice name
         * @return this builder
         * @throws IllegalArgumentException if service-center would refuse it
         */
        public Builder consumerName(String name) {
            Objects.requireNonNull(name, "name");
            if (!NAME.matcher(name).matches() || name.length() > 128) {
                throw new IllegalArgumentException("ServiceCombRegistry consumerName must be letters and digits with"
                        + " inner '_', '-' or '.', at most 128, got '" + name + "'");
            }
            this.consumerName = name;
            return this;
        }

        /**
         * A token, sent as {@code Authorization: Bearer <token>} on every request and the websocket handshake (never
         * in messages). Defaults to none.
         *
         * @param token the token
         * @return this builder
         * @throws IllegalArgumentException if it is blank or holds a control character (its value is not quoted)
         */
        public Builder token(String token) {
            http.token(token);
            return this;
        }

        /**
         * TLS settings for {@code https} servers. Defaults to the JDK's. Ignored when an {@link #httpClient} is given.
         *
         * @param context the TLS context
         * @return this builder
         */
        public Builder sslContext(SSLContext context) {
            http.sslContext(context);
            return this;
        }

        /**
         * How often each registered instance sends a heartbeat; the instance declares this interval (whole seconds,
         * at least 1) and 3 times, so that service-center deletes it 4 intervals after the last one. Defaults to
         * 10 s. service-center raises an interval under its minimum (5 s by default) to that minimum.
         *
         * @param interval a positive duration
         * @return this builder
         * @throws IllegalArgumentException if it is not positive
         */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = http.positive("heartbeatInterval", interval);
            return this;
        }

        /**
         * How many heartbeats may be in flight at once; the others wait their turn, holding no thread. Heartbeats are
         * sent without blocking, so that those of many instances do not queue behind one another and outlast their
         * lease. Defaults to {@value ServiceCombRegistry#DEFAULT_MAX_CONCURRENT_HEARTBEATS}.
         *
         * @param max at least 1
         * @return this builder
         * @throws IllegalArgumentException if it is below 1
         */
        public Builder maxConcurrentHeartbeats(int max) {
            if (max < 1) {
                throw new IllegalArgumentException(
                        "ServiceCombRegistry maxConcurrentHeartbeats must be at least 1, got " + max);
            }
            this.maxConcurrentHeartbeats = max;
            return this;
        }

        /**
         * How often a watched service is read with its revision even without an event (a {@code 304} when
         * unchanged): the safety net under the websocket. Defaults to 30 s.
         *
         * @param interval a positive duration
         * @return this builder
         * @throws IllegalArgumentException if it is not positive
         */
        public Builder pollInterval(Duration interval) {
            this.pollInterval = http.positive("pollInterval", interval);
            return this;
        }

        /**
         * Bound of every call. Defaults to 10 s.
         *
         * @param timeout a positive duration
         * @return this builder
         * @throws IllegalArgumentException if it is not positive
         */
        public Builder callTimeout(Duration timeout) {
            http.callTimeout(timeout);
            return this;
        }

        /**
         * Lists instances whatever their status ({@code DOWN}, {@code STARTING}, {@code TESTING},
         * {@code OUTOFSERVICE}), in {@code getService} and watchers alike. Off by default: only {@code UP}.
         *
         * @param include true to list all
         * @return this builder
         */
        public Builder includeAllStatuses(boolean include) {
            this.includeAll = include;
            return this;
        }

        /**
         * Uses this HTTP client (for its proxy, TLS or executor) instead of creating one. The registry never closes
         * it.
         *
         * @param client the client
         * @return this builder
         */
        public Builder httpClient(HttpClient client) {
            http.httpClient(client);
            return this;
        }

        Options options() {
            return options(http.callTimeout(), heartbeatInterval);
        }

        /**
         * Creates the registry. Nothing is sent until the first call.
         *
         * @return the registry
         */
        public ServiceCombRegistry build() {
            return new ServiceCombRegistry(this);
        }
    }
}
