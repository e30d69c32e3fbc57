package io.registry4j.consul;

import io.registry4j.Backoff;
import io.registry4j.RegistryException;
import io.registry4j.ServiceCatalog;
import io.registry4j.ServiceInstance;
import io.registry4j.consul.internal.ConsulInstanceCodec;
import io.registry4j.consul.internal.ConsulServiceWatch;
import io.registry4j.http.internal.ConcurrencyLimit;
import io.registry4j.http.internal.HttpSettings;
import io.registry4j.http.internal.HttpTransport;
import io.registry4j.http.internal.OwnedHttpClient;
import io.registry4j.spi.AbstractServiceRegistry;
import io.registry4j.spi.Calls;
import io.registry4j.spi.RegistryBuilder;
import io.registry4j.spi.ServiceViews;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * A registry on a Consul agent's HTTP API, over the JDK {@link HttpClient}: no Consul client library (the maintained
 * ones cannot write or read a service's {@code TaggedAddresses}, where Kratos keeps its endpoints).
 *
 * <pre>{@code
 * try (var registry = ConsulRegistry.builder()
 *         .address("http://127.0.0.1:8500")
 *         .token(System.getenv("CONSUL_HTTP_TOKEN"))
 *         .build()) {
 *     registry.register(instance);
 *     List<ServiceInstance> orders = registry.getService("orders");
 * }
 * }</pre>
 *
 * <p>Design: an instance is one agent service in Kratos' layout ({@code ID}, {@code Name}, {@code Tags
 * ["version=<v>"]}, {@code Meta}, {@code TaggedAddresses} keyed by scheme with the endpoint URLs, {@code Address} and
 * {@code Port} of the first endpoint; see {@link ConsulInstanceCodec}), with a TTL check {@code service:<id>} of twice
 * the {@linkplain Builder#heartbeatInterval heartbeat interval} and {@code DeregisterCriticalServiceAfter}. Every
 * heartbeat interval the check is passed ({@code PUT /v1/agent/check/pass/service:<id>}), a heartbeat interval after
 * the previous one was answered; heartbeats are sent without blocking, those of different instances in flight
 * together, at most {@linkplain Builder#maxConcurrentHeartbeats 32} at once and the others queued (sent one after
 * the other, a few hundred instances on a loaded machine would outlast their TTL); a 404 there means the agent
 * lost the service (restarted without state, or reaped it after it was critical too long), and the registration
 * keeper registers it again at once and then with backoff, forever, until it is deregistered or the registry closes.
 * Discovery is one blocking query per watched service ({@code GET /v1/health/service/<name>?passing&index=&wait=}),
 * shared by all its watchers: full snapshots, an empty service delivered as empty (Kratos never delivers it), the
 * index reset when it goes backwards, and the last list kept (stale) while the agent cannot be reached. Services
 * registered by other Consul clients, without tagged addresses, read as {@code http://Address:Port}. The ACL token is
 * sent only in the {@code X-Consul-Token} header, never in a URL, and never appears in messages.
 *
 * <p>Bounds: a change reaches watchers as soon as the agent answers the blocking query (milliseconds); a crashed
 * process's instances turn critical, and leave the passing list, one TTL (2 heartbeat intervals) after the last
 * heartbeat, and the agent deregisters them {@code DeregisterCriticalServiceAfter} later (at least 1 min, checked
 * every 30 s).
 *
 * <p>Thread-safe. The registry runs its timers on one scheduler thread ({@code registry4j-consul-scheduler-1}); when it
 * creates its own {@link HttpClient}, that client's work runs on {@code registry4j-consul-http-N} threads, which end
 * when the registry closes. A blocking query holds a connection, not a thread, and so does a heartbeat in flight. A
 * client passed in is never closed.
 */
public final class ConsulRegistry extends AbstractServiceRegistry implements ServiceCatalog {

    /** The backend name, also the URL scheme: {@code consul://host:8500}; {@code consuls://} for TLS. */
    public static final String BACKEND = "consul";

    /** The agent's customary HTTP port: 8500. */
    public static final int DEFAULT_PORT = 8500;

    /** The default agent address: {@code http://127.0.0.1:8500}. */
    public static final URI DEFAULT_ADDRESS = URI.create("http://127.0.0.1:" + DEFAULT_PORT);

    /** Default time between two heartbeats: 10 s; the TTL of the check is twice this. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(10);

    /** Default {@code DeregisterCriticalServiceAfter}: 10 min, as Kratos. */
    public static final Duration DEFAULT_DEREGISTER_AFTER = Duration.ofMinutes(10);

    /**
     * Default bound of heartbeats in flight at once: 32, well within the agent's default limit of 200 concurrent
     * connections per client address (which the blocking queries of watched services share).
     */
    public static final int DEFAULT_MAX_CONCURRENT_HEARTBEATS = 32;

    /** Default {@code wait} of a blocking query: 55 s. */
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(55);

    /** Default bound of every call that is not a blocking query: 10 s. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Options.DEFAULT_CALL_TIMEOUT;

    /** Least time between two requests of one watch: 100 ms. */
    static final Duration MIN_POLL_INTERVAL = Duration.ofMillis(100);

    private static final Pattern DATACENTER = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private final HttpTransport http;
    private final ConcurrencyLimit heartbeats;
    private final @Nullable OwnedHttpClient ownClient;
    private final URI address;
    private final @Nullable String datacenter;
    private final boolean includeUnhealthy;
    private final Duration wait;
    private final ConsulInstanceCodec.Settings settings;

    private ConsulRegistry(Builder b, URI address) {
        super(BACKEND, b.options());
        this.address = address;
        this.datacenter = b.datacenter;
        this.includeUnhealthy = b.includeUnhealthy;
        this.wait = b.wait;
        this.heartbeats = new ConcurrencyLimit(BACKEND, b.maxConcurrentHeartbeats);
        this.settings = new ConsulInstanceCodec.Settings(
                b.heartbeatInterval.multipliedBy(2), b.deregisterAfter, b.endpointCheck, b.heartbeatInterval);
        this.ownClient = b.http.ownClient(BACKEND);
        String token = b.http.token();
        this.http = new HttpTransport(
                BACKEND,
                b.http.client(ownClient),
                List.of(address),
                token == null ? Map.of() : Map.of("X-Consul-Token", token),
                b.http.callTimeout(),
                options().backoff(),
                scheduler(),
                System::nanoTime);
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
     * The agent's base URL.
     *
     * @return the address, such as {@code http://127.0.0.1:8500}
     */
    public URI address() {
        return address;
    }

    /** Percent-encodes a path segment or query value: everything but RFC 3986 unreserved characters and ':'. */
    private static String segment(String s) {
        var out = new StringBuilder(s.length());
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~:".indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                out.append('%')
                        .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    private String healthPath(String service, long index) {
        var p = new StringBuilder("/v1/health/service/").append(segment(service));
        char sep = '?';
        if (!includeUnhealthy) {
            p.append(sep).append("passing");
            sep = '&';
        }
        if (datacenter != null) {
            p.append(sep).append("dc=").append(segment(datacenter));
            sep = '&';
        }
        if (index > 0) {
            p.append(sep).append("index=").append(index).append("&wait=").append(ConsulInstanceCodec.goDuration(wait));
        }
        return p.toString();
    }

    private RegistryException unexpected(String method, HttpTransport.Response r) {
        String hint = r.status() == 403 ? " (check the ACL token: it needs service:write and read access)" : "";
        return new RegistryException(
                HttpTransport.kindOf(r.status()),
                BACKEND,
                method + " " + r.uri() + " answered " + r.status() + hint
                        + (r.body().length == 0 ? "" : ": " + r.bodyText()));
    }

    @Override
    protected void write(ServiceInstance instance) {
        byte[] body;
        try {
            body = ConsulInstanceCodec.encode(instance, settings);
        } catch (IllegalArgumentException e) {
            throw new RegistryException(
                    RegistryException.Kind.INVALID_ARGUMENT,
                    BACKEND,
                    "cannot register " + instance.name() + "/" + instance.id() + ": " + e.getMessage(),
                    e);
        }
        HttpTransport.Response r = http.send("PUT", "/v1/agent/service/register?replace-existing-checks=true", body);
        if (r.status() != 200) {
            throw unexpected("PUT", r);
        }
    }

    /**
     * Passes the instance's TTL check without blocking: at most {@link Builder#maxConcurrentHeartbeats} heartbeats are
     * in flight at once, the others wait their turn in a queue (no thread each), so that the heartbeats of a few
     * hundred instances never queue behind one another on the scheduler thread and outlast their TTL.
     */
    @Override
    protected CompletionStage<Boolean> verifyAsync(ServiceInstance instance) {
        String path =
                "/v1/agent/check/pass/" + segment(ConsulInstanceCodec.checkId(instance.id())) + "?note=registry4j";
        return heartbeats.submit(() -> http.call("PUT", path, null)).handle((r, error) -> {
            if (error != null) {
                Throwable cause = Calls.unwrap(error);
                String m = Objects.requireNonNullElse(cause.getMessage(), "");
                if (cause instanceof RegistryException && m.contains(" answered 500 ") && m.contains("Unknown check")) {
                    return false; // agents before 1.11 answered 500 for an unknown check
                }
                throw cause instanceof RegistryException re ? re : http.failure("PUT", path, cause);
            }
            if (r.status() == 404) {
                return false; // the agent lost the service: restarted without state, or reaped it
            }
            if (r.status() != 200) {
                throw unexpected("PUT", r);
            }
            return true;
        });
    }

    @Override
    protected void remove(ServiceInstance instance) {
        HttpTransport.Response r = http.send("PUT", "/v1/agent/service/deregister/" + segment(instance.id()), null);
        if (r.status() != 200 && r.status() != 404) {
            throw unexpected("PUT", r);
        }
    }

    @Override
    protected List<ServiceInstance> read(String service) {
        HttpTransport.Response r = http.send("GET", healthPath(service, 0), null);
        if (r.status() != 200) {
            throw unexpected("GET", r);
        }
        return decode(service, r);
    }

    private List<ServiceInstance> decode(String service, HttpTransport.Response r) {
        try {
            return ConsulInstanceCodec.decodeHealth(service, r.body(), this::skip);
        } catch (IllegalArgumentException e) {
            throw new RegistryException(
                    RegistryException.Kind.INTERNAL,
                    BACKEND,
                    "GET " + r.uri() + " answered something that is not Consul's JSON: " + e.getMessage(),
                    e);
        }
    }

    @Override
    protected AutoCloseable openWatch(String service, ServiceViews.Sink sink) {
        return new ConsulServiceWatch(
                        service,
                        sink,
                        http,
                        scheduler(),
                        options().backoff(),
                        wait,
                        MIN_POLL_INTERVAL,
                        index -> healthPath(service, index),
                        r -> ConsulInstanceCodec.decodeHealth(service, r.body(), this::skip),
                        System::nanoTime)
                .start();
    }

    /**
     * The names in the catalog ({@code GET /v1/catalog/services}), whatever the health of their instances, Consul's
     * own {@code consul} left out; names registry4j cannot use are skipped.
     *
     * @return the names, sorted
     * @throws RegistryException if the agent did not answer in time
     */
    @Override
    public SortedSet<String> services() {
        HttpTransport.Response r = http.send(
                "GET", "/v1/catalog/services" + (datacenter == null ? "" : "?dc=" + segment(datacenter)), null);
        if (r.status() != 200) {
            throw unexpected("GET", r);
        }
        List<String> names;
        try {
            names = ConsulInstanceCodec.decodeCatalogServices(r.body());
        } catch (IllegalArgumentException e) {
            throw new RegistryException(
                    RegistryException.Kind.INTERNAL,
                    BACKEND,
                    "GET " + r.uri() + " answered something that is not Consul's JSON: " + e.getMessage(),
                    e);
        }
        var out = new TreeSet<String>();
        for (String name : names) {
            try {
                out.add(ServiceInstance.checkName(name));
            } catch (IllegalArgumentException e) {
                skip(name, e);
            }
        }
        return out;
    }

    @Override
    protected void closeClient() {
        heartbeats.close();
        if (ownClient != null) {
            ownClient.close();
        }
    }

    @Override
    public String toString() {
        return "ConsulRegistry[" + address + (datacenter == null ? "" : ", dc=" + datacenter) + "]"
                + (isClosed() ? "[closed]" : "");
    }

    /**
     * Builds a {@link ConsulRegistry}. Not thread-safe; {@link #build()} may be called more than once.
     *
     * <p>Defaults: agent {@code http://127.0.0.1:8500}, the agent's own datacenter, no token, the JDK's TLS defaults,
     * heartbeat every 10 s (TTL 20 s), at most 32 heartbeats in flight at once, {@code DeregisterCriticalServiceAfter}
     * 10 min, no extra endpoint checks, call
     * timeout 10 s, blocking-query wait 55 s, only instances whose checks all pass, {@link Backoff#ofDefaults()}, the
     * UTC system clock, an own scheduler thread and an own {@link HttpClient}.
     */
    public static final class Builder extends RegistryBuilder<Builder> {
        private final HttpSettings http = new HttpSettings("ConsulRegistry", DEFAULT_ADDRESS, DEFAULT_CALL_TIMEOUT);
        private URI address = DEFAULT_ADDRESS;
        private @Nullable String datacenter;
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
        private Duration deregisterAfter = DEFAULT_DEREGISTER_AFTER;
        private ConsulInstanceCodec.EndpointCheck endpointCheck = ConsulInstanceCodec.EndpointCheck.NONE;
        private Duration wait = DEFAULT_WAIT;
        private boolean includeUnhealthy;
        private int maxConcurrentHeartbeats = DEFAULT_MAX_CONCURRENT_HEARTBEATS;

        private Builder() {}

        /**
         * The agent's HTTP address. Defaults to {@code http://127.0.0.1:8500}.
         *
         * @param url an {@code http} or {@code https} URL with host and port, or {@code host:port}
         * @return this builder
         * @throws IllegalArgumentException if it is neither; the message quotes it
         */
        public Builder address(String url) {
            this.address = http.parseAddress(url);
            return this;
        }

        /**
         * The agent's HTTP address.
         *
         * @param url an {@code http} or {@code https} URL with host and port, without path, query or user info
         * @return this builder
         * @throws IllegalArgumentException if it is not
         */
        public Builder address(URI url) {
            this.address = http.checkAddress(url);
            return this;
        }

        /**
         * The datacenter that reads ({@code getService}, watches, {@code services}) ask ({@code ?dc=}). Registration
         * always goes to the local agent. Defaults to the agent's own.
         *
         * @param dc a datacenter name
         * @return this builder
         * @throws IllegalArgumentException if it is not a name like {@code dc1}
         */
        public Builder datacenter(String dc) {
            Objects.requireNonNull(dc, "dc");
            if (!DATACENTER.matcher(dc).matches()) {
                throw new IllegalArgumentException(
                        "ConsulRegistry datacenter must be 1-64 of [A-Za-z0-9_.-], got '" + dc + "'");
            }
            this.datacenter = dc;
            return this;
        }

        /**
         * The ACL token, sent in the {@code X-Consul-Token} header of every request (never as {@code ?token=}, which
         * Consul deprecated, and never in messages). Defaults to none (the agent's default token).
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
         * TLS settings for an {@code https} agent address (trust store, client certificate). Defaults to the JDK's.
         * Ignored when an {@link #httpClient} is given.
         *
         * @param context the TLS context
         * @return this builder
         */
        public Builder sslContext(SSLContext context) {
            http.sslContext(context);
            return this;
        }

        /**
         * How often each registered instance passes its TTL check. Defaults to 10 s; the TTL is twice this.
         *
         * @param interval a positive duration of at least 1 ms
         * @return this builder
         * @throws IllegalArgumentException if it is not positive
         */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = http.positive("heartbeatInterval", interval);
            return this;
        }

        /**
         * How many heartbeats may be in flight at once; the others wait their turn, holding no thread. Heartbeats are
         * sent without blocking, so that those of many instances do not queue behind one another; this bound keeps a
         * burst of them within the agent's connection limit ({@code limits.http_max_conns_per_client}, 200 by
         * default). Defaults to 32.
         *
         * @param max at least 1
         * @return this builder
         * @throws IllegalArgumentException if it is below 1
         */
        public Builder maxConcurrentHeartbeats(int max) {
            if (max < 1) {
                throw new IllegalArgumentException(
                        "ConsulRegistry maxConcurrentHeartbeats must be at least 1, got " + max);
            }
            this.maxConcurrentHeartbeats = max;
            return this;
        }

        /**
         * The checks' {@code DeregisterCriticalServiceAfter}: the agent deregisters an instance whose check has been
         * critical this long (Consul uses at least 1 min). Defaults to 10 min.
         *
         * @param after a positive duration
         * @return this builder
         * @throws IllegalArgumentException if it is not positive
         */
        public Builder deregisterCriticalServiceAfter(Duration after) {
            this.deregisterAfter = http.positive("deregisterCriticalServiceAfter", after);
            return this;
        }

        /**
         * Adds a TCP check per endpoint (Kratos' {@code WithHealthCheck}), run by the agent every heartbeat interval
         * with a 5 s timeout. Off by default.
         *
         * @param enabled true to add them
         * @return this builder
         */
        public Builder tcpCheck(boolean enabled) {
            this.endpointCheck =
                    enabled ? ConsulInstanceCodec.EndpointCheck.TCP : ConsulInstanceCodec.EndpointCheck.NONE;
            return this;
        }

        /**
         * Adds an HTTP check per {@code http}/{@code https} endpoint ({@code GET} of the endpoint URL; 2xx passes)
         * and a TCP check per other endpoint, run by the agent every heartbeat interval. Off by default.
         *
         * @param enabled true to add them
         * @return this builder
         */
        public Builder httpCheck(boolean enabled) {
            this.endpointCheck =
                    enabled ? ConsulInstanceCodec.EndpointCheck.HTTP : ConsulInstanceCodec.EndpointCheck.NONE;
            return this;
        }

        /**
         * Bound of every call that is not a blocking query. Defaults to 10 s.
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
         * The {@code wait} of the blocking queries that watch services: how long the agent may hold one when nothing
         * changes. Defaults to 55 s; Consul caps it at 10 min.
         *
         * @param wait at least 1 s, at most 10 min
         * @return this builder
         * @throws IllegalArgumentException if it is outside that range
         */
        public Builder wait(Duration wait) {
            Objects.requireNonNull(wait, "wait");
            if (wait.compareTo(Duration.ofSeconds(1)) < 0 || wait.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException("ConsulRegistry wait must be from 1s to 10m, got " + wait);
            }
            this.wait = wait;
            return this;
        }

        /**
         * Lists instances whatever the status of their checks, in {@code getService} and watchers alike. Off by
         * default: only instances whose checks all pass ({@code ?passing}).
         *
         * @param include true to list all
         * @return this builder
         */
        public Builder includeUnhealthy(boolean include) {
            this.includeUnhealthy = include;
            return this;
        }

        /**
         * Uses this HTTP client (for its proxy, TLS or executor) instead of creating one. The registry never closes
         * it. Requests still carry their own timeouts and headers.
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
        public ConsulRegistry build() {
            return new ConsulRegistry(this, address);
        }
    }
}
