package io.registry4j.testservers;

import io.registry4j.http.internal.Json;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A <b>fake</b> ServiceComb service-center in this JVM, on a free loopback port, for tests only. The real server is a
 * Go program whose module the Go module proxy reachable here refuses to serve ({@code 403} for every version of
 * {@code github.com/apache/servicecomb-service-center}), so it cannot be built here; tests that use this fake say
 * "fake service-center" in their display names, and {@code REGISTRY4J_TEST_SERVICECOMB=host:port} runs them against
 * a real server (see {@link ServiceCenterServer}).
 *
 * <p>What it reproduces, from service-center's REST API ({@code docs/openapi/v4.yaml}), its validators and its etcd
 * data source (research note {@code test-servers-b.md} §4), under {@code /v4/{project}/registry}:
 * {@code GET /existence?type=microservice} (400 + {@code 400012} when absent); {@code POST /microservices} (the
 * existing id when the key exists and no id was asked, {@code 400010} when another id was asked); {@code GET}, and
 * {@code DELETE ?force=true} of {@code /microservices/{id}}; {@code GET /microservices}; {@code POST},
 * {@code GET} of {@code /microservices/{id}/instances} (an instance registered again with its id is replaced; the
 * instance's {@code version} is the microservice's; status defaults to {@code UP}; a push health check's interval and
 * times are raised to the server's minimum, 5 s and 3 by default); {@code PUT .../heartbeat} and
 * {@code DELETE .../instances/{iid}} ({@code 400017} for an unknown instance); {@code PUT .../properties} and
 * {@code PUT .../status?value=}; {@code GET /instances?appId&serviceName&env&rev} with {@code X-ConsumerId} (the
 * consumer must exist, its environment is used, and the find records the consumer's dependency on the provider),
 * answering {@code X-Resource-Revision} and {@code 304} when {@code rev} is current, {@code 400012} when no
 * microservice has that key; {@code GET /health} and {@code /health/readiness}; the validation of names, versions
 * ({@code x[.y[.z[.w]]]}, each part up to 32767), environments and instance ids ({@code 400001}); errors as HTTP 400
 * with {@code {"errorCode":"<code>","errorMessage","detail"}}; leases ({@code interval × (times + 1)} seconds without
 * a heartbeat deletes the instance); and the watch websocket {@code /microservices/{consumerId}/watcher}, which pushes
 * {@code {"action","key":{appId,serviceName,version,environment},"instance"}} text frames for every change of an
 * instance of a provider the consumer depends on, HTTP and websocket on one port as the real server serves them.
 *
 * <p>Faults: {@link #stop()}/{@link #start()} (an outage, state kept), {@link #restartEmpty()} (a server restarted on
 * an empty etcd), {@link #deleteInstance} (an instance deleted behind the client's back), {@link #dropWebSockets()}
 * (every watch socket cut without a close frame) and {@link #putRawInstance} (an instance no validator would accept).
 *
 * <p>What it does not model: etcd and clustering (state is in memory; a change is visible at once), the
 * {@code version} rule of finds (every version matches, as in service-center 2.x), tags, schemas beyond storing them,
 * rules, quotas, RBAC and tokens (an {@code Authorization} header is accepted whatever it holds), the batch APIs,
 * the websocket heartbeat, aliases, shared (global) services and the governance API. Thread-safe.
 */
public final class FakeServiceCenter implements InProcessFake {
    private static final String WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9]*$|^[a-zA-Z0-9][a-zA-Z0-9_\\-.]*[a-zA-Z0-9]$");
    private static final Pattern INSTANCE_ID = Pattern.compile("^[A-Za-z0-9_.-]*$");
    private static final Pattern ENV = Pattern.compile("^(development|testing|acceptance|production)?$");
    private static final Pattern STATUS = Pattern.compile("^(UP|DOWN|STARTING|TESTING|OUTOFSERVICE)$");

    private final Object lock = new Object();
    private final int minInterval;
    private final int minTimes;
    private final long defaultInterval;
    private final long defaultTimes;
    private final Duration tickInterval;
    private final AtomicInteger threads = new AtomicInteger();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final RequestHolds holds = new RequestHolds();
    private final List<WebSocketConnection> sockets = new CopyOnWriteArrayList<>();
    private final Set<Socket> connections = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final int port;

    // state, guarded by lock
    private final Map<String, Map<String, Object>> services = new LinkedHashMap<>();
    private final Map<String, Map<String, Map<String, Object>>> instances = new HashMap<>(); // serviceId -> iid
    private final Map<String, Long> beats = new HashMap<>(); // serviceId/iid -> nanoTime of the last heartbeat
    private final Map<String, Long> keyRevisions = new HashMap<>(); // project/env/app/name -> revision
    private final Map<String, Set<String>> dependencies = new HashMap<>(); // consumerId -> provider keys
    private long revision = 1;

    private @Nullable ServerSocket server; // guarded by lock
    private @Nullable ExecutorService executor; // guarded by lock
    private @Nullable ScheduledExecutorService ticker; // guarded by lock
    private boolean running; // guarded by lock
    private boolean closed; // guarded by lock

    private FakeServiceCenter(Builder b) {
        this.minInterval = b.minInterval;
        this.minTimes = b.minTimes;
        this.defaultInterval = b.defaultInterval;
        this.defaultTimes = b.defaultTimes;
        this.tickInterval = b.tickInterval;
        this.port = LoopbackPorts.freePort();
    }

    /**
     * Starts a fake with default settings (minimum heartbeat interval 5 s and 3 times, as the real server).
     *
     * @return the running fake
     */
    public static FakeServiceCenter start(Builder builder) {
        return builder.start();
    }

    /**
     * A builder of fakes.
     *
     * @return a builder with the real server's defaults
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Settings of a fake. */
    public static final class Builder {
        private int minInterval = 5;
        private int minTimes = 3;
        private long defaultInterval = 30;
        private long defaultTimes = 3;
        private Duration tickInterval = Duration.ofMillis(200);

        private Builder() {}

        /**
         * The server's {@code registry.instance.minInterval} and {@code minTimes}: a push health check asking for
         * less is raised to these. The real defaults are 5 s and 3.
         *
         * @param seconds the least heartbeat interval, at least 1
         * @param times the least number of missed heartbeats before expiry
         * @return this builder
         */
        public Builder minHealthCheck(int seconds, int times) {
            if (seconds < 1 || times < 0) {
                throw new IllegalArgumentException("minHealthCheck needs seconds >= 1 and times >= 0");
            }
            this.minInterval = seconds;
            this.minTimes = times;
            return this;
        }

        /**
         * The health check of an instance registered without one (service-center's constants: 30 s and 3, so such an
         * instance is deleted 2 minutes after its last heartbeat). Tests that wait for such a lease to run out
         * shorten it here; it must stay above the client's heartbeat interval.
         *
         * @param seconds the interval, at least 1
         * @param times the missed heartbeats tolerated
         * @return this builder
         */
        public Builder defaultHealthCheck(int seconds, int times) {
            if (seconds < 1 || times < 0) {
                throw new IllegalArgumentException("defaultHealthCheck needs seconds >= 1 and times >= 0");
            }
            this.defaultInterval = seconds;
            this.defaultTimes = times;
            return this;
        }

        /**
         * How often leases are checked. Defaults to 200 ms.
         *
         * @param interval a positive duration
         * @return this builder
         */
        public Builder tickInterval(Duration interval) {
            this.tickInterval = Objects.requireNonNull(interval, "interval");
            return this;
        }

        /**
         * Starts the fake.
         *
         * @return the running fake
         */
        public FakeServiceCenter start() {
            var f = new FakeServiceCenter(this);
            f.start();
            return f;
        }
    }

    /**
     * {@code 127.0.0.1:port}.
     *
     * @return the address
     */
    @Override
    public String address() {
        return LoopbackPorts.host() + ":" + port;
    }

    /**
     * Whether it serves.
     *
     * @return true between {@link #start()} and {@link #stop()}
     */
    @Override
    public boolean isRunning() {
        synchronized (lock) {
            return running;
        }
    }

    /** Starts serving on the same port, with the state it had. Does nothing if running. */
    @Override
    public void start() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the fake service-center was closed");
            }
            if (running) {
                return;
            }
            ServerSocket s = FakeServers.bind(port, "fake service-center", FakeServiceCenter::listen);
            ExecutorService ex =
                    Executors.newCachedThreadPool(FakeServers.daemon("registry4j-testservers-servicecomb-", threads));
            ScheduledExecutorService t = Executors.newSingleThreadScheduledExecutor(
                    FakeServers.daemon("registry4j-testservers-servicecomb-leases"));
            long every = Math.max(1, tickInterval.toMillis());
            var unused = t.scheduleWithFixedDelay(this::expireLeases, every, every, TimeUnit.MILLISECONDS);
            ex.execute(() -> accept(s, ex));
            server = s;
            executor = ex;
            ticker = t;
            running = true;
            // leases restart with the server, as the real one renews them from etcd
            long now = System.nanoTime();
            beats.replaceAll((k, v) -> now);
        }
    }

    private static ServerSocket listen(InetSocketAddress address) throws IOException {
        var s = new ServerSocket();
        try {
            s.setReuseAddress(true);
            s.bind(address, 64);
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** Stops serving (clients see connection refused, sockets are cut); the state is kept. Idempotent. */
    @Override
    public void stop() {
        ServerSocket s;
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
        }
        if (t != null) {
            t.shutdownNow();
        }
        closeQuietly(s);
        for (Socket c : connections) {
            closeQuietly(c);
        }
        sockets.clear();
        if (ex != null) {
            ex.shutdownNow();
        }
    }

    /** Restarts as a server on an empty etcd: every microservice, instance and dependency is gone. */
    @Override
    public void restartEmpty() {
        stop();
        synchronized (lock) {
            services.clear();
            instances.clear();
            beats.clear();
            keyRevisions.clear();
            dependencies.clear();
            revision++;
        }
        start();
    }

    /**
     * Deletes an instance behind its owner's back, as {@code DELETE} from another client would, with its watch event.
     *
     * @param serviceId the microservice id
     * @param instanceId the instance id
     * @return whether it existed
     */
    public boolean deleteInstance(String serviceId, String instanceId) {
        List<Runnable> events = new ArrayList<>();
        synchronized (lock) {
            if (!removeInstance(serviceId, instanceId, events)) {
                return false;
            }
        }
        events.forEach(Runnable::run);
        return true;
    }

    /**
     * Deletes every instance whose {@code properties} hold {@code key=value} (how a test finds the instance a
     * registry wrote without knowing its ids).
     *
     * @param key a property key
     * @param value its value
     * @return how many were deleted
     */
    public int deleteInstancesWithProperty(String key, String value) {
        List<Runnable> events = new ArrayList<>();
        int n = 0;
        synchronized (lock) {
            for (var e : new ArrayList<>(instances.entrySet())) {
                for (var i : new ArrayList<>(e.getValue().values())) {
                    if (i.get("properties") instanceof Map<?, ?> p && value.equals(p.get(key))) {
                        removeInstance(e.getKey(), String.valueOf(i.get("instanceId")), events);
                        n++;
                    }
                }
            }
        }
        events.forEach(Runnable::run);
        return n;
    }

    /** Cuts every watch websocket without a close frame, as a dropped connection would. */
    public void dropWebSockets() {
        for (WebSocketConnection c : sockets) {
            closeQuietly(c.socket);
        }
        sockets.clear();
    }

    /**
     * How many watch websockets are open.
     *
     * @return the count
     */
    public int webSockets() {
        return sockets.size();
    }

    /**
     * Stores an instance body as given, bypassing validation (an entry no client could register), under a
     * microservice, with its watch event.
     *
     * @param serviceId an existing microservice id
     * @param instanceJson a JSON object with at least {@code instanceId}
     */
    @SuppressWarnings("unchecked")
    public void putRawInstance(String serviceId, String instanceJson) {
        Map<String, Object> inst = (Map<String, Object>) Json.parse(instanceJson.getBytes(StandardCharsets.UTF_8));
        List<Runnable> events = new ArrayList<>();
        synchronized (lock) {
            Map<String, Object> svc = services.get(serviceId);
            if (svc == null) {
                throw new IllegalArgumentException("no microservice " + serviceId);
            }
            String iid = String.valueOf(inst.get("instanceId"));
            var map = new LinkedHashMap<>(inst);
            map.put("serviceId", serviceId);
            instances.computeIfAbsent(serviceId, k -> new LinkedHashMap<>()).put(iid, map);
            beats.put(serviceId + "/" + iid, System.nanoTime());
            changed(svc, "CREATE", map, events);
        }
        events.forEach(Runnable::run);
    }

    /**
     * Finds or creates a microservice in project {@code default} without environment, as
     * {@code POST /registry/microservices} would.
     *
     * @param appId the application
     * @param serviceName the name
     * @param version a valid version
     * @return its id
     */
    public String createService(String appId, String serviceName, String version) {
        var body = new LinkedHashMap<String, Object>();
        body.put("appId", appId);
        body.put("serviceName", serviceName);
        body.put("version", version);
        synchronized (lock) {
            Answer a = createService("default", Json.write(Map.of("service", body)));
            if (a.status != 200) {
                throw new IllegalArgumentException(new String(a.body, StandardCharsets.UTF_8));
            }
            return String.valueOf(((Map<?, ?>) Json.parse(a.body)).get("serviceId"));
        }
    }

    /**
     * The id of the microservice with this key.
     *
     * @param appId the application
     * @param serviceName the name
     * @param version the version
     * @return the id, or null
     */
    public @Nullable String serviceId(String appId, String serviceName, String version) {
        synchronized (lock) {
            for (var s : services.values()) {
                if (appId.equals(s.get("appId"))
                        && serviceName.equals(s.get("serviceName"))
                        && version.equals(s.get("version"))) {
                    return (String) s.get("serviceId");
                }
            }
            return null;
        }
    }

    /**
     * The stored instances of a microservice, as JSON objects.
     *
     * @param serviceId the microservice id
     * @return copies, in registration order
     */
    public List<Map<String, Object>> instancesOf(String serviceId) {
        synchronized (lock) {
            var out = new ArrayList<Map<String, Object>>();
            for (var i : instances.getOrDefault(serviceId, Map.of()).values()) {
                out.add(new LinkedHashMap<>(i));
            }
            return out;
        }
    }

    /**
     * Holds every request that {@code which} matches (given as {@code METHOD target}, as {@link #requests()} lists
     * them) before the fake looks at it, until the hold is released: a slow server or link, for tests of what a
     * client does while its calls are in flight.
     *
     * @param which the requests to hold
     * @return the hold; {@link RequestHolds.Hold#close()} releases it
     */
    public RequestHolds.Hold hold(Predicate<String> which) {
        return holds.hold(which);
    }

    /**
     * Every request line served so far ({@code METHOD target}), websocket upgrades included.
     *
     * @return a copy
     */
    @Override
    public List<String> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        stop();
        synchronized (lock) {
            closed = true;
        }
    }

    @Override
    public String toString() {
        return "fake service-center at " + address();
    }

    // ---- connections

    private void accept(ServerSocket s, ExecutorService ex) {
        while (!s.isClosed()) {
            Socket c;
            try {
                c = s.accept();
            } catch (IOException e) {
                return;
            }
            connections.add(c);
            try {
                ex.execute(() -> {
                    try {
                        serve(c);
                    } catch (IOException | RuntimeException e) {
                        // the client went away, or the server stops
                    } finally {
                        connections.remove(c);
                        closeQuietly(c);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                closeQuietly(c);
                return;
            }
        }
    }

    private void serve(Socket c) throws IOException {
        c.setTcpNoDelay(true);
        InputStream in = new BufferedInputStream(c.getInputStream());
        OutputStream out = c.getOutputStream();
        while (true) {
            String line = readLine(in);
            if (line == null) {
                return;
            }
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split(" ", -1);
            if (parts.length < 3) {
                return;
            }
            String method = parts[0];
            String target = parts[1];
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String h = readLine(in); h != null && !h.isEmpty(); h = readLine(in)) {
                int colon = h.indexOf(':');
                if (colon > 0) {
                    headers.put(
                            h.substring(0, colon).trim(), h.substring(colon + 1).trim());
                }
            }
            byte[] body = readBody(in, headers);
            requests.add(method + " " + target);
            try {
                holds.pass(method + " " + target);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if ("websocket".equalsIgnoreCase(headers.getOrDefault("Upgrade", ""))) {
                webSocket(c, in, out, target, headers);
                return;
            }
            Answer a;
            try {
                a = handle(method, target, headers, body);
            } catch (RuntimeException e) {
                a = error(500, "500003", "Internal server error.", String.valueOf(e));
            }
            write(out, a);
            if ("close".equalsIgnoreCase(headers.getOrDefault("Connection", ""))) {
                return;
            }
        }
    }

    private static @Nullable String readLine(InputStream in) throws IOException {
        var b = new ByteArrayOutputStream(128);
        int ch;
        while ((ch = in.read()) != -1) {
            if (ch == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(ch);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    private static byte[] readBody(InputStream in, Map<String, String> headers) throws IOException {
        if ("chunked".equalsIgnoreCase(headers.getOrDefault("Transfer-Encoding", ""))) {
            var out = new ByteArrayOutputStream();
            while (true) {
                String size = readLine(in);
                if (size == null) {
                    throw new IOException("truncated chunked body");
                }
                int semi = size.indexOf(';');
                int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (n == 0) {
                    for (String t = readLine(in); t != null && !t.isEmpty(); t = readLine(in)) {
                        // trailers
                    }
                    return out.toByteArray();
                }
                out.write(in.readNBytes(n));
                readLine(in);
            }
        }
        String len = headers.get("Content-Length");
        if (len == null) {
            return new byte[0];
        }
        return in.readNBytes(Integer.parseInt(len.trim()));
    }

    private static final class Answer {
        final int status;
        final byte[] body;
        final Map<String, String> headers;

        Answer(int status, byte[] body, Map<String, String> headers) {
            this.status = status;
            this.body = body;
            this.headers = headers;
        }
    }

    private static void write(OutputStream out, Answer a) throws IOException {
        var h = new StringBuilder("HTTP/1.1 ")
                .append(a.status)
                .append(' ')
                .append(reason(a.status))
                .append("\r\n");
        for (var e : a.headers.entrySet()) {
            h.append(e.getKey()).append(": ").append(e.getValue()).append("\r\n");
        }
        if (a.status != 304) {
            h.append("Content-Type: application/json; charset=UTF-8\r\n");
            h.append("Content-Length: ").append(a.body.length).append("\r\n");
        }
        h.append("\r\n");
        out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (a.status != 304) {
            out.write(a.body);
        }
        out.flush();
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 304 -> "Not Modified";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            default -> "Internal Server Error";
        };
    }

    private static Answer ok(Object body) {
        return new Answer(200, Json.write(body), Map.of());
    }

    private static Answer error(int status, String code, String message, String detail) {
        var m = new LinkedHashMap<String, Object>();
        m.put("errorCode", code);
        m.put("errorMessage", message);
        m.put("detail", detail);
        return new Answer(status, Json.write(m), Map.of());
    }

    private static Answer invalid(String detail) {
        return error(400, "400001", "Invalid parameter(s)", detail);
    }

    private static Answer serviceMissing(String detail) {
        return error(400, "400012", "Micro-service does not exist", detail);
    }

    private static Answer instanceMissing() {
        return error(400, "400017", "Service instance does not exist", "Service instance does not exist.");
    }

    // ---- routes

    private static Map<String, String> query(@Nullable String rawQuery) {
        var q = new LinkedHashMap<String, String>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return q;
        }
        for (String p : rawQuery.split("&", -1)) {
            int eq = p.indexOf('=');
            String k = eq < 0 ? p : p.substring(0, eq);
            String v = eq < 0 ? "" : p.substring(eq + 1);
            q.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
        }
        return q;
    }

    private Answer handle(String method, String target, Map<String, String> headers, byte[] body) {
        int qm = target.indexOf('?');
        String path = qm < 0 ? target : target.substring(0, qm);
        Map<String, String> q = query(qm < 0 ? null : target.substring(qm + 1));
        String[] seg = path.split("/", -1);
        // "", "v4", project, "registry", ...
        if (seg.length < 4 || !seg[1].equals("v4") || !seg[3].equals("registry")) {
            return error(404, "404", "Not Found", path);
        }
        String project = seg[2];
        List<String> rest = List.of(seg).subList(4, seg.length);
        String r0 = rest.isEmpty() ? "" : rest.get(0);
        List<Runnable> events = new ArrayList<>();
        Answer a;
        synchronized (lock) {
            a = switch (r0) {
                case "existence" -> get(method, () -> existence(project, q));
                case "health" ->
                    rest.size() == 2 && rest.get(1).equals("readiness")
                            ? ok(Map.of())
                            : ok(Map.of("instances", List.of()));
                case "instances" -> get(method, () -> find(project, q, headers.getOrDefault("X-ConsumerId", "")));
                case "microservices" -> microservices(method, project, rest, q, body, events);
                default -> error(404, "404", "Not Found", path);
            };
        }
        events.forEach(Runnable::run);
        return a;
    }

    private static Answer get(String method, java.util.function.Supplier<Answer> then) {
        return method.equals("GET") ? then.get() : error(405, "405", "Method Not Allowed", method);
    }

    private Answer existence(String project, Map<String, String> q) {
        if (!"microservice".equals(q.get("type"))) {
            return invalid("type must be microservice here");
        }
        String version = q.getOrDefault("version", "");
        for (var s : services.values()) {
            if (sameKey(
                            s,
                            project,
                            q.getOrDefault("env", ""),
                            q.getOrDefault("appId", ""),
                            q.getOrDefault("serviceName", ""))
                    && version.equals(s.get("version"))) {
                return ok(Map.of("serviceId", s.get("serviceId")));
            }
        }
        return serviceMissing("Micro-service does not exist.");
    }

    private static boolean sameKey(Map<String, Object> s, String project, String env, String app, String name) {
        return project.equals(s.get("project"))
                && env.equals(s.getOrDefault("environment", ""))
                && app.equals(s.get("appId"))
                && name.equals(s.get("serviceName"));
    }

    private static String key(String project, String env, String app, String name) {
        return project + "/" + env + "/" + app + "/" + name;
    }

    private static String keyOf(Map<String, Object> s) {
        return key(str(s, "project"), str(s, "environment"), str(s, "appId"), str(s, "serviceName"));
    }

    private Answer find(String project, Map<String, String> q, String consumerId) {
        String env = q.getOrDefault("env", "");
        String app = q.getOrDefault("appId", "");
        String name = q.getOrDefault("serviceName", "");
        if (app.isEmpty()
                || name.isEmpty()
                || !NAME.matcher(app).matches()
                || !NAME.matcher(name).matches()) {
            return invalid("appId and serviceName are required names, got '" + app + "', '" + name + "'");
        }
        if (!consumerId.isEmpty()) {
            var consumer = services.get(consumerId);
            if (consumer == null) {
                return serviceMissing("Consumer[" + consumerId + "] does not exist.");
            }
            env = (String) consumer.getOrDefault("environment", "");
        }
        String k = key(project, env, app, name);
        var out = new ArrayList<Object>();
        boolean found = false;
        for (var s : services.values()) {
            if (keyOf(s).equals(k)) {
                found = true;
                out.addAll(instances
                        .getOrDefault((String) s.get("serviceId"), Map.of())
                        .values());
            }
        }
        if (!found) {
            return serviceMissing("Consumer[" + consumerId + "] find provider[" + env + "/" + app + "/" + name
                    + "] failed, provider does not exist");
        }
        if (!consumerId.isEmpty()) {
            dependencies.computeIfAbsent(consumerId, c -> new HashSet<>()).add(k);
        }
        String rev = Long.toString(keyRevisions.getOrDefault(k, 0L));
        Map<String, String> h = Map.of("X-Resource-Revision", rev);
        if (rev.equals(q.get("rev"))) {
            return new Answer(304, new byte[0], h);
        }
        return new Answer(200, Json.write(Map.of("instances", out)), h);
    }

    @SuppressWarnings("unchecked")
    private static @Nullable Map<String, Object> object(byte[] body, String field) {
        try {
            Object o = Json.parse(body);
            if (o instanceof Map<?, ?> m && m.get(field) instanceof Map<?, ?> inner) {
                return new LinkedHashMap<>((Map<String, Object>) inner);
            }
            return null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String str(Map<String, Object> m, String field) {
        Object v = m.get(field);
        return v instanceof String s ? s : "";
    }

    private Answer microservices(
            String method,
            String project,
            List<String> rest,
            Map<String, String> q,
            byte[] body,
            List<Runnable> events) {
        if (rest.size() == 1) {
            if (method.equals("GET")) {
                var out = new ArrayList<Object>();
                for (var s : services.values()) {
                    if (project.equals(s.get("project"))) {
                        out.add(publicService(s));
                    }
                }
                return ok(Map.of("services", out));
            }
            if (method.equals("POST")) {
                return createService(project, body);
            }
            return error(405, "405", "Method Not Allowed", method);
        }
        String sid = rest.get(1);
        var svc = services.get(sid);
        if (rest.size() == 2) {
            if (svc == null || !project.equals(svc.get("project"))) {
                return serviceMissing("Service does not exist.");
            }
            if (method.equals("GET")) {
                return ok(Map.of("service", publicService(svc)));
            }
            if (method.equals("DELETE")) {
                var own = instances.getOrDefault(sid, Map.of());
                if (!own.isEmpty() && !"true".equals(q.get("force"))) {
                    return error(
                            400,
                            "400011",
                            "Can not delete this service, other service rely it",
                            "the service has instances");
                }
                for (String iid : new ArrayList<>(own.keySet())) {
                    removeInstance(sid, iid, events);
                }
                services.remove(sid);
                dependencies.remove(sid);
                keyRevisions.put(keyOf(svc), ++revision);
                return ok(Map.of());
            }
            return error(405, "405", "Method Not Allowed", method);
        }
        if (svc == null || !project.equals(svc.get("project"))) {
            return serviceMissing("Service does not exist.");
        }
        String r2 = rest.get(2);
        if (r2.equals("properties") && method.equals("PUT")) {
            var props = object(body, "properties");
            svc.put("properties", props == null ? Map.of() : props);
            return ok(Map.of());
        }
        if (r2.equals("schemas") && rest.size() == 4 && method.equals("PUT")) {
            return ok(Map.of());
        }
        if (!r2.equals("instances")) {
            return error(404, "404", "Not Found", String.join("/", rest));
        }
        if (rest.size() == 3) {
            if (method.equals("GET")) {
                return ok(Map.of(
                        "instances",
                        new ArrayList<>(instances.getOrDefault(sid, Map.of()).values())));
            }
            if (method.equals("POST")) {
                return registerInstance(svc, body, events);
            }
            return error(405, "405", "Method Not Allowed", method);
        }
        String iid = rest.get(3);
        var own = instances.getOrDefault(sid, Map.of());
        var inst = own.get(iid);
        if (rest.size() == 4) {
            if (method.equals("DELETE")) {
                return removeInstance(sid, iid, events) ? ok(Map.of()) : instanceMissing();
            }
            if (method.equals("GET")) {
                return inst == null ? instanceMissing() : ok(Map.of("instance", inst));
            }
            return error(405, "405", "Method Not Allowed", method);
        }
        if (inst == null) {
            return instanceMissing();
        }
        switch (rest.get(4)) {
            case "heartbeat" -> {
                if (!method.equals("PUT")) {
                    return error(405, "405", "Method Not Allowed", method);
                }
                beats.put(sid + "/" + iid, System.nanoTime());
                return ok(Map.of());
            }
            case "properties" -> {
                var props = object(body, "properties");
                inst.put("properties", props == null ? Map.of() : props);
                changed(svc, "UPDATE", inst, events);
                return ok(Map.of());
            }
            case "status" -> {
                String v = q.getOrDefault("value", "");
                if (!STATUS.matcher(v).matches()) {
                    return invalid("status value '" + v + "'");
                }
                inst.put("status", v);
                changed(svc, "UPDATE", inst, events);
                return ok(Map.of());
            }
            default -> {
                return error(404, "404", "Not Found", String.join("/", rest));
            }
        }
    }

    private static Map<String, Object> publicService(Map<String, Object> s) {
        var m = new LinkedHashMap<>(s);
        m.remove("project");
        return m;
    }

    private Answer createService(String project, byte[] body) {
        var s = object(body, "service");
        if (s == null) {
            return invalid("body must be {\"service\":{...}}");
        }
        String app = str(s, "appId").isEmpty() ? "default" : str(s, "appId");
        String name = str(s, "serviceName");
        String version = str(s, "version");
        String env = str(s, "environment");
        if (name.isEmpty() || name.length() > 128 || !NAME.matcher(name).matches()) {
            return invalid("Service.ServiceName: '" + name + "' does not match rule");
        }
        if (app.length() > 160 || !NAME.matcher(app).matches()) {
            return invalid("Service.AppId: '" + app + "' does not match rule");
        }
        if (!validVersion(version)) {
            return invalid("Service.Version: '" + version
                    + "' does not match rule: the form x[.y[.z]] where x y and z are 0-32767 range");
        }
        if (!ENV.matcher(env).matches()) {
            return invalid("Service.Environment: '" + env + "' does not match rule");
        }
        String asked = str(s, "serviceId");
        for (var e : services.values()) {
            if (sameKey(e, project, env, app, name) && version.equals(e.get("version"))) {
                if (asked.isEmpty() || asked.equals(e.get("serviceId"))) {
                    return ok(Map.of("serviceId", e.get("serviceId")));
                }
                return error(
                        400,
                        "400010",
                        "Micro-service already exists",
                        "ServiceID conflict or found the same service with different id.");
            }
        }
        String sid = asked.isEmpty() ? UUID.randomUUID().toString().replace("-", "") : asked;
        if (services.containsKey(sid)) {
            return error(
                    400,
                    "400010",
                    "Micro-service already exists",
                    "ServiceID conflict or found the same service with different id.");
        }
        s.put("serviceId", sid);
        s.put("appId", app);
        s.put("environment", env);
        s.putIfAbsent("status", "UP");
        String now = Long.toString(System.currentTimeMillis() / 1000);
        s.put("timestamp", now);
        s.put("modTimestamp", now);
        s.put("project", project);
        services.put(sid, s);
        keyRevisions.put(keyOf(s), ++revision);
        return ok(Map.of("serviceId", sid));
    }

    static boolean validVersion(String v) {
        if (v.isEmpty() || v.length() > 64) {
            return false;
        }
        String[] parts = v.split("\\.", -1);
        if (parts.length > 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 5 || !p.chars().allMatch(Character::isDigit)) {
                return false;
            }
            if (Integer.parseInt(p) > 32767) {
                return false;
            }
        }
        return true;
    }

    @SuppressWarnings("unchecked")
    private Answer registerInstance(Map<String, Object> svc, byte[] body, List<Runnable> events) {
        var inst = object(body, "instance");
        if (inst == null) {
            return invalid("body must be {\"instance\":{...}}");
        }
        String iid = str(inst, "instanceId");
        if (iid.length() > 64 || !INSTANCE_ID.matcher(iid).matches()) {
            return invalid("Instance.InstanceId: '" + iid + "' does not match rule");
        }
        String host = str(inst, "hostName");
        if (host.isEmpty() || host.length() > 64 || host.chars().anyMatch(Character::isWhitespace)) {
            return invalid("Instance.HostName: '" + host + "' does not match rule");
        }
        if (inst.get("endpoints") instanceof List<?> eps) {
            for (Object e : eps) {
                if (!(e instanceof String s) || s.isBlank()) {
                    return invalid("Instance.Endpoints: '" + e + "' does not match rule");
                }
            }
        }
        String status = str(inst, "status");
        if (status.isEmpty()) {
            inst.put("status", "UP");
        } else if (!STATUS.matcher(status).matches()) {
            return invalid("Instance.Status: '" + status + "' does not match rule");
        }
        Map<String, Object> hc =
                inst.get("healthCheck") instanceof Map<?, ?> m ? new LinkedHashMap<>((Map<String, Object>) m) : null;
        if (hc == null) {
            hc = new LinkedHashMap<>(Map.of("mode", "push", "interval", defaultInterval, "times", defaultTimes));
        } else if ("push".equals(hc.get("mode"))) {
            long interval = hc.get("interval") instanceof Number n ? n.longValue() : 0;
            long times = hc.get("times") instanceof Number n ? n.longValue() : 0;
            if (interval < 1) {
                return invalid("Instance.HealthCheck.Interval: '" + interval + "' does not match rule");
            }
            hc.put("interval", Math.max(interval, minInterval));
            hc.put("times", Math.max(times, minTimes));
        } else if ("pull".equals(hc.get("mode"))) {
            hc.put("interval", 30L);
            hc.put("times", 3L);
        } else {
            return invalid("Instance.HealthCheck.Mode: '" + hc.get("mode") + "' does not match rule");
        }
        inst.put("healthCheck", hc);
        String sid = (String) svc.get("serviceId");
        if (iid.isEmpty()) {
            iid = UUID.randomUUID().toString().replace("-", "");
        }
        inst.put("instanceId", iid);
        inst.put("serviceId", sid);
        inst.put("version", svc.get("version"));
        String now = Long.toString(System.currentTimeMillis() / 1000);
        inst.put("timestamp", now);
        inst.put("modTimestamp", now);
        if (!(inst.get("properties") instanceof Map)) {
            inst.put("properties", Map.of());
        }
        var own = instances.computeIfAbsent(sid, k -> new LinkedHashMap<>());
        boolean existed = own.containsKey(iid);
        own.put(iid, inst);
        beats.put(sid + "/" + iid, System.nanoTime());
        changed(svc, existed ? "UPDATE" : "CREATE", inst, events);
        return ok(Map.of("instanceId", iid));
    }

    private boolean removeInstance(String sid, String iid, List<Runnable> events) {
        var own = instances.get(sid);
        if (own == null || !own.containsKey(iid)) {
            return false;
        }
        var inst = own.remove(iid);
        beats.remove(sid + "/" + iid);
        var svc = services.get(sid);
        if (svc != null) {
            changed(svc, "DELETE", inst, events);
        }
        return true;
    }

    /** Raises the revision of the microservice's key and queues the watch events; called with the lock held. */
    private void changed(Map<String, Object> svc, String action, Map<String, Object> inst, List<Runnable> events) {
        String k = keyOf(svc);
        keyRevisions.put(k, ++revision);
        var key = new LinkedHashMap<String, Object>();
        key.put("tenant", "default/" + svc.get("project"));
        key.put("environment", svc.getOrDefault("environment", ""));
        key.put("appId", svc.get("appId"));
        key.put("serviceName", svc.get("serviceName"));
        key.put("version", svc.get("version"));
        var msg = new LinkedHashMap<String, Object>();
        msg.put("response", Map.of("message", "Watch instance successfully."));
        msg.put("action", action);
        msg.put("key", key);
        msg.put("instance", new LinkedHashMap<>(inst));
        byte[] frame = Json.write(msg);
        for (WebSocketConnection c : sockets) {
            if (dependencies.getOrDefault(c.consumerId, Set.of()).contains(k)) {
                events.add(() -> c.send(frame));
            }
        }
    }

    private void expireLeases() {
        List<Runnable> events = new ArrayList<>();
        synchronized (lock) {
            long now = System.nanoTime();
            for (var e : new ArrayList<>(instances.entrySet())) {
                for (var i : new ArrayList<>(e.getValue().values())) {
                    String iid = String.valueOf(i.get("instanceId"));
                    Long last = beats.get(e.getKey() + "/" + iid);
                    long interval = 30;
                    long times = 3;
                    if (i.get("healthCheck") instanceof Map<?, ?> hc) {
                        interval = hc.get("interval") instanceof Number n ? n.longValue() : interval;
                        times = hc.get("times") instanceof Number n ? n.longValue() : times;
                    }
                    if (last != null && now - last > TimeUnit.SECONDS.toNanos(interval * (times + 1))) {
                        removeInstance(e.getKey(), iid, events);
                    }
                }
            }
        }
        events.forEach(Runnable::run);
    }

    // ---- websocket

    private final class WebSocketConnection {
        final Socket socket;
        final OutputStream out;
        final String consumerId;

        WebSocketConnection(Socket socket, OutputStream out, String consumerId) {
            this.socket = socket;
            this.out = out;
            this.consumerId = consumerId;
        }

        void send(byte[] payload) {
            try {
                frame(0x1, payload);
            } catch (IOException e) {
                sockets.remove(this);
                closeQuietly(socket);
            }
        }

        synchronized void frame(int opcode, byte[] payload) throws IOException {
            var h = new ByteArrayOutputStream(payload.length + 10);
            h.write(0x80 | opcode);
            if (payload.length < 126) {
                h.write(payload.length);
            } else if (payload.length < 65536) {
                h.write(126);
                h.write(payload.length >>> 8);
                h.write(payload.length & 0xff);
            } else {
                h.write(127);
                for (int i = 7; i >= 0; i--) {
                    h.write((int) (((long) payload.length >>> (8 * i)) & 0xff));
                }
            }
            h.write(payload);
            out.write(h.toByteArray());
            out.flush();
        }
    }

    private void webSocket(Socket c, InputStream in, OutputStream out, String target, Map<String, String> headers)
            throws IOException {
        int qm = target.indexOf('?');
        String[] seg = (qm < 0 ? target : target.substring(0, qm)).split("/", -1);
        // "", v4, project, registry, microservices, id, watcher
        String key = headers.get("Sec-WebSocket-Key");
        if (seg.length != 7
                || !seg[1].equals("v4")
                || !seg[3].equals("registry")
                || !seg[4].equals("microservices")
                || !seg[6].equals("watcher")
                || key == null) {
            write(out, error(404, "404", "Not Found", target));
            return;
        }
        String consumerId = seg[5];
        synchronized (lock) {
            if (!services.containsKey(consumerId)) {
                write(out, serviceMissing("Service does not exist."));
                return;
            }
        }
        String accept;
        try {
            accept = Base64.getEncoder()
                    .encodeToString(MessageDigest.getInstance("SHA-1")
                            .digest((key + WS_GUID).getBytes(StandardCharsets.ISO_8859_1)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        var ws = new WebSocketConnection(c, out, consumerId);
        sockets.add(ws);
        try {
            while (true) {
                int b0 = in.read();
                int b1 = in.read();
                if (b0 < 0 || b1 < 0) {
                    return;
                }
                int opcode = b0 & 0x0f;
                long len = b1 & 0x7f;
                if (len == 126) {
                    len = ((long) in.read() << 8) | in.read();
                } else if (len == 127) {
                    len = 0;
                    for (int i = 0; i < 8; i++) {
                        len = (len << 8) | in.read();
                    }
                }
                byte[] mask = (b1 & 0x80) != 0 ? in.readNBytes(4) : null;
                byte[] payload = in.readNBytes((int) len);
                if (mask != null) {
                    for (int i = 0; i < payload.length; i++) {
                        payload[i] ^= mask[i % 4];
                    }
                }
                if (opcode == 0x8) {
                    ws.frame(0x8, payload.length >= 2 ? new byte[] {payload[0], payload[1]} : new byte[0]);
                    return;
                }
                if (opcode == 0x9) {
                    ws.frame(0xA, payload);
                }
            }
        } catch (SocketException e) {
            // cut
        } finally {
            sockets.remove(ws);
        }
    }

    private static void closeQuietly(@Nullable AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // closing
        }
    }
}
