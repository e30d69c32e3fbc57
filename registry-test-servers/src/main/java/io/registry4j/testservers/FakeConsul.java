package io.registry4j.testservers;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A <b>fake</b> Consul agent (with the catalog it would sync to) in this JVM, on a free loopback port, for tests only.
 * Consul's own server is under the BSL since 1.17 and its modules are not to be used, so this is the one backend whose
 * tests run on a fake; tests that use it say "fake Consul" in their display names, and
 * {@code REGISTRY4J_TEST_CONSUL=host:port} runs them against a real agent instead (see {@link ConsulServer}).
 *
 * <p>What it reproduces, from Consul's HTTP API documentation and its {@code agent} sources (research note
 * {@code consul-client.md}): the endpoints a registry uses ({@code PUT /v1/agent/service/register} and
 * {@code deregister/<id>}, {@code PUT /v1/agent/check/{pass,warn,fail}/<id>} and {@code update/<id>},
 * {@code GET /v1/health/service/<name>}, {@code GET /v1/catalog/services}, {@code /v1/catalog/datacenters},
 * {@code /v1/agent/services}, {@code /v1/agent/checks}, {@code /v1/status/leader}, {@code /v1/agent/self}) with their
 * status codes and plain-text error bodies; PascalCase JSON; {@code X-Consul-Index} (never 0),
 * {@code X-Consul-KnownLeader} and {@code X-Consul-LastContact} on reads; 405 with {@code Allow} for a wrong method,
 * 404 for an unknown path; the token as {@code ?token=}, {@code X-Consul-Token} or {@code Authorization: Bearer} (the
 * query parameter wins), with 403 when ACLs are on and the token is wrong; default IDs and check IDs
 * ({@code service:<id>}, {@code service:<id>:<n>}); checks that start critical unless given a status; old checks kept on
 * re-registration unless {@code replace-existing-checks}; the meta limits; {@code lan_ipv4}/{@code wan_ipv4} tagged
 * addresses added for an IP service address; blocking queries ({@code index}, {@code wait} defaulting to 5 min,
 * capped at 10 min, plus up to wait/16 of jitter; a request above the current index waits out its time) with
 * spurious wake-ups that return the same index; TTL checks that turn critical with "TTL expired" output, a reaper
 * every 30 s that deregisters a service whose check was critical longer than its
 * {@code DeregisterCriticalServiceAfter}, floored at 1 minute; and TCP and HTTP checks, run for real.
 *
 * <p>Faults: {@link #stop()}/{@link #start()} (an outage, state kept), {@link #restartEmpty()} (an agent restarted
 * without state, its index restarting low), {@link #removeService} (a service reaped or deleted behind the client's
 * back), {@link #lowerIndex} (a snapshot restore), {@link #putRawService} (an entry no agent would accept, for garbage
 * scenarios), {@link #spuriousWakeUp()} and {@link #hold} (requests kept waiting: a slow agent).
 *
 * <p>What it does not model: servers, Raft, gossip and anti-entropy (the agent's state is the catalog, in sync at
 * once), other nodes, ACL policies (one token allows everything), Connect, KV, sessions, prepared queries, script and
 * gRPC checks, the {@code filter} and {@code near} parameters, and per-table indexes beyond one index per service name.
 *
 * <p>Time for TTLs, check intervals and the reaper comes from an injectable {@link Clock}; with
 * {@link Builder#manualTicks()} nothing runs until a test calls {@link #tick()}. Blocking queries wait in real time.
 * Thread-safe.
 */
public final class FakeConsul implements InProcessFake {
    /** The datacenter the fake belongs to. */
    public static final String DATACENTER = "dc1";

    /** The node name the fake runs as. */
    public static final String NODE = "fake-consul";

    private static final String NODE_ID = "5f3a4e5c-0000-4000-8000-fa4ec0a5a1e0";
    private static final Pattern GO_DURATION = Pattern.compile("(\\d+(?:\\.\\d*)?)(ns|us|\\u00b5s|ms|s|m|h)");
    private static final Pattern META_KEY = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Set<String> STATUSES = Set.of("passing", "warning", "critical");

    private final Clock clock;
    private final Duration tickInterval;
    private final boolean manualTicks;
    private final Duration reapInterval;
    private final Duration deregisterFloor;
    private final Duration defaultWait;
    private final Duration maxWait;
    private final double spuriousWakeUps;
    private final @Nullable String aclToken;

    private final Object lock = new Object();
    private final Map<String, Service> services = new LinkedHashMap<>(); // guarded by lock
    private final Map<String, Check> checks = new LinkedHashMap<>(); // guarded by lock
    private final Map<String, Long> nameIndex = new ConcurrentHashMap<>(); // written under lock
    private long index; // guarded by lock
    private long wakeGeneration; // guarded by lock
    private long dropGeneration; // guarded by lock
    private long lastReap; // guarded by lock
    private boolean running; // guarded by lock

    private final Set<String> tokenForms = ConcurrentHashMap.newKeySet();
    private final Deque<String> requests = new ArrayDeque<>(); // guarded by itself
    private final RequestHolds holds = new RequestHolds();
    private final AtomicInteger threads = new AtomicInteger();
    private int port;
    private @Nullable HttpServer server;
    private @Nullable ExecutorService executor;
    private @Nullable ScheduledExecutorService ticker;

    /** A service as the agent holds it: its JSON as answered in {@code Service} of a health entry. */
    private static final class Service {
        final String id;
        final String name;
        final Map<String, Object> json;

        Service(String id, String name, Map<String, Object> json) {
            this.id = id;
            this.name = name;
            this.json = json;
        }
    }

    /** A check as the agent holds it. */
    private static final class Check {
        String id = "";
        String name = "";
        String serviceId = "";
        String serviceName = "";
        String type = "";
        String status = "critical";
        String output = "";
        String notes = "";
        long ttlMillis;
        long intervalMillis;
        long timeoutMillis = 10_000;

        @Nullable
        String tcp;

        @Nullable
        String http;

        String method = "GET";
        long deregisterAfterMillis;
        long criticalSince;
        long ttlDeadline;
        long nextRun;
        long createIndex;
        long modifyIndex;
    }

    private FakeConsul(Builder b) {
        this.clock = b.clock;
        this.tickInterval = b.tickInterval;
        this.manualTicks = b.manualTicks;
        this.reapInterval = b.reapInterval;
        this.deregisterFloor = b.deregisterFloor;
        this.defaultWait = b.defaultWait;
        this.maxWait = b.maxWait;
        this.spuriousWakeUps = b.spuriousWakeUps;
        this.aclToken = b.aclToken;
        this.index = 10; // a fresh agent has applied a few raft entries of its own
        this.lastReap = clock.millis();
    }

    /**
     * Starts a fake with these settings on a free loopback port.
     *
     * @param builder the settings
     * @return the running fake
     */
    public static FakeConsul start(Builder builder) {
        FakeConsul f = new FakeConsul(builder);
        f.port = LoopbackPorts.freePort();
        f.start();
        return f;
    }

    /**
     * A builder with the real agent's defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Settings of a fake; the defaults are the real agent's. Not thread-safe. */
    public static final class Builder {
        private Clock clock = Clock.systemUTC();
        private Duration tickInterval = Duration.ofMillis(100);
        private boolean manualTicks;
        private Duration reapInterval = Duration.ofSeconds(30);
        private Duration deregisterFloor = Duration.ofMinutes(1);
        private Duration defaultWait = Duration.ofMinutes(5);
        private Duration maxWait = Duration.ofMinutes(10);
        private double spuriousWakeUps = 0.05;
        private @Nullable String aclToken;

        private Builder() {}

        /**
         * The time source of TTLs, check intervals and the reaper. Default: the system clock.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * How often the fake looks at its timers (in real time). Default 100 ms.
         *
         * @param interval a positive duration
         * @return this builder
         */
        public Builder tickInterval(Duration interval) {
            this.tickInterval = interval;
            return this;
        }

        /**
         * Runs no timer thread: a test calls {@link FakeConsul#tick()} after moving its clock.
         *
         * @return this builder
         */
        public Builder manualTicks() {
            this.manualTicks = true;
            return this;
        }

        /**
         * The reaper's period ({@code CheckReapInterval}). Default 30 s, as the real agent; tests shorten it.
         *
         * @param interval the period
         * @return this builder
         */
        public Builder reapInterval(Duration interval) {
            this.reapInterval = interval;
            return this;
        }

        /**
         * The floor of {@code DeregisterCriticalServiceAfter} ({@code CheckDeregisterIntervalMin}). Default 1 min,
         * as the real agent; tests lower it.
         *
         * @param floor the floor
         * @return this builder
         */
        public Builder deregisterFloor(Duration floor) {
            this.deregisterFloor = floor;
            return this;
        }

        /**
         * The default and the cap of a blocking query's {@code wait}. Defaults 5 min and 10 min, as the real agent.
         *
         * @param defaultWait used when a query gives no wait
         * @param maxWait longer waits are cut to this
         * @return this builder
         */
        public Builder waits(Duration defaultWait, Duration maxWait) {
            this.defaultWait = defaultWait;
            this.maxWait = maxWait;
            return this;
        }

        /**
         * The chance that a blocking query returns early with nothing changed, as real servers may. Default 0.05.
         *
         * @param chance 0 to 1
         * @return this builder
         */
        public Builder spuriousWakeUps(double chance) {
            this.spuriousWakeUps = chance;
            return this;
        }

        /**
         * Turns ACLs on: every request must carry this token, else it gets 403. Default: ACLs off.
         *
         * @param token the one token that is allowed everything
         * @return this builder
         */
        public Builder aclToken(String token) {
            this.aclToken = Objects.requireNonNull(token, "token");
            return this;
        }

        /**
         * Starts the fake on a free loopback port.
         *
         * @return the running fake
         */
        public FakeConsul start() {
            return FakeConsul.start(this);
        }
    }

    // ---- lifecycle and faults ----

    /**
     * The address, {@code 127.0.0.1:port}.
     *
     * @return host and port
     */
    @Override
    public String address() {
        return LoopbackPorts.host() + ":" + port;
    }

    /**
     * Whether it serves.
     *
     * @return true while started
     */
    @Override
    public boolean isRunning() {
        synchronized (lock) {
            return running;
        }
    }

    /** Starts serving again on the same port, with the state it had when it stopped. Does nothing if running. */
    @Override
    public void start() {
        synchronized (lock) {
            if (running) {
                return;
            }
            ExecutorService ex =
                    Executors.newCachedThreadPool(FakeServers.daemon("registry4j-testservers-consul-http-", threads));
            HttpServer s = FakeServers.bind(port, "fake Consul", a -> HttpServer.create(a, 64));
            s.createContext("/", this::handle);
            s.setExecutor(ex);
            s.start();
            server = s;
            executor = ex;
            if (!manualTicks) {
                ScheduledExecutorService t = Executors.newSingleThreadScheduledExecutor(
                        FakeServers.daemon("registry4j-testservers-consul-ticker"));
                long every = Math.max(1, tickInterval.toMillis());
                var unused = t.scheduleWithFixedDelay(this::tickQuietly, every, every, TimeUnit.MILLISECONDS);
                ticker = t;
            }
            running = true;
        }
    }

    /** Stops serving (clients see connection refused); the state is kept for {@link #start()}. Idempotent. */
    @Override
    public void stop() {
        HttpServer s;
        ExecutorService ex;
        ScheduledExecutorService t;
        synchronized (lock) {
            if (!running) {
                return;
            }
            running = false;
            s = server;
            ex = executor;
            t = ticker;
            server = null;
            executor = null;
            ticker = null;
            lock.notifyAll(); // blocked queries end now
        }
        if (t != null) {
            t.shutdownNow();
        }
        if (s != null) {
            s.stop(0);
        }
        if (ex != null) {
            ex.shutdownNow();
        }
    }

    /**
     * Restarts as an agent without a data directory does: everything registered is gone, and the index starts low
     * again (lower than any index a client saw before).
     */
    @Override
    public void restartEmpty() {
        stop();
        synchronized (lock) {
            services.clear();
            checks.clear();
            nameIndex.clear();
            index = 2;
            lastReap = clock.millis();
        }
        start();
    }

    /**
     * Removes a service and its checks, as the reaper or an operator's {@code deregister} would.
     *
     * @param serviceId the service ID
     * @return whether it existed
     */
    public boolean removeService(String serviceId) {
        synchronized (lock) {
            return deregisterLocked(serviceId);
        }
    }

    /**
     * Lowers the index of everything to {@code to}, as restoring an older snapshot does. Blocked queries are not
     * woken: like a real server, they wait out their time, then answer the lower index.
     *
     * @param to the new index, at least 1
     */
    public void lowerIndex(long to) {
        synchronized (lock) {
            index = Math.max(1, to);
            nameIndex.replaceAll((k, v) -> Math.min(v, index));
        }
    }

    /** Wakes every blocked query; they answer with their unchanged index, as real servers may. */
    public void spuriousWakeUp() {
        synchronized (lock) {
            wakeGeneration++;
            lock.notifyAll();
        }
    }

    /**
     * Cuts the connection of every blocked query without an answer, as a proxy or a network fault would; the agent
     * itself stays up.
     */
    public void dropBlockedQueries() {
        synchronized (lock) {
            dropGeneration++;
            lock.notifyAll();
        }
    }

    /**
     * Holds every request that {@code which} matches (given as {@code METHOD path?query}, as {@link #requests()} lists
     * them) before the agent looks at it, until the hold is released: a slow agent or link, for tests of what a client
     * does while its calls are in flight. Requests that arrive after the release pass.
     *
     * @param which the requests to hold
     * @return the hold; {@link RequestHolds.Hold#close()} releases it
     */
    public RequestHolds.Hold hold(Predicate<String> which) {
        return holds.hold(which);
    }

    /**
     * Stores a service entry as given, without the agent's validation, with a passing check: an entry no agent would
     * accept, as if written by a broken tool through the catalog. For garbage scenarios.
     *
     * @param json the {@code Service} object of a health entry; needs string {@code ID} and {@code Service}
     */
    public void putRawService(String json) {
        Object v = HarnessJson.parse(json);
        if (!(v instanceof Map<?, ?> m)
                || !(m.get("ID") instanceof String id)
                || !(m.get("Service") instanceof String n)) {
            throw new IllegalArgumentException("a raw service needs string ID and Service: " + json);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = new LinkedHashMap<>((Map<String, Object>) m);
        synchronized (lock) {
            index++;
            map.put("CreateIndex", index);
            map.put("ModifyIndex", index);
            services.put(id, new Service(id, n, map));
            Check c = new Check();
            c.id = "service:" + id;
            c.name = "Service '" + n + "' check";
            c.serviceId = id;
            c.serviceName = n;
            c.status = "passing";
            c.createIndex = index;
            c.modifyIndex = index;
            c.criticalSince = -1;
            c.ttlDeadline = Long.MAX_VALUE;
            c.nextRun = Long.MAX_VALUE;
            checks.put(c.id, c);
            nameIndex.put(n, index);
            lock.notifyAll();
        }
    }

    /**
     * The status of a check, or null if there is none.
     *
     * @param checkId the check ID
     * @return {@code passing}, {@code warning}, {@code critical} or null
     */
    public @Nullable String checkStatus(String checkId) {
        synchronized (lock) {
            Check c = checks.get(checkId);
            return c == null ? null : c.status;
        }
    }

    /**
     * The IDs of the services the agent holds.
     *
     * @return the IDs, sorted
     */
    public Set<String> serviceIds() {
        synchronized (lock) {
            return new TreeSet<>(services.keySet());
        }
    }

    /**
     * The {@code Service} JSON the fake holds for an ID, as a health entry would carry it.
     *
     * @param serviceId the ID
     * @return the JSON, or null
     */
    public @Nullable String serviceJson(String serviceId) {
        synchronized (lock) {
            Service s = services.get(serviceId);
            return s == null ? null : HarnessJson.write(s.json);
        }
    }

    /**
     * The current index.
     *
     * @return the raft index the fake is at
     */
    public long index() {
        synchronized (lock) {
            return index;
        }
    }

    /**
     * How clients sent their tokens: {@code header} ({@code X-Consul-Token}), {@code bearer} or {@code query}.
     *
     * @return the forms seen
     */
    public Set<String> tokenForms() {
        return Set.copyOf(tokenForms);
    }

    /**
     * The last requests, as {@code METHOD path?query}, oldest first (at most 10,000).
     *
     * @return the requests
     */
    @Override
    public List<String> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return "fake Consul agent at " + address();
    }

    // ---- timers ----

    private void tickQuietly() {
        try {
            tick();
        } catch (RuntimeException e) {
            System.err.println("fake Consul: tick failed: " + e);
        }
    }

    /**
     * Runs the timers once at the clock's current time: TTLs that ran out turn critical, TCP and HTTP checks that are
     * due run, and the reaper runs if its period has passed.
     */
    public void tick() {
        List<Check> due = new ArrayList<>();
        synchronized (lock) {
            long now = clock.millis();
            for (Check c : checks.values()) {
                if (c.type.equals("ttl") && now >= c.ttlDeadline && !c.status.equals("critical")) {
                    setStatus(c, "critical", "TTL expired (last output before timeout follows): " + c.output, now);
                } else if ((c.type.equals("tcp") || c.type.equals("http")) && now >= c.nextRun) {
                    c.nextRun = now + c.intervalMillis;
                    due.add(c);
                }
            }
        }
        for (Check c : due) {
            String[] result = probe(c);
            synchronized (lock) {
                if (checks.get(c.id) == c) {
                    setStatus(c, result[0], result[1], clock.millis());
                }
            }
        }
        synchronized (lock) {
            long now = clock.millis();
            if (now - lastReap >= reapInterval.toMillis()) {
                lastReap = now;
                reapLocked(now);
            }
        }
    }

    private void reapLocked(long now) {
        Set<String> doomed = new LinkedHashSet<>();
        for (Check c : checks.values()) {
            if (c.deregisterAfterMillis > 0 && c.status.equals("critical") && c.criticalSince >= 0) {
                long timeout = Math.max(c.deregisterAfterMillis, deregisterFloor.toMillis());
                if (now - c.criticalSince > timeout) {
                    doomed.add(c.serviceId);
                }
            }
        }
        doomed.forEach(this::deregisterLocked);
    }

    private static String[] probe(Check c) {
        if (c.tcp != null) {
            String target = c.tcp;
            int colon = target.lastIndexOf(':');
            try (Socket s = new Socket()) {
                String host = target.substring(0, colon).replace("[", "").replace("]", "");
                s.connect(new InetSocketAddress(host, Integer.parseInt(target.substring(colon + 1))), (int)
                        Math.max(1, c.timeoutMillis));
                return new String[] {"passing", "TCP connect " + target + ": Success"};
            } catch (IOException | RuntimeException e) {
                return new String[] {"critical", "dial tcp " + target + ": " + e.getMessage()};
            }
        }
        String url = Objects.requireNonNull(c.http);
        try {
            HttpURLConnection conn = (HttpURLConnection) URI.create(url).toURL().openConnection();
            conn.setRequestMethod(c.method);
            conn.setConnectTimeout((int) Math.max(1, c.timeoutMillis));
            conn.setReadTimeout((int) Math.max(1, c.timeoutMillis));
            int code = conn.getResponseCode();
            conn.disconnect();
            String out = "HTTP " + c.method + " " + url + ": " + code;
            if (code >= 200 && code < 300) {
                return new String[] {"passing", out};
            }
            return new String[] {code == 429 ? "warning" : "critical", out};
        } catch (IOException | RuntimeException e) {
            return new String[] {"critical", "Get \"" + url + "\": " + e.getMessage()};
        }
    }

    private void setStatus(Check c, String status, String output, long now) {
        c.output = output;
        if (c.status.equals(status)) {
            return; // output-only changes are not synced at once (check_update_interval), so no new index
        }
        c.status = status;
        c.criticalSince = status.equals("critical") ? now : -1;
        index++;
        c.modifyIndex = index;
        nameIndex.put(c.serviceName, index);
        lock.notifyAll();
    }

    private boolean deregisterLocked(String serviceId) {
        Service s = services.remove(serviceId);
        if (s == null) {
            return false;
        }
        checks.values().removeIf(c -> c.serviceId.equals(serviceId));
        index++;
        nameIndex.put(s.name, index);
        lock.notifyAll();
        return true;
    }

    // ---- HTTP ----

    /** A plain-text error answer. */
    private static final class HttpError extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        final @Nullable String allow;

        HttpError(int status, String message) {
            this(status, message, null);
        }

        HttpError(int status, String message, @Nullable String allow) {
            super(message, null, false, false);
            this.status = status;
            this.allow = allow;
        }
    }

    /** Ends a request without an answer: the connection is closed. */
    private static final class Dropped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Dropped() {
            super("dropped", null, false, false);
        }
    }

    /** An answer: status, JSON or text body, and whether it carries the read headers with this index. */
    private record Answer(int status, String body, long index, boolean json) {}

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            URI uri = exchange.getRequestURI();
            String path = uri.getRawPath();
            synchronized (requests) {
                requests.addLast(method + " " + uri);
                if (requests.size() > 10_000) {
                    requests.removeFirst();
                }
            }
            Map<String, List<String>> query = parseQuery(uri.getRawQuery());
            byte[] bodyBytes;
            try (InputStream in = exchange.getRequestBody()) {
                bodyBytes = in.readAllBytes();
            }
            holds.pass(method + " " + uri);
            Answer answer;
            try {
                checkToken(exchange, query);
                answer = route(method, path, query, new String(bodyBytes, StandardCharsets.UTF_8));
            } catch (HttpError e) {
                if (e.allow != null) {
                    exchange.getResponseHeaders().add("Allow", e.allow);
                }
                answer = new Answer(e.status, String.valueOf(e.getMessage()), 0, false);
            }
            byte[] out = answer.body().getBytes(StandardCharsets.UTF_8);
            var headers = exchange.getResponseHeaders();
            headers.add("Content-Type", answer.json() ? "application/json" : "text/plain; charset=utf-8");
            headers.add("Vary", "Accept-Encoding");
            if (answer.index() > 0) {
                headers.add("X-Consul-Index", Long.toString(Math.max(1, answer.index())));
                headers.add("X-Consul-Knownleader", "true");
                headers.add("X-Consul-Lastcontact", "0");
            }
            exchange.sendResponseHeaders(answer.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                try (OutputStream os = exchange.getResponseBody()) {
                    os.write(out);
                }
            }
        } catch (InterruptedException e) {
            // The fake stopped while the request was held: the connection just closes.
            Thread.currentThread().interrupt();
        } catch (IOException | Dropped e) {
            // The client went away, the fake stopped, or a test dropped the query: the connection just closes.
        } catch (RuntimeException e) {
            // A bug in the fake: the client sees the connection close; say why, for whoever reads the test log.
            System.getLogger(FakeConsul.class.getName())
                    .log(System.Logger.Level.WARNING, "fake Consul: request failed", e);
        }
    }

    private void checkToken(HttpExchange exchange, Map<String, List<String>> query) throws HttpError {
        String token = null;
        String header = exchange.getRequestHeaders().getFirst("X-Consul-Token");
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        if (header != null && !header.isEmpty()) {
            token = header;
            tokenForms.add("header");
        } else if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            token = auth.substring(7).strip();
            tokenForms.add("bearer");
        }
        List<String> q = query.get("token");
        if (q != null && !q.isEmpty() && !q.get(0).isEmpty()) {
            token = q.get(0); // the query parameter wins, as in the agent's parseToken
            tokenForms.add("query");
        }
        if (aclToken == null) {
            return;
        }
        if (token == null || token.isEmpty()) {
            throw new HttpError(403, "Permission denied: anonymous token lacks permission");
        }
        if (!token.equals(aclToken)) {
            throw new HttpError(403, "ACL not found");
        }
    }

    private Answer route(String method, String path, Map<String, List<String>> query, String body) throws HttpError {
        if (path.equals("/v1/agent/service/register")) {
            requireMethod(method, "PUT");
            return register(query, body);
        }
        if (path.startsWith("/v1/agent/service/deregister/")) {
            requireMethod(method, "PUT");
            return deregister(decodeSegment(path.substring("/v1/agent/service/deregister/".length())));
        }
        for (String verb : List.of("pass", "warn", "fail")) {
            String prefix = "/v1/agent/check/" + verb + "/";
            if (path.startsWith(prefix)) {
                requireMethod(method, "PUT");
                String status = verb.equals("pass") ? "passing" : verb.equals("warn") ? "warning" : "critical";
                return updateTtl(decodeSegment(path.substring(prefix.length())), status, first(query, "note", ""));
            }
        }
        if (path.startsWith("/v1/agent/check/update/")) {
            requireMethod(method, "PUT");
            Map<String, Object> update = object(body.isBlank() ? "{}" : body);
            String status = update.get("Status") instanceof String s ? s : "";
            if (!STATUSES.contains(status)) {
                throw new HttpError(400, "Invalid check status: '" + status + "'");
            }
            String output = update.get("Output") instanceof String o ? o : "";
            return updateTtl(decodeSegment(path.substring("/v1/agent/check/update/".length())), status, output);
        }
        if (path.startsWith("/v1/health/service/")) {
            requireMethod(method, "GET");
            return health(decodeSegment(path.substring("/v1/health/service/".length())), query);
        }
        switch (path) {
            case "/v1/catalog/services" -> {
                requireMethod(method, "GET");
                return catalogServices(query);
            }
            case "/v1/catalog/datacenters" -> {
                requireMethod(method, "GET");
                return new Answer(200, HarnessJson.write(List.of(DATACENTER)), 0, true);
            }
            case "/v1/status/leader" -> {
                requireMethod(method, "GET");
                return new Answer(200, "\"" + LoopbackPorts.host() + ":8300\"", 0, true);
            }
            case "/v1/agent/self" -> {
                requireMethod(method, "GET");
                var config = new LinkedHashMap<String, Object>();
                config.put("Datacenter", DATACENTER);
                config.put("NodeName", NODE);
                config.put("NodeID", NODE_ID);
                config.put("Server", true);
                config.put("Version", "fake");
                return new Answer(200, HarnessJson.write(Map.of("Config", config)), 0, true);
            }
            case "/v1/agent/services" -> {
                requireMethod(method, "GET");
                return agentServices();
            }
            case "/v1/agent/checks" -> {
                requireMethod(method, "GET");
                return agentChecks();
            }
            default -> throw new HttpError(404, "Invalid URL path: not a recognized HTTP API endpoint");
        }
    }

    private static void requireMethod(String method, String allowed) throws HttpError {
        if (!method.equals(allowed)) {
            throw new HttpError(405, "method " + method + " not allowed", allowed);
        }
    }

    // ---- agent writes ----

    private Answer register(Map<String, List<String>> query, String body) throws HttpError {
        Map<String, Object> def = object(body);
        String name = str(def, "Name");
        if (name.isEmpty()) {
            throw new HttpError(400, "Missing service name");
        }
        String id = str(def, "ID");
        if (id.isEmpty()) {
            id = name;
        }
        String address = str(def, "Address");
        if (address.equals("0.0.0.0") || address.equals("::") || address.equals("[::]")) {
            throw new HttpError(400, "Invalid service address");
        }
        long port = num(def, "Port");
        List<String> tags = strings(def, "Tags");
        Map<String, String> meta = stringMap(def, "Meta");
        validateMeta(meta);
        Map<String, Object> tagged = taggedAddresses(def);
        if (!address.isEmpty() && (IPV4.matcher(address).matches() || address.contains(":"))) {
            String family = address.contains(":") ? "ipv6" : "ipv4";
            var a = new LinkedHashMap<String, Object>();
            a.put("Address", address);
            a.put("Port", port);
            tagged.putIfAbsent("lan_" + family, a);
            tagged.putIfAbsent("wan_" + family, new LinkedHashMap<>(a));
        }
        List<Map<String, Object>> checkDefs = new ArrayList<>();
        Object single = def.get("Check");
        if (single instanceof Map<?, ?> m) {
            checkDefs.add(cast(m));
        } else if (single != null && single != HarnessJson.NULL) {
            throw new HttpError(400, "Request decode failed: json: cannot unmarshal Check into a check definition");
        }
        Object many = def.get("Checks");
        if (many instanceof List<?> l) {
            for (Object o : l) {
                if (!(o instanceof Map<?, ?> m)) {
                    throw new HttpError(400, "Request decode failed: json: cannot unmarshal Checks into checks");
                }
                checkDefs.add(cast(m));
            }
        } else if (many != null && many != HarnessJson.NULL) {
            throw new HttpError(400, "Request decode failed: json: cannot unmarshal Checks into checks");
        }
        List<Check> newChecks = new ArrayList<>();
        for (int k = 0; k < checkDefs.size(); k++) {
            Map<String, Object> cd = checkDefs.get(k);
            Check c = new Check();
            String cid = str(cd, "CheckID");
            if (cid.isEmpty()) {
                cid = str(cd, "ID");
            }
            if (cid.isEmpty()) {
                // The agent numbers defaulted IDs only when a service has more than one check (Check first).
                cid = "service:" + id + (checkDefs.size() > 1 ? ":" + (k + 1) : "");
            }
            c.id = cid;
            c.name = str(cd, "Name").isEmpty() ? "Service '" + name + "' check" : str(cd, "Name");
            c.serviceId = id;
            c.serviceName = name;
            c.notes = str(cd, "Notes");
            String status = str(cd, "Status");
            if (!status.isEmpty() && !STATUSES.contains(status)) {
                throw new HttpError(400, "Status for checks must 'passing', 'warning', 'critical'");
            }
            c.status = status.isEmpty() ? "" : status;
            String ttl = str(cd, "TTL");
            String tcp = str(cd, "TCP");
            String http = str(cd, "HTTP");
            long interval = duration(cd, "Interval");
            if (!ttl.isEmpty()) {
                c.type = "ttl";
                c.ttlMillis = parseDuration(ttl, "Invalid check: TTL must be a duration");
                if (c.ttlMillis <= 0) {
                    throw new HttpError(400, "Invalid check: TTL must be > 0 for TTL checks");
                }
            } else if (!tcp.isEmpty() || !http.isEmpty()) {
                if (interval <= 0) {
                    throw new HttpError(
                            400,
                            "Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or gRPC checks");
                }
                c.type = tcp.isEmpty() ? "http" : "tcp";
                c.tcp = tcp.isEmpty() ? null : tcp;
                c.http = http.isEmpty() ? null : http;
                c.intervalMillis = interval;
                long timeout = duration(cd, "Timeout");
                c.timeoutMillis = timeout > 0 ? timeout : 10_000;
                if (!str(cd, "Method").isEmpty()) {
                    c.method = str(cd, "Method");
                }
            } else {
                throw new HttpError(
                        400,
                        "Invalid check: Must provide TTL or Script/DockerContainerID/HTTP/H2PING/TCP/UDP/GRPC/AliasNode/"
                                + "AliasService/OSService and Interval");
            }
            c.deregisterAfterMillis = duration(cd, "DeregisterCriticalServiceAfter");
            newChecks.add(c);
        }
        boolean replace = query.containsKey("replace-existing-checks")
                && !first(query, "replace-existing-checks", "true").equals("false");
        synchronized (lock) {
            long now = clock.millis();
            index++;
            Service old = services.get(id);
            var json = new LinkedHashMap<String, Object>();
            json.put("ID", id);
            json.put("Service", name);
            json.put("Tags", tags);
            json.put("Address", address);
            json.put("TaggedAddresses", tagged);
            json.put("Meta", meta);
            json.put("Port", port);
            json.put("Weights", weights(def));
            json.put("EnableTagOverride", def.get("EnableTagOverride") instanceof Boolean b && b);
            json.put("CreateIndex", old == null ? index : old.json.get("CreateIndex"));
            json.put("ModifyIndex", index);
            services.put(id, new Service(id, name, json));
            if (old != null && !old.name.equals(name)) {
                nameIndex.put(old.name, index);
            }
            final String sid = id;
            if (replace) {
                checks.values().removeIf(c -> c.serviceId.equals(sid));
            }
            for (Check c : newChecks) {
                Check existing = checks.get(c.id);
                if (c.status.isEmpty()) {
                    c.status = "critical";
                }
                if (existing != null) { // the agent restores an existing check's status and output, given or not
                    c.status = existing.status;
                    c.output = existing.output;
                }
                c.criticalSince = c.status.equals("critical")
                        ? (existing != null && existing.status.equals("critical") ? existing.criticalSince : now)
                        : -1;
                c.ttlDeadline = c.type.equals("ttl") ? now + c.ttlMillis : Long.MAX_VALUE;
                c.nextRun = c.type.equals("ttl") ? Long.MAX_VALUE : now;
                c.createIndex = existing != null ? existing.createIndex : index;
                c.modifyIndex = index;
                checks.put(c.id, c);
            }
            nameIndex.put(name, index);
            lock.notifyAll();
        }
        return new Answer(200, "", 0, false);
    }

    private Answer deregister(String id) throws HttpError {
        synchronized (lock) {
            if (!deregisterLocked(id)) {
                throw new HttpError(
                        404,
                        "Unknown service ID \"" + id
                                + "\". Ensure that the service ID is passed, not the service name.");
            }
        }
        return new Answer(200, "", 0, false);
    }

    private Answer updateTtl(String checkId, String status, String output) throws HttpError {
        synchronized (lock) {
            Check c = checks.get(checkId);
            if (c == null) {
                throw new HttpError(
                        404,
                        "Unknown check ID \"" + checkId
                                + "\". Ensure that the check ID is passed, not the check name.");
            }
            if (!c.type.equals("ttl")) {
                throw new HttpError(500, "CheckID \"" + checkId + "\" does not have associated TTL");
            }
            long now = clock.millis();
            c.ttlDeadline = now + c.ttlMillis;
            setStatus(c, status, output, now);
        }
        return new Answer(200, "", 0, false);
    }

    // ---- reads ----

    private Answer health(String name, Map<String, List<String>> query) throws HttpError {
        checkDatacenter(query);
        boolean passing = flag(query, "passing");
        List<String> tags = query.getOrDefault("tag", List.of());
        synchronized (lock) {
            long idx = block(query, () -> nameIndex.getOrDefault(name, index));
            var entries = new ArrayList<Object>();
            var sorted = new TreeMap<String, Service>();
            for (Service s : services.values()) {
                if (s.name.equals(name)) {
                    sorted.put(s.id, s);
                }
            }
            for (Service s : sorted.values()) {
                if (!tags.isEmpty() && !(s.json.get("Tags") instanceof List<?> have && have.containsAll(tags))) {
                    continue;
                }
                var entryChecks = new ArrayList<Object>();
                entryChecks.add(serfHealth());
                boolean allPassing = true;
                for (Check c : checks.values()) {
                    if (c.serviceId.equals(s.id)) {
                        entryChecks.add(checkJson(c, s));
                        allPassing &= c.status.equals("passing");
                    }
                }
                if (passing && !allPassing) {
                    continue;
                }
                var entry = new LinkedHashMap<String, Object>();
                entry.put("Node", nodeJson());
                entry.put("Service", s.json);
                entry.put("Checks", entryChecks);
                entries.add(entry);
            }
            return new Answer(200, HarnessJson.write(entries), idx, true);
        }
    }

    private Answer catalogServices(Map<String, List<String>> query) throws HttpError {
        checkDatacenter(query);
        synchronized (lock) {
            long idx = block(query, () -> index);
            var out = new TreeMap<String, Object>();
            out.put("consul", List.of());
            for (Service s : services.values()) {
                @SuppressWarnings("unchecked")
                List<Object> have = (List<Object>) out.computeIfAbsent(s.name, k -> new ArrayList<>());
                if (s.json.get("Tags") instanceof List<?> tags) {
                    for (Object t : tags) {
                        if (!have.contains(t)) {
                            have.add(t);
                        }
                    }
                }
            }
            return new Answer(200, HarnessJson.write(out), idx, true);
        }
    }

    private Answer agentServices() {
        synchronized (lock) {
            var out = new LinkedHashMap<String, Object>();
            for (Service s : services.values()) {
                var j = new LinkedHashMap<>(s.json);
                j.remove("CreateIndex");
                j.remove("ModifyIndex");
                j.put("Datacenter", DATACENTER);
                out.put(s.id, j);
            }
            return new Answer(200, HarnessJson.write(out), 0, true);
        }
    }

    private Answer agentChecks() {
        synchronized (lock) {
            var out = new LinkedHashMap<String, Object>();
            for (Check c : checks.values()) {
                Service s = services.get(c.serviceId);
                out.put(c.id, checkJson(c, s));
            }
            return new Answer(200, HarnessJson.write(out), 0, true);
        }
    }

    /** Waits, holding {@link #lock} (released while waiting), as a blocking query does; returns the index to answer. */
    private long block(Map<String, List<String>> query, java.util.function.LongSupplier current) throws HttpError {
        long requested = parseIndex(query);
        if (requested <= 0) {
            return current.getAsLong();
        }
        long waitMillis = maxWait.toMillis();
        List<String> w = query.get("wait");
        if (w != null && !w.isEmpty() && !w.get(0).isEmpty()) {
            waitMillis = Math.min(parseDuration(w.get(0), "Invalid wait time"), maxWait.toMillis());
        } else {
            waitMillis = Math.min(defaultWait.toMillis(), maxWait.toMillis());
        }
        if (waitMillis / 16 > 0) {
            waitMillis += ThreadLocalRandom.current().nextLong(waitMillis / 16 + 1);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        long spuriousAt = ThreadLocalRandom.current().nextDouble() < spuriousWakeUps
                ? System.nanoTime()
                        + TimeUnit.MILLISECONDS.toNanos(
                                ThreadLocalRandom.current().nextLong(waitMillis + 1))
                : Long.MAX_VALUE;
        long generation = wakeGeneration;
        long drops = dropGeneration;
        while (running && current.getAsLong() <= requested && generation == wakeGeneration && drops == dropGeneration) {
            long now = System.nanoTime();
            long until = Math.min(deadline, spuriousAt);
            if (now - until >= 0) {
                break;
            }
            try {
                lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - now)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!running || drops != dropGeneration) {
            throw new Dropped();
        }
        return current.getAsLong();
    }

    private static long parseIndex(Map<String, List<String>> query) throws HttpError {
        List<String> v = query.get("index");
        if (v == null || v.isEmpty() || v.get(0).isEmpty()) {
            return 0;
        }
        try {
            long i = Long.parseUnsignedLong(v.get(0));
            return i < 0 ? Long.MAX_VALUE : i;
        } catch (NumberFormatException e) {
            throw new HttpError(400, "Invalid index");
        }
    }

    private static void checkDatacenter(Map<String, List<String>> query) throws HttpError {
        String dc = first(query, "dc", "");
        if (!dc.isEmpty() && !dc.equals(DATACENTER)) {
            throw new HttpError(500, "No path to datacenter");
        }
    }

    private Map<String, Object> nodeJson() {
        var tagged = new LinkedHashMap<String, Object>();
        String host = LoopbackPorts.host();
        tagged.put("lan", host);
        tagged.put("lan_ipv4", host);
        tagged.put("wan", host);
        tagged.put("wan_ipv4", host);
        var node = new LinkedHashMap<String, Object>();
        node.put("ID", NODE_ID);
        node.put("Node", NODE);
        node.put("Address", host);
        node.put("Datacenter", DATACENTER);
        node.put("TaggedAddresses", tagged);
        node.put("Meta", Map.of("consul-network-segment", ""));
        node.put("CreateIndex", 5L);
        node.put("ModifyIndex", 5L);
        return node;
    }

    private Map<String, Object> serfHealth() {
        var c = new LinkedHashMap<String, Object>();
        c.put("Node", NODE);
        c.put("CheckID", "serfHealth");
        c.put("Name", "Serf Health Status");
        c.put("Status", "passing");
        c.put("Notes", "");
        c.put("Output", "Agent alive and reachable");
        c.put("ServiceID", "");
        c.put("ServiceName", "");
        c.put("ServiceTags", List.of());
        c.put("Type", "");
        c.put("Definition", Map.of());
        c.put("CreateIndex", 5L);
        c.put("ModifyIndex", 5L);
        return c;
    }

    private static Map<String, Object> checkJson(Check c, @Nullable Service s) {
        var j = new LinkedHashMap<String, Object>();
        j.put("Node", NODE);
        j.put("CheckID", c.id);
        j.put("Name", c.name);
        j.put("Status", c.status);
        j.put("Notes", c.notes);
        j.put("Output", c.output);
        j.put("ServiceID", c.serviceId);
        j.put("ServiceName", c.serviceName);
        j.put("ServiceTags", s != null && s.json.get("Tags") instanceof List<?> t ? t : List.of());
        j.put("Type", c.type);
        j.put("Definition", Map.of());
        j.put("CreateIndex", c.createIndex);
        j.put("ModifyIndex", c.modifyIndex);
        return j;
    }

    // ---- decoding helpers ----

    private static Map<String, Object> object(String body) throws HttpError {
        Object v;
        try {
            v = HarnessJson.parse(body);
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "Request decode failed: " + e.getMessage());
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new HttpError(400, "Request decode failed: json: cannot unmarshal into an object");
        }
        return cast(m);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }

    private static String str(Map<String, Object> m, String key) throws HttpError {
        Object v = m.get(key);
        if (v == null || v == HarnessJson.NULL) {
            return "";
        }
        if (!(v instanceof String s)) {
            throw new HttpError(
                    400,
                    "Request decode failed: json: cannot unmarshal " + typeOf(v) + " into " + key + " of type string");
        }
        return s;
    }

    private static long num(Map<String, Object> m, String key) throws HttpError {
        Object v = m.get(key);
        if (v == null || v == HarnessJson.NULL) {
            return 0;
        }
        if (!(v instanceof Long l)) {
            throw new HttpError(
                    400,
                    "Request decode failed: json: cannot unmarshal " + typeOf(v) + " into " + key + " of type int");
        }
        return l;
    }

    private static String typeOf(Object v) {
        return v instanceof String ? "string" : v instanceof Map ? "object" : v instanceof List ? "array" : "number";
    }

    private static List<String> strings(Map<String, Object> m, String key) throws HttpError {
        Object v = m.get(key);
        if (v == null || v == HarnessJson.NULL) {
            return List.of();
        }
        if (!(v instanceof List<?> l) || !l.stream().allMatch(o -> o instanceof String)) {
            throw new HttpError(400, "Request decode failed: json: cannot unmarshal " + key + " into []string");
        }
        var out = new ArrayList<String>();
        l.forEach(o -> out.add((String) o));
        return out;
    }

    private static Map<String, String> stringMap(Map<String, Object> m, String key) throws HttpError {
        Object v = m.get(key);
        var out = new LinkedHashMap<String, String>();
        if (v == null || v == HarnessJson.NULL) {
            return out;
        }
        if (!(v instanceof Map<?, ?> map)) {
            throw new HttpError(
                    400, "Request decode failed: json: cannot unmarshal " + key + " into map[string]string");
        }
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new HttpError(
                        400, "Request decode failed: json: cannot unmarshal " + key + " into map[string]string");
            }
            out.put((String) e.getKey(), s);
        }
        return out;
    }

    private static Map<String, Object> taggedAddresses(Map<String, Object> def) throws HttpError {
        Object v = def.get("TaggedAddresses");
        var out = new TreeMap<String, Object>(); // Go marshals map keys sorted
        if (v == null || v == HarnessJson.NULL) {
            return out;
        }
        if (!(v instanceof Map<?, ?> map)) {
            throw new HttpError(400, "Request decode failed: json: cannot unmarshal TaggedAddresses");
        }
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof Map<?, ?> a)) {
                throw new HttpError(400, "Request decode failed: json: cannot unmarshal TaggedAddresses");
            }
            var addr = new LinkedHashMap<String, Object>();
            addr.put("Address", str(cast(a), "Address"));
            addr.put("Port", num(cast(a), "Port"));
            out.put((String) e.getKey(), addr);
        }
        return out;
    }

    private static Map<String, Object> weights(Map<String, Object> def) throws HttpError {
        var w = new LinkedHashMap<String, Object>();
        w.put("Passing", 1L);
        w.put("Warning", 1L);
        if (def.get("Weights") instanceof Map<?, ?> given) {
            long p = num(cast(given), "Passing");
            if (p > 0) {
                w.put("Passing", p);
            }
            w.put("Warning", num(cast(given), "Warning"));
        }
        return w;
    }

    private static void validateMeta(Map<String, String> meta) throws HttpError {
        if (meta.size() > 64) {
            throw new HttpError(400, "Invalid Service Meta: Node metadata cannot contain more than 64 key/value pairs");
        }
        for (Map.Entry<String, String> e : meta.entrySet()) {
            String k = e.getKey();
            if (k.isEmpty()) {
                throw new HttpError(400, "Invalid Service Meta: Key cannot be blank");
            }
            if (k.length() > 128) {
                throw new HttpError(400, "Invalid Service Meta: Key is too long (limit: 128 characters)");
            }
            if (!META_KEY.matcher(k).matches()) {
                throw new HttpError(400, "Invalid Service Meta: Key contains invalid characters");
            }
            if (k.startsWith("consul-")) {
                throw new HttpError(400, "Invalid Service Meta: Key prefix 'consul-' is reserved for internal use");
            }
            if (e.getValue().length() > 512) {
                throw new HttpError(400, "Invalid Service Meta: Value is too long (limit: 512 characters)");
            }
        }
    }

    private static long duration(Map<String, Object> m, String key) throws HttpError {
        Object v = m.get(key);
        if (v == null || v == HarnessJson.NULL || "".equals(v)) {
            return 0;
        }
        if (v instanceof Long l) {
            return TimeUnit.NANOSECONDS.toMillis(l); // Go decodes a number as nanoseconds
        }
        if (!(v instanceof String s)) {
            throw new HttpError(400, "Request decode failed: invalid duration in " + key);
        }
        return parseDuration(s, "Request decode failed: time: invalid duration \"" + s + "\"");
    }

    /**
     * Parses a Go duration such as {@code 10s}, {@code 1m30s}, {@code 250ms}.
     *
     * @param text the duration
     * @param error the message of the 400 answer if it is not one
     * @return milliseconds
     */
    static long parseDuration(String text, String error) throws HttpError {
        if (text.equals("0")) {
            return 0;
        }
        Matcher m = GO_DURATION.matcher(text);
        int at = 0;
        double nanos = 0;
        while (at < text.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new HttpError(400, error);
            }
            double n = Double.parseDouble(m.group(1));
            nanos += n
                    * switch (m.group(2)) {
                        case "ns" -> 1;
                        case "us", "\u00b5s" -> 1e3;
                        case "ms" -> 1e6;
                        case "s" -> 1e9;
                        case "m" -> 60e9;
                        default -> 3600e9;
                    };
            at = m.end();
        }
        if (at == 0) {
            throw new HttpError(400, error);
        }
        return (long) (nanos / 1e6);
    }

    private static boolean flag(Map<String, List<String>> query, String name) throws HttpError {
        if (!query.containsKey(name)) {
            return false;
        }
        String v = first(query, name, "").toLowerCase(Locale.ROOT);
        return switch (v) {
            case "", "1", "t", "true" -> true;
            case "0", "f", "false" -> false;
            default -> throw new HttpError(400, "Invalid value for ?" + name + ": " + v);
        };
    }

    private static String first(Map<String, List<String>> query, String name, String fallback) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? fallback : v.get(0);
    }

    private static Map<String, List<String>> parseQuery(@Nullable String raw) {
        var out = new LinkedHashMap<String, List<String>>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq));
            String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
            out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return out;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    private static String decodeSegment(String s) {
        return decode(s.replace("+", "%2B"));
    }
}
