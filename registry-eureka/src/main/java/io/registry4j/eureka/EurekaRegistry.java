package io.registry4j.eureka;

import io.registry4j.Backoff;
import io.registry4j.RegistryException;
import io.registry4j.ServiceCatalog;
import io.registry4j.ServiceInstance;
import io.registry4j.eureka.internal.EurekaHttp;
import io.registry4j.eureka.internal.EurekaInstanceCodec;
import io.registry4j.eureka.internal.EurekaRecord;
import io.registry4j.eureka.internal.EurekaRefresher;
import io.registry4j.http.internal.ConcurrencyLimit;
import io.registry4j.http.internal.HttpTransport;
import io.registry4j.http.internal.OwnedHttpClient;
import io.registry4j.spi.AbstractServiceRegistry;
import io.registry4j.spi.RegistryBuilder;
import io.registry4j.spi.ServiceViews;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A registry on Eureka's REST API, the one Netflix's Eureka server and Spring Cloud Netflix servers expose, over the
 * JDK {@link HttpClient} and Jackson: no Jersey, no Netflix client, none of its 30-second caches or thread pools.
 *
 * <pre>{@code
 * try (var registry = EurekaRegistry.builder()
 *         .server("http://eureka-1:8761")
 *         .server("http://eureka-2:8761") // failover, in order
 *         .build()) {
 *     registry.register(instance);
 *     List<ServiceInstance> orders = registry.getService("orders");
 * }
 * }</pre>
 *
 * <p>Design: each endpoint of an instance is one Eureka instance of app {@code NAME} (the name upper-cased), with the
 * registry4j id, name, version and that endpoint in its own metadata map (see {@link #instanceIdOf}); reading merges
 * them back into exactly the registered instance, and instances registered by other Eureka clients read as
 * {@code http(s)://ipAddr:port}. Liveness is Eureka's lease: every {@linkplain Builder#renewInterval renew interval}
 * each endpoint is renewed with {@code PUT} and the {@code lastDirtyTimestamp} it was registered with; a 404 means the
 * server forgot it (a restart, an eviction, a delete), and it is registered again at once and then with backoff,
 * forever, until it is deregistered or the registry closes. Registration always writes: it never skips because an
 * old copy still looks {@code UP} (Kratos' bug, which left restarted services unregistered). Discovery is one
 * refresh loop per registry: watched services are polled every {@linkplain Builder#refreshInterval refresh
 * interval}, app by app when few are watched and through {@code /apps/delta} with Eureka's hash check when many are,
 * and watchers hear of real changes only, after the view is updated. By default only {@code UP} instances are
 * listed, by {@code getService} and watchers alike. Servers are tried in order with failover, sticking to the one
 * that answers, as Eureka's own clients do.
 *
 * <p>Bounds: a change reaches other clients' watchers within the refresh interval (plus the server's response cache
 * interval on servers that keep the read-only cache on, 30 s by default on Spring Cloud servers); a crashed process's
 * instances disappear when their lease expires, the lease duration after the last renewal (twice that on Netflix
 * servers, whose lease arithmetic adds the duration once more, plus their eviction interval).
 *
 * <p>Thread-safe. The registry runs its timers on one scheduler thread ({@code registry4j-eureka-scheduler-1}); when
 * it creates its own {@link HttpClient}, that client's work runs on {@code registry4j-eureka-http-N} threads, which
 * end when the registry closes. A client passed in is used as it is and never closed.
 */
public final class EurekaRegistry extends AbstractServiceRegistry implements ServiceCatalog {

    /** The backend name, also the URL scheme: {@code eureka://host:8761/eureka}; {@code eurekas://} for TLS. */
    public static final String BACKEND = "eureka";

    /** The path of the REST API on Spring Cloud servers, the default: {@code /eureka}. */
    public static final String DEFAULT_PATH_PREFIX = "/eureka";

    /** The path of the REST API in Netflix's war: {@code /eureka/v2}. */
    public static final String NETFLIX_PATH_PREFIX = "/eureka/v2";

    /** Eureka's customary port, used when a server URL names none: 8761. */
    public static final int DEFAULT_PORT = 8761;

    /** Default time between two lease renewals: 10 s. */
    public static final Duration DEFAULT_RENEW_INTERVAL = Duration.ofSeconds(10);

    /**
     * Default lease duration, after which the server may evict an instance that was not renewed: 30 s, or three renew
     * intervals if that is longer.
     */
    public static final Duration DEFAULT_LEASE_DURATION = Duration.ofSeconds(30);

    /** Default time between two reads of the watched services: 5 s. */
    public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofSeconds(5);

    /** Default bound of every call to the server, failover included: 10 s. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Options.DEFAULT_CALL_TIMEOUT;

    /**
     * Default of {@link Builder#perAppLimit}: up to this many watched apps are read one by one; more are followed
     * through {@code /apps/delta}.
     */
    public static final int DEFAULT_PER_APP_LIMIT = 8;

    /** Default bound of renewals in flight at once: 32. */
    public static final int DEFAULT_MAX_CONCURRENT_RENEWALS = 32;

    private static final System.Logger LOG = System.getLogger(EurekaRegistry.class.getName());

    private final EurekaHttp http;
    private final EurekaRefresher refresher;
    private final @Nullable OwnedHttpClient ownClient;
    private final List<URI> servers;
    private final int renewalSeconds;
    private final int durationSeconds;
    private final boolean includeUnhealthy;
    private final Map<String, Registration> registrations = new ConcurrentHashMap<>();
    private final AtomicLong lastRevision = new AtomicLong();
    private final ConcurrencyLimit renewalLimit;

    /** What this registry wrote for one instance: its Eureka instance ids and the revision they carry. */
    private record Registration(String app, List<String> instanceIds, long revision) {}

    private EurekaRegistry(
            Builder b, List<URI> servers, @Nullable String username, @Nullable String password, Duration lease) {
        super(BACKEND, b.options());
        this.servers = servers;
        this.renewalSeconds = wholeSeconds(b.renewInterval);
        this.durationSeconds = wholeSeconds(lease);
        this.includeUnhealthy = b.includeUnhealthy;
        this.renewalLimit = new ConcurrencyLimit(BACKEND, b.maxConcurrentRenewals);
        HttpClient client = b.httpClient;
        if (client == null) {
            ownClient = new OwnedHttpClient(BACKEND, b.callTimeout, null);
            client = ownClient.client();
        } else {
            ownClient = null;
        }
        this.http = new EurekaHttp(
                BACKEND,
                client,
                servers,
                username,
                password,
                b.callTimeout,
                options().backoff(),
                scheduler(),
                System::nanoTime);
        this.refresher = new EurekaRefresher(
                BACKEND, http, scheduler(), b.refreshInterval, b.perAppLimit, includeUnhealthy, new Skipper(this));
    }

    /** Forwards skipped entries without letting {@code this} escape the constructor through a method reference. */
    private static final class Skipper implements EurekaInstanceCodec.Skipper {
        private final EurekaRegistry registry;

        Skipper(EurekaRegistry registry) {
            this.registry = registry;
        }

        @Override
        public void skip(String key, Exception reason) {
            registry.skip(key, reason);
        }
    }

    private static int wholeSeconds(Duration d) {
        long ms = d.toMillis();
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (ms + 999) / 1000));
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
     * The base URLs of the servers, in the order they are tried, such as {@code http://10.0.0.1:8761/eureka}.
     *
     * @return the servers
     */
    public List<URI> servers() {
        return servers;
    }

    /**
     * The Eureka instance id under which an endpoint of an instance is registered: {@code <id>:<scheme>:<host>:<port>},
     * with a hash appended when a part needs escaping or the name has upper-case letters; stable and unique per
     * service, id and endpoint.
     *
     * @param instance the instance
     * @param endpoint one of its endpoints
     * @return the instance id
     */
    public static String instanceIdOf(ServiceInstance instance, URI endpoint) {
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(endpoint, "endpoint");
        if (!instance.endpoints().contains(endpoint)) {
            throw new IllegalArgumentException(
                    "endpoint " + endpoint + " is not one of the instance's endpoints " + instance.endpoints());
        }
        return EurekaInstanceCodec.instanceId(instance, endpoint);
    }

    /** Loop counters, for this module's tests. */
    EurekaRefresher.Stats refreshStats() {
        return refresher.stats();
    }

    private static String key(ServiceInstance instance) {
        return instance.name() + "/" + instance.id();
    }

    private long nextRevision() {
        long now = options().clock().millis();
        return lastRevision.updateAndGet(last -> Math.max(now, last + 1));
    }

    private static String instancePath(String app, String instanceId) {
        return "/apps/" + EurekaInstanceCodec.pathSegment(app) + "/" + EurekaInstanceCodec.pathSegment(instanceId);
    }

    @Override
    protected void write(ServiceInstance instance) {
        String key = key(instance);
        Registration previous = registrations.get(key);
        String app = EurekaInstanceCodec.appName(instance.name());
        long revision = nextRevision();
        var ids = new ArrayList<String>(instance.endpoints().size());
        try {
            for (int i = 0; i < instance.endpoints().size(); i++) {
                String id = EurekaInstanceCodec.instanceId(
                        instance, instance.endpoints().get(i));
                byte[] body = EurekaInstanceCodec.encode(instance, i, revision, renewalSeconds, durationSeconds);
                HttpTransport.Response r = http.send("POST", "/apps/" + EurekaInstanceCodec.pathSegment(app), body);
                if (r.status() != 204 && r.status() != 200) {
                    throw http.unexpected("POST", r);
                }
                ids.add(id);
            }
        } catch (RegistryException e) {
            // Take back what this attempt added; what an earlier registration held stays for its renewals.
            for (String id : ids) {
                if (previous == null || !previous.instanceIds().contains(id)) {
                    deleteQuietly(app, id);
                }
            }
            throw e;
        }
        registrations.put(key, new Registration(app, List.copyOf(ids), revision));
        if (previous != null) {
            for (String old : previous.instanceIds()) {
                if (!ids.contains(old)) {
                    deleteQuietly(previous.app(), old); // an endpoint the update dropped
                }
            }
        }
    }

    /**
     * Renews the instance's Eureka instances (one per endpoint) without blocking: at most {@link
     * Builder#maxConcurrentRenewals} renewals are in flight at once, the others wait their turn in a queue (no thread
     * each), so that the renewals of many instances never queue behind one another on the scheduler thread and
     * outlast their lease.
     */
    @Override
    protected CompletionStage<Boolean> verifyAsync(ServiceInstance instance) {
        Registration registration = registrations.get(key(instance));
        if (registration == null) {
            return CompletableFuture.completedFuture(false);
        }
        List<CompletableFuture<Boolean>> renewals = new ArrayList<>();
        for (String id : registration.instanceIds()) {
            // The timestamp registered with: a newer one would make the server answer 404, an older one is ignored.
            String path =
                    instancePath(registration.app(), id) + "?status=UP&lastDirtyTimestamp=" + registration.revision();
            renewals.add(renewalLimit.submit(() -> http.call("PUT", path, null)).thenApply(r -> {
                if (r.status() == 404) {
                    return false; // the server forgot it; the others are renewed all the same
                }
                if (r.status() != 200) {
                    throw http.unexpected("PUT", r);
                }
                return true;
            }));
        }
        return CompletableFuture.allOf(renewals.toArray(CompletableFuture[]::new))
                .thenApply(done -> renewals.stream().allMatch(CompletableFuture::join));
    }

    /** Renewals sent and not answered yet (the others wait their turn); for tests. */
    int renewalsInFlight() {
        return renewalLimit.inFlight();
    }

    @Override
    protected void remove(ServiceInstance instance) {
        Registration registration = registrations.remove(key(instance));
        String app = EurekaInstanceCodec.appName(instance.name());
        List<String> ids;
        if (registration != null) {
            ids = registration.instanceIds();
        } else {
            ids = new ArrayList<>();
            for (URI endpoint : instance.endpoints()) {
                ids.add(EurekaInstanceCodec.instanceId(instance, endpoint));
            }
        }
        RegistryException first = null;
        for (String id : ids) {
            try {
                HttpTransport.Response r = http.send("DELETE", instancePath(app, id), null);
                if (r.status() != 200 && r.status() != 404) {
                    throw http.unexpected("DELETE", r);
                }
            } catch (RegistryException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private void deleteQuietly(String app, String instanceId) {
        try {
            HttpTransport.Response r = http.send("DELETE", instancePath(app, instanceId), null);
            if (r.status() != 200 && r.status() != 404) {
                throw http.unexpected("DELETE", r);
            }
        } catch (RegistryException e) {
            // Without renewals its lease expires; readers ignore it already, as it carries an older revision.
            LOG.log(Level.DEBUG, "{0}: could not delete {1}/{2}: {3}", BACKEND, app, instanceId, e.getMessage());
        }
    }

    @Override
    protected List<ServiceInstance> read(String service) {
        String app = EurekaInstanceCodec.appName(service);
        HttpTransport.Response r = http.send("GET", "/apps/" + EurekaInstanceCodec.pathSegment(app), null);
        if (r.status() == 404) {
            http.confirmApiNow(); // an unknown app, unless the whole API is not at this path
            return List.of(); // Eureka forgets an app with its last instance
        }
        if (r.status() != 200) {
            throw http.unexpected("GET", r);
        }
        List<EurekaRecord> records;
        try {
            records = EurekaInstanceCodec.parseApplication(r.body());
        } catch (IllegalArgumentException e) {
            throw new RegistryException(
                    RegistryException.Kind.INTERNAL,
                    BACKEND,
                    "GET " + r.uri() + " answered something that is not Eureka's JSON: " + e.getMessage(),
                    e);
        }
        return EurekaInstanceCodec.decode(service, records, includeUnhealthy, this::skip);
    }

    @Override
    protected AutoCloseable openWatch(String service, ServiceViews.Sink sink) {
        return refresher.open(service, sink);
    }

    /**
     * The services with at least one listed instance (only {@code UP} ones unless unhealthy instances are included):
     * registry4j services by their name, others by their Eureka app name in lower case, as Spring Cloud names them.
     *
     * @return the names, sorted
     * @throws RegistryException if no server answered in time
     */
    @Override
    public SortedSet<String> services() {
        HttpTransport.Response r = http.send("GET", "/apps", null);
        if (r.status() != 200) {
            throw http.unexpected("GET", r);
        }
        var names = new TreeSet<String>();
        List<EurekaRecord> records;
        try {
            records = EurekaInstanceCodec.parseApplications(r.body()).records();
        } catch (IllegalArgumentException e) {
            throw new RegistryException(
                    RegistryException.Kind.INTERNAL,
                    BACKEND,
                    "GET " + r.uri() + " answered something that is not Eureka's JSON: " + e.getMessage(),
                    e);
        }
        for (EurekaRecord record : records) {
            if (!includeUnhealthy && !record.isUp()) {
                continue;
            }
            String name = record.metadata().get(EurekaInstanceCodec.NAME);
            if (name == null || record.metadata().get(EurekaInstanceCodec.ID) == null) {
                name = record.app().toLowerCase(Locale.ROOT);
            }
            try {
                names.add(ServiceInstance.checkName(name));
            } catch (IllegalArgumentException e) {
                skip(record.key(), e);
            }
        }
        return names;
    }

    @Override
    protected void closeClient() {
        renewalLimit.close();
        refresher.close();
        if (ownClient != null) {
            ownClient.close(); // lets the HTTP client's last completions finish; its idle threads end now
        }
    }

    @Override
    public String toString() {
        return "EurekaRegistry" + servers + (isClosed() ? "[closed]" : "");
    }

    /**
     * Builds an {@link EurekaRegistry}. Not thread-safe; {@link #build()} may be called more than once.
     *
     * <p>Defaults: path prefix {@value EurekaRegistry#DEFAULT_PATH_PREFIX}, renew interval 10 s, lease duration 30 s
     * (or three renew intervals),
     * refresh interval 5 s, call timeout 10 s, only {@code UP} instances, {@link Backoff#ofDefaults()}, the UTC system
     * clock, an own scheduler thread and an own {@link HttpClient}.
     */
    public static final class Builder extends RegistryBuilder<Builder> {
        private final List<URI> servers = new ArrayList<>();
        private String pathPrefix = DEFAULT_PATH_PREFIX;
        private @Nullable String username;
        private @Nullable String password;
        private Duration renewInterval = DEFAULT_RENEW_INTERVAL;
        private @Nullable Duration leaseDuration;
        private Duration refreshInterval = DEFAULT_REFRESH_INTERVAL;
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private @Nullable HttpClient httpClient;
        private boolean includeUnhealthy;
        private int perAppLimit = DEFAULT_PER_APP_LIMIT;
        private int maxConcurrentRenewals = DEFAULT_MAX_CONCURRENT_RENEWALS;

        private Builder() {}

        /**
         * Adds a server, tried after those added before. A URL with a path, such as
         * {@code http://eureka:8761/eureka/v2}, is used as it is; one without, such as {@code http://eureka:8761},
         * gets the {@linkplain #pathPrefix path prefix}. A port is required; user info ({@code http://u:p@host:8761})
         * sets basic auth unless {@link #basicAuth} is called.
         *
         * @param url an {@code http} or {@code https} URL
         * @return this builder
         * @throws IllegalArgumentException if {@code url} is not such a URL; the message quotes it
         */
        public Builder server(String url) {
            Objects.requireNonNull(url, "url");
            try {
                return server(new URI(url.strip()));
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(
                        "EurekaRegistry server must be a URL like http://eureka:8761, got '" + url + "'", e);
            }
        }

        /**
         * Adds a server; see {@link #server(String)}.
         *
         * @param url an {@code http} or {@code https} URL
         * @return this builder
         * @throws IllegalArgumentException if {@code url} is not such a URL
         */
        public Builder server(URI url) {
            Objects.requireNonNull(url, "url");
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException(
                        "EurekaRegistry server must be an http or https URL, like http://eureka:8761, got '" + url
                                + "'");
            }
            if (url.getHost() == null || url.getPort() < 1) {
                throw new IllegalArgumentException(
                        "EurekaRegistry server must name a host and a port, like http://eureka:8761, got '" + url
                                + "'");
            }
            if (url.getRawQuery() != null || url.getRawFragment() != null) {
                throw new IllegalArgumentException(
                        "EurekaRegistry server must not have a query or fragment, got '" + url + "'");
            }
            servers.add(url);
            return this;
        }

        /**
         * Replaces the servers.
         *
         * @param urls the servers, in the order they are tried; at least one
         * @return this builder
         * @throws IllegalArgumentException if one is not an http or https URL with host and port
         */
        public Builder servers(List<URI> urls) {
            Objects.requireNonNull(urls, "urls");
            servers.clear();
            urls.forEach(this::server);
            return this;
        }

        /**
         * The path of the REST API for servers given without one: {@code /eureka} (the default) for Spring Cloud
         * servers, {@code /eureka/v2} for Netflix's war.
         *
         * @param prefix a path starting with {@code /}, or empty for the root
         * @return this builder
         * @throws IllegalArgumentException if it does not start with {@code /} or has a query
         */
        public Builder pathPrefix(String prefix) {
            Objects.requireNonNull(prefix, "prefix");
            String p = prefix.strip();
            if ((!p.isEmpty() && !p.startsWith("/")) || p.contains("?") || p.contains("#") || p.contains(" ")) {
                throw new IllegalArgumentException(
                        "EurekaRegistry pathPrefix must be a path like /eureka or /eureka/v2, got '" + prefix + "'");
            }
            while (p.endsWith("/")) {
                p = p.substring(0, p.length() - 1);
            }
            this.pathPrefix = p;
            return this;
        }

        /**
         * How many renewals may be in flight at once; the others wait their turn, holding no thread. Renewals are sent
         * without blocking, so that those of many instances do not queue behind one another and outlast their lease;
         * this bound keeps a burst of them (one per endpoint of each instance) within the server's capacity. Defaults
         * to {@value EurekaRegistry#DEFAULT_MAX_CONCURRENT_RENEWALS}.
         *
         * @param max at least 1
         * @return this builder
         * @throws IllegalArgumentException if it is below 1
         */
        public Builder maxConcurrentRenewals(int max) {
            if (max < 1) {
                throw new IllegalArgumentException(
                        "EurekaRegistry maxConcurrentRenewals must be at least 1, got " + max);
            }
            this.maxConcurrentRenewals = max;
            return this;
        }

        /**
         * Sends HTTP basic authentication with every request. Off by default.
         *
         * @param username the user, without {@code :}
         * @param password the password
         * @return this builder
         * @throws IllegalArgumentException if the user contains {@code :}
         */
        public Builder basicAuth(String username, String password) {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(password, "password");
            if (username.indexOf(':') >= 0) {
                throw new IllegalArgumentException(
                        "EurekaRegistry basicAuth username must not contain ':', got '" + username + "'");
            }
            this.username = username;
            this.password = password;
            return this;
        }

        /**
         * How often each registered endpoint renews its lease. Defaults to 10 s. The server is told the interval in
         * whole seconds, rounded up.
         *
         * @param interval a positive duration, shorter than the lease duration
         * @return this builder
         * @throws IllegalArgumentException if it is not positive
         */
        public Builder renewInterval(Duration interval) {
            this.renewInterval = positive("renewInterval", interval);
            return this;
        }

        /**
         * How long the server keeps a lease that is not renewed before it may evict the instance. Defaults to 30 s, or
         * three renew intervals if that is longer. Sent in whole seconds, rounded up; Netflix servers actually wait
         * twice that, plus their eviction interval.
         *
         * @param duration a positive duration, longer than the renew interval
         * @return this builder
         * @throws IllegalArgumentException if it is not positive
         */
        public Builder leaseDuration(Duration duration) {
            this.leaseDuration = positive("leaseDuration", duration);
            return this;
        }

        /**
         * How often the watched services are read. Defaults to 5 s: a change reaches watchers within this time.
         *
         * @param interval a positive duration
         * @return this builder
         * @throws IllegalArgumentException if it is not positive
         */
        public Builder refreshInterval(Duration interval) {
            this.refreshInterval = positive("refreshInterval", interval);
            return this;
        }

        /**
         * Bound of every call to the servers, failover to the next server included. Defaults to 10 s.
         *
         * @param timeout a positive duration
         * @return this builder
         * @throws IllegalArgumentException if it is not positive
         */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = positive("callTimeout", timeout);
            return this;
        }

        /**
         * Uses this HTTP client (for its TLS settings, proxy or executor) instead of creating one. The registry never
         * closes it. Requests still carry their own timeouts and headers.
         *
         * @param client the client
         * @return this builder
         */
        public Builder httpClient(HttpClient client) {
            this.httpClient = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * Lists instances whatever their Eureka status ({@code DOWN}, {@code STARTING}, {@code OUT_OF_SERVICE},
         * {@code UNKNOWN}), in {@code getService} and watchers alike. Off by default: only {@code UP} instances.
         *
         * @param include true to list all
         * @return this builder
         */
        public Builder includeUnhealthy(boolean include) {
            this.includeUnhealthy = include;
            return this;
        }

        /**
         * Up to how many watched apps are read one by one ({@code GET /apps/<APP>} each) per refresh; with more, the
         * registry keeps a copy of the whole registry current through {@code /apps/delta} (one request per refresh,
         * checked with Eureka's hash code). Defaults to {@value EurekaRegistry#DEFAULT_PER_APP_LIMIT}; 0 always uses
         * the delta.
         *
         * @param apps zero or more
         * @return this builder
         * @throws IllegalArgumentException if negative
         */
        public Builder perAppLimit(int apps) {
            if (apps < 0) {
                throw new IllegalArgumentException("EurekaRegistry perAppLimit must be 0 or more, got " + apps);
            }
            this.perAppLimit = apps;
            return this;
        }

        /** The lease duration given, or the default for this renew interval. */
        private static Duration effectiveLease(Duration renew, @Nullable Duration given) {
            if (given != null) {
                return given;
            }
            Duration threeRenewals = renew.multipliedBy(3);
            return threeRenewals.compareTo(DEFAULT_LEASE_DURATION) > 0 ? threeRenewals : DEFAULT_LEASE_DURATION;
        }

        private static Duration positive(String what, Duration d) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("EurekaRegistry " + what + " must be positive, got " + d);
            }
            return d;
        }

        Options options() {
            return options(callTimeout, renewInterval);
        }

        /**
         * Creates the registry. Nothing is sent until the first call.
         *
         * @return the registry
         * @throws IllegalStateException if no server was given
         * @throws IllegalArgumentException if the lease duration is not longer than the renew interval
         */
        public EurekaRegistry build() {
            if (servers.isEmpty()) {
                throw new IllegalStateException(
                        "EurekaRegistry needs at least one server: call server(\"http://eureka:8761\")");
            }
            Duration lease = effectiveLease(renewInterval, leaseDuration);
            if (lease.compareTo(renewInterval) <= 0) {
                throw new IllegalArgumentException("EurekaRegistry leaseDuration (" + lease
                        + ") must be longer than renewInterval (" + renewInterval + ")");
            }
            String user = username;
            String pass = password;
            var bases = new ArrayList<URI>(servers.size());
            for (URI s : servers) {
                String userInfo = s.getRawUserInfo();
                if (userInfo != null && user == null) {
                    int colon = userInfo.indexOf(':');
                    user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
                    pass = colon < 0 ? "" : decode(userInfo.substring(colon + 1));
                }
                String path = s.getRawPath() == null || s.getRawPath().equals("/") ? "" : s.getRawPath();
                if (path.isEmpty()) {
                    path = pathPrefix;
                }
                while (path.endsWith("/")) {
                    path = path.substring(0, path.length() - 1);
                }
                String host = s.getHost();
                bases.add(URI.create(s.getScheme().toLowerCase(Locale.ROOT) + "://" + host + ":" + s.getPort() + path));
            }
            return new EurekaRegistry(this, List.copyOf(bases), user, pass, lease);
        }

        private static String decode(String s) {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        }
    }
}
