package io.registry4j.servicecomb.internal;

import io.registry4j.Backoff;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.http.internal.HttpTransport;
import io.registry4j.http.internal.Json;
import io.registry4j.spi.Calls;
import io.registry4j.spi.Scheduler;
import io.registry4j.spi.ServiceViews;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The watches of one registry: one websocket on service-center's {@code /microservices/{consumerId}/watcher}, shared
 * by every watched service, and one pull loop per watched service.
 *
 * <p>Design: a watched service is read with {@code GET /registry/instances} carrying the registry's consumer id
 * ({@code X-ConsumerId}, which makes service-center record the dependency, so that the websocket carries that
 * service's changes) and the last {@code X-Resource-Revision} ({@code 304} when nothing changed). Every websocket
 * message names the microservice key that changed; the watched service of that name is read again, whole (the message
 * itself carries a single instance and is never delivered as the list). The socket is opened with the first watched
 * service and closed with the last. When it drops, every watched service is read again at once (an outage turns the
 * watchers stale), and it is reopened after {@link Backoff}; once open again, every watched service is read again,
 * since changes made while it was down were not pushed. A revision poll every poll interval is the safety net for a
 * socket that is silently dead. A service that does not exist (yet) is empty, and is polled four times as often,
 * since service-center records no dependency on it and so pushes nothing about it.
 *
 * <p>Thread-safe; no thread of its own: work runs on the HTTP client's executor and the registry's scheduler.
 */
public final class ServiceCombWatch implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ServiceCombWatch.class.getName());
    private static final Duration LEAST_MISSING_POLL = Duration.ofMillis(500);

    /** What the watch needs from its registry. */
    public interface Session {
        /**
         * The registry's consumer microservice id, found or created.
         *
         * @return the id, or a failure
         */
        CompletableFuture<String> consumerId();

        /** Forgets the consumer id: service-center no longer knows it (a restart on empty state). */
        void consumerLost();

        /**
         * The path of a find, such as {@code /instances?appId=default&serviceName=orders&rev=12}.
         *
         * @param service the service
         * @param rev the last revision, empty for none
         * @return the path after the base URL
         */
        String findPath(String service, String rev);

        /**
         * Decodes a find's answer.
         *
         * @param service the service
         * @param body the answer
         * @return the instances
         * @throws IllegalArgumentException if the body is not service-center's JSON
         */
        List<ServiceInstance> decode(String service, byte[] body);
    }

    private final HttpTransport http;
    private final Scheduler scheduler;
    private final Backoff backoff;
    private final Duration pollInterval;
    private final Map<String, String> headers;
    private final String appId;
    private final Session session;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    private @Nullable WebSocket socket; // guarded by lock
    private boolean connecting; // guarded by lock
    private int socketFailures; // guarded by lock
    private Scheduler.@Nullable Task reconnect; // guarded by lock
    private boolean closed; // guarded by lock
    private volatile long opened;

    /**
     * Creates the watches of a registry.
     *
     * @param http the transport
     * @param scheduler runs delays
     * @param backoff delays after failures
     * @param pollInterval time between two revision polls of a service
     * @param headers headers of the websocket handshake ({@code x-domain-name}, authorization)
     * @param appId the application whose changes concern these watches
     * @param session what the registry provides
     */
    public ServiceCombWatch(
            HttpTransport http,
            Scheduler scheduler,
            Backoff backoff,
            Duration pollInterval,
            Map<String, String> headers,
            String appId,
            Session session) {
        this.http = Objects.requireNonNull(http, "http");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
        this.headers = Map.copyOf(headers);
        this.appId = Objects.requireNonNull(appId, "appId");
        this.session = Objects.requireNonNull(session, "session");
    }

    /**
     * Starts watching a service: reads it now, and makes sure the socket is open.
     *
     * @param service the service
     * @param sink where its lists and outages go
     * @return closes this service's watch (and the socket with the last one)
     */
    public AutoCloseable open(String service, ServiceViews.Sink sink) {
        var e = new Entry(service, sink);
        entries.put(service, e);
        e.pull();
        ensureSocket();
        return () -> {
            entries.remove(service, e);
            e.close();
            if (entries.isEmpty()) {
                closeSocket();
            }
        };
    }

    /**
     * How many websockets are open: 0 or 1.
     *
     * @return the count
     */
    public int sockets() {
        synchronized (lock) {
            return socket == null ? 0 : 1;
        }
    }

    /**
     * How many websockets were opened so far (reconnections included), for tests.
     *
     * @return the count
     */
    public long socketsOpened() {
        return opened;
    }

    // ---- the socket

    private void ensureSocket() {
        synchronized (lock) {
            if (closed || entries.isEmpty() || socket != null || connecting) {
                return;
            }
            connecting = true;
            reconnect = null;
        }
        CompletableFuture<WebSocket> ws;
        try {
            ws = session.consumerId().thenCompose(this::connect);
        } catch (RuntimeException e) {
            ws = CompletableFuture.failedFuture(e);
        }
        var unused = ws.whenComplete(this::connected);
    }

    private CompletionStage<WebSocket> connect(String consumerId) {
        URI base = http.preferredServer();
        String scheme = base.getScheme().equals("https") ? "wss" : "ws";
        URI uri = URI.create(scheme + base.toString().substring(base.getScheme().length()) + "/microservices/"
                + consumerId + "/watcher");
        WebSocket.Builder b = http.client().newWebSocketBuilder().connectTimeout(http.callTimeout());
        headers.forEach(b::header);
        return b.buildAsync(uri, new Listener());
    }

    private void connected(@Nullable WebSocket ws, @Nullable Throwable error) {
        boolean abort = false;
        synchronized (lock) {
            connecting = false;
            if (ws != null && error == null) {
                if (closed || entries.isEmpty()) {
                    abort = true;
                } else {
                    socket = ws;
                    socketFailures = 0;
                    opened++;
                }
            } else {
                socketFailures++;
            }
        }
        if (ws != null && error == null) {
            if (abort) {
                ws.abort();
            } else {
                pullAll(); // changes made while there was no socket were not pushed
            }
            return;
        }
        // A consumer that service-center no longer knows refuses the handshake: find or create it again.
        session.consumerLost();
        LOG.log(
                Level.FINE,
                () -> "servicecomb watch socket could not open: " + Calls.unwrap(Objects.requireNonNull(error)));
        scheduleReconnect();
    }

    private void scheduleReconnect() {
        synchronized (lock) {
            if (closed || entries.isEmpty() || reconnect != null) {
                return;
            }
            try {
                reconnect = scheduler.schedule(backoff.delay(Math.max(1, socketFailures)), this::ensureSocket);
            } catch (RejectedExecutionException e) {
                closed = true;
            }
        }
    }

    private void dropped(WebSocket ws) {
        synchronized (lock) {
            if (socket != ws) {
                return;
            }
            socket = null;
            socketFailures++;
        }
        pullAll(); // an outage makes the watchers stale; a mere drop finds the list unchanged
        scheduleReconnect();
    }

    private void closeSocket() {
        WebSocket ws;
        Scheduler.Task task;
        synchronized (lock) {
            ws = socket;
            socket = null;
            task = reconnect;
            reconnect = null;
        }
        if (task != null) {
            task.cancel();
        }
        if (ws != null) {
            ws.abort();
        }
    }

    private void pullAll() {
        entries.values().forEach(Entry::pull);
    }

    private void message(String text) {
        Object doc;
        try {
            doc = Json.parse(text.getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            LOG.log(Level.FINE, () -> "servicecomb watch message is not JSON, reading every service again: " + text);
            pullAll();
            return;
        }
        if (doc instanceof Map<?, ?> m
                && m.get("key") instanceof Map<?, ?> key
                && key.get("serviceName") instanceof String name
                && !name.isEmpty()) {
            Object app = key.get("appId");
            if (app instanceof String a && !a.isEmpty() && !a.equals(appId)) {
                return;
            }
            Entry e = entries.get(name);
            if (e != null) {
                e.pull();
            }
            return;
        }
        pullAll(); // no key: read every watched service
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public @Nullable CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String t = text.toString();
                text.setLength(0);
                message(t);
            }
            ws.request(1);
            return null;
        }

        @Override
        public @Nullable CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            dropped(ws);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            dropped(ws);
        }
    }

    /** Stops every watch and closes the socket. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
        }
        entries.values().forEach(Entry::close);
        entries.clear();
        closeSocket();
    }

    // ---- one watched service

    private final class Entry {
        private final String service;
        private final ServiceViews.Sink sink;
        private boolean inFlight; // guarded by this
        private boolean again; // guarded by this
        private boolean closed; // guarded by this
        private Scheduler.@Nullable Task next; // guarded by this
        private @Nullable CompletableFuture<?> call; // guarded by this
        private String rev = ""; // guarded by this
        private int failures; // guarded by this
        private boolean consumerRetried; // guarded by this

        Entry(String service, ServiceViews.Sink sink) {
            this.service = service;
            this.sink = sink;
        }

        void pull() {
            String asked;
            Scheduler.Task task;
            synchronized (this) {
                if (closed) {
                    return;
                }
                if (inFlight) {
                    again = true;
                    return;
                }
                inFlight = true;
                again = false;
                task = next;
                next = null;
                asked = rev;
            }
            if (task != null) {
                task.cancel();
            }
            String path = session.findPath(service, asked);
            CompletableFuture<HttpTransport.Response> f;
            try {
                f = session.consumerId()
                        .thenCompose(cid ->
                                http.sendAsync("GET", path, null, http.callTimeout(), Map.of("X-ConsumerId", cid)));
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            synchronized (this) {
                call = f;
            }
            var unused = f.whenComplete((r, e) -> answered(path, r, e));
        }

        private void answered(String path, HttpTransport.@Nullable Response r, @Nullable Throwable error) {
            synchronized (this) {
                inFlight = false;
                call = null;
                if (closed) {
                    return;
                }
            }
            Duration delay = pollInterval;
            boolean failed = false;
            try {
                if (error != null || r == null) {
                    failed = true;
                    Throwable cause = error == null ? new IllegalStateException("no answer") : Calls.unwrap(error);
                    delay = failed(cause instanceof RegistryException re ? re : http.failure("GET", path, cause));
                } else if (r.status() == 304) {
                    succeeded(null, null);
                } else if (r.status() == 200) {
                    List<ServiceInstance> list = session.decode(service, r.body());
                    succeeded(r.header("X-Resource-Revision").orElse(""), list);
                } else if (r.status() == 400
                        && ServiceCombCodec.errorCode(r.body()).equals("400012")) {
                    boolean retry;
                    synchronized (this) {
                        retry = !consumerRetried;
                        consumerRetried = true;
                    }
                    if (retry) {
                        // Either the consumer or the provider is unknown: check the consumer, then ask again.
                        session.consumerLost();
                        delay = Duration.ZERO;
                    } else {
                        succeeded("", List.of()); // the provider does not exist: an empty service
                        delay = pollInterval.dividedBy(4);
                        if (delay.compareTo(LEAST_MISSING_POLL) < 0) {
                            delay = LEAST_MISSING_POLL;
                        }
                    }
                } else {
                    failed = true;
                    delay = failed(new RegistryException(
                            HttpTransport.kindOf(r.status()),
                            "servicecomb",
                            "GET " + r.uri() + " answered " + r.status() + ": " + r.bodyText()));
                }
            } catch (IllegalArgumentException e) {
                failed = true;
                delay = failed(new RegistryException(
                        RegistryException.Kind.INTERNAL,
                        "servicecomb",
                        "GET " + path + " answered something that is not service-center's JSON: " + e.getMessage(),
                        e));
            }
            boolean now;
            synchronized (this) {
                // After a failure the backoff's delay is waited even if a push asked for a read meanwhile: the retry
                // reads the whole service anyway, and an outage must not turn pushes into a retry loop without pause.
                now = again && !failed;
            }
            if (now || delay.isZero()) {
                pull();
            } else {
                later(delay);
            }
        }

        private void succeeded(@Nullable String revision, @Nullable List<ServiceInstance> list) {
            boolean deliverAnyway;
            synchronized (this) {
                deliverAnyway = failures > 0 || rev.isEmpty();
                failures = 0;
                if (list != null) {
                    consumerRetried = false;
                }
                if (revision != null) {
                    rev = revision;
                }
            }
            if (list != null) {
                sink.update(list);
            } else if (deliverAnyway) {
                pullFresh(); // a 304 right after an outage: the view needs a list to recover with
            }
        }

        private void pullFresh() {
            synchronized (this) {
                rev = "";
                again = true;
            }
        }

        private Duration failed(RegistryException cause) {
            int n;
            synchronized (this) {
                n = ++failures;
                rev = "";
            }
            sink.stale(cause);
            return backoff.delay(n);
        }

        private void later(Duration delay) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                try {
                    next = scheduler.schedule(delay, this::pull);
                } catch (RejectedExecutionException e) {
                    closed = true;
                }
            }
        }

        void close() {
            Scheduler.Task task;
            CompletableFuture<?> c;
            synchronized (this) {
                closed = true;
                task = next;
                next = null;
                c = call;
            }
            if (task != null) {
                task.cancel();
            }
            if (c != null) {
                c.cancel(true);
            }
        }
    }
}
