package io.registry4j.http.internal;

import io.registry4j.Backoff;
import io.registry4j.RegistryException;
import io.registry4j.spi.Calls;
import io.registry4j.spi.Scheduler;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.LongSupplier;
import java.util.zip.GZIPInputStream;
import org.jspecify.annotations.Nullable;

/**
 * A REST API over the JDK {@link HttpClient}: one request, sent to one server after the other until one answers,
 * within one deadline.
 *
 * <p>Design: the transport sticks to the server that last answered and, when it fails (no connection, a timeout, a
 * 5xx answer), moves on to the next one in the configured order, as Eureka's own {@code RetryableEurekaHttpClient}
 * does; with one server (a Consul agent) that is simply one attempt. A server that failed is skipped for a quarantine
 * that grows with its consecutive failures ({@link Backoff}), unless every server is in quarantine, in which case all
 * are tried anyway: an outage of all servers must never turn into calls that fail without trying. A whole call, every
 * attempt included, is bounded by a deadline (the call timeout, or a longer one for a blocking query) armed on the
 * registry's {@link Scheduler}, because the JDK's request timeout stops counting once the headers arrive. Every
 * request carries the fixed headers given at construction (credentials among them, never in the URL), asks for JSON
 * and accepts gzip; answers are gunzipped here, since the JDK client does not. Any answer below 500 is returned to the
 * caller, which knows what a 404 means for its request.
 *
 * <p>Thread-safe. Completions run on the HTTP client's executor.
 */
public final class HttpTransport {
    /** The JSON media type. */
    public static final String JSON = "application/json";

    private final String backend;
    private final HttpClient client;
    private final List<Server> servers;
    private final Map<String, String> headers;
    private final Duration callTimeout;
    private final Backoff quarantine;
    private final Scheduler scheduler;
    private final LongSupplier nanoTime;
    private volatile int current;

    /** An answer: its status code, headers and body, decompressed. Immutable; the body array is not copied. */
    public static final class Response {
        private final int status;
        private final byte[] body;
        private final URI uri;
        private final HttpHeaders headers;

        Response(int status, byte[] body, URI uri, HttpHeaders headers) {
            this.status = status;
            this.body = body;
            this.uri = uri;
            this.headers = headers;
        }

        /**
         * The HTTP status code.
         *
         * @return the status
         */
        public int status() {
            return status;
        }

        /**
         * The body, gunzipped if it came compressed; do not modify.
         *
         * @return the body bytes
         */
        public byte[] body() {
            return body;
        }

        /**
         * The URL that answered, with its query.
         *
         * @return the URL
         */
        public URI uri() {
            return uri;
        }

        /**
         * The first value of a response header.
         *
         * @param name the header name, in any case
         * @return its first value, if the answer has it
         */
        public Optional<String> header(String name) {
            return headers.firstValue(name);
        }

        /**
         * The body as text, for messages.
         *
         * @return the body, cut to 300 characters
         */
        public String bodyText() {
            String text = new String(body, StandardCharsets.UTF_8).strip();
            return text.length() > 300 ? text.substring(0, 300) + "..." : text;
        }
    }

    /** One server's base URL, such as {@code http://10.0.0.1:8761/eureka}, and its failure record. */
    private static final class Server {
        final String prefix;
        int failures; // guarded by this
        long quarantinedUntil; // guarded by this

        Server(URI base) {
            String s = base.toString();
            this.prefix = s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
        }
    }

    /**
     * Creates the transport.
     *
     * @param backend the backend name, for exceptions
     * @param client the HTTP client
     * @param bases the servers' base URLs, in order of preference, such as {@code http://h:8761/eureka}
     * @param headers headers sent with every request, such as {@code Authorization}; their values never appear in
     *     messages
     * @param callTimeout bound of one call, every attempt included, unless the call names a longer one
     * @param quarantine how long a failed server is skipped, by its consecutive failures
     * @param scheduler arms deadlines
     * @param nanoTime monotonic time source
     */
    public HttpTransport(
            String backend,
            HttpClient client,
            List<URI> bases,
            Map<String, String> headers,
            Duration callTimeout,
            Backoff quarantine,
            Scheduler scheduler,
            LongSupplier nanoTime) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.client = Objects.requireNonNull(client, "client");
        if (bases.isEmpty()) {
            throw new IllegalArgumentException("at least one " + backend + " server is needed");
        }
        var list = new ArrayList<Server>();
        bases.forEach(b -> list.add(new Server(b)));
        this.servers = List.copyOf(list);
        this.headers = Map.copyOf(new LinkedHashMap<>(headers));
        this.callTimeout = Objects.requireNonNull(callTimeout, "callTimeout");
        this.quarantine = Objects.requireNonNull(quarantine, "quarantine");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /**
     * The HTTP client in use.
     *
     * @return the client
     */
    public HttpClient client() {
        return client;
    }

    /**
     * The call timeout.
     *
     * @return the bound of one call
     */
    public Duration callTimeout() {
        return callTimeout;
    }

    /**
     * Sends a request and waits for the answer, at most the call timeout.
     *
     * @param method {@code GET}, {@code POST}, {@code PUT} or {@code DELETE}
     * @param path the path after the base URL, already encoded, such as {@code /apps/ORDERS}
     * @param body a JSON body, or null
     * @return the answer of the first server that answered with anything but a 5xx
     * @throws RegistryException if no server answered in time
     */
    public Response send(String method, String path, byte @Nullable [] body) {
        return Calls.await(
                sendAsync(method, path, body, callTimeout),
                callTimeout,
                backend,
                method + " " + path,
                cause -> failure(method, path, cause));
    }

    /**
     * Sends a request without waiting, bounded by the call timeout.
     *
     * @param method the HTTP method
     * @param path the path after the base URL, already encoded
     * @param body a JSON body, or null
     * @return the answer; fails with the last server's failure (an {@link IOException}, or a {@link RegistryException}
     *     for a 5xx answer) if none answered in time
     */
    public CompletableFuture<Response> sendAsync(String method, String path, byte @Nullable [] body) {
        return sendAsync(method, path, body, callTimeout);
    }

    /**
     * Sends a request without waiting, bounded by its own timeout (a blocking query that the server holds).
     *
     * @param method the HTTP method
     * @param path the path after the base URL, already encoded
     * @param body a JSON body, or null
     * @param timeout bound of this call, every attempt included
     * @return the answer, or the last failure as for {@link #sendAsync(String, String, byte[])}
     */
    public CompletableFuture<Response> sendAsync(String method, String path, byte @Nullable [] body, Duration timeout) {
        return sendAsync(method, path, body, timeout, Map.of());
    }

    /**
     * Like {@link #sendAsync(String, String, byte[], Duration)}, with headers for this request only (ServiceComb's
     * {@code X-ConsumerId}); their values never appear in messages.
     *
     * @param method the HTTP method
     * @param path the path after the base URL, already encoded
     * @param body a JSON body, or null
     * @param timeout bound of this call, every attempt included
     * @param extraHeaders headers of this request, besides the transport's own
     * @return the answer, or the last failure as for {@link #sendAsync(String, String, byte[])}
     */
    public CompletableFuture<Response> sendAsync(
            String method, String path, byte @Nullable [] body, Duration timeout, Map<String, String> extraHeaders) {
        long deadline = nanoTime.getAsLong() + timeout.toNanos();
        var result = new CompletableFuture<Response>();
        Scheduler.Task timer;
        try {
            timer = scheduler.schedule(
                    timeout,
                    () -> result.completeExceptionally(new HttpTimeoutException(
                            method + " " + path + " got no answer within " + Calls.text(timeout))));
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(
                    new RegistryException(RegistryException.Kind.CLOSED, backend, "registry is closed", e));
            return result;
        }
        var unused = result.whenComplete((r, e) -> timer.cancel());
        attempt(method, path, body, Map.copyOf(extraHeaders), order(), 0, deadline, timeout, null, result);
        return result;
    }

    /**
     * Like {@link #sendAsync(String, String, byte[])}, but a failure is already a {@link RegistryException} naming
     * the request.
     *
     * @param method the HTTP method
     * @param path the path after the base URL, already encoded
     * @param body a JSON body, or null
     * @return the answer, or a {@link RegistryException}
     */
    public CompletableFuture<Response> call(String method, String path, byte @Nullable [] body) {
        return call(method, path, body, callTimeout);
    }

    /**
     * Like {@link #sendAsync(String, String, byte[], Duration)}, but a failure is already a {@link RegistryException}
     * naming the request.
     *
     * @param method the HTTP method
     * @param path the path after the base URL, already encoded
     * @param body a JSON body, or null
     * @param timeout bound of this call
     * @return the answer, or a {@link RegistryException}
     */
    public CompletableFuture<Response> call(String method, String path, byte @Nullable [] body, Duration timeout) {
        return sendAsync(method, path, body, timeout)
                .exceptionallyCompose(
                        t -> CompletableFuture.failedFuture(failure(method, path, Calls.unwrap(t), timeout)));
    }

    /**
     * The base URL of the server requests go to first now (the last one that answered, unless it failed since).
     *
     * @return the base URL, such as {@code http://10.0.0.1:30100/v4/default/registry}
     */
    public URI preferredServer() {
        return URI.create(order().get(0).prefix);
    }

    /** The servers to try, in order: the sticky one first, then the rest in configured order, quarantined last. */
    private List<Server> order() {
        long now = nanoTime.getAsLong();
        int start = current;
        var ready = new ArrayList<Server>(servers.size());
        var quarantined = new ArrayList<Server>();
        for (int i = 0; i < servers.size(); i++) {
            Server s = servers.get((start + i) % servers.size());
            boolean resting;
            synchronized (s) {
                resting = s.failures > 0 && now - s.quarantinedUntil < 0;
            }
            (resting ? quarantined : ready).add(s);
        }
        ready.addAll(quarantined);
        return ready;
    }

    private void attempt(
            String method,
            String path,
            byte @Nullable [] body,
            Map<String, String> extraHeaders,
            List<Server> order,
            int index,
            long deadline,
            Duration timeout,
            @Nullable Throwable last,
            CompletableFuture<Response> result) {
        if (result.isDone()) {
            return;
        }
        long remaining = deadline - nanoTime.getAsLong();
        if (index >= order.size() || remaining <= 0) {
            result.completeExceptionally(
                    last != null
                            ? last
                            : new HttpTimeoutException(
                                    method + " " + path + " got no answer within " + Calls.text(timeout)));
            return;
        }
        Server server = order.get(index);
        URI uri = URI.create(server.prefix + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofNanos(remaining))
                .header("Accept", JSON)
                .header("Accept-Encoding", "gzip");
        headers.forEach(request::header);
        extraHeaders.forEach(request::header);
        if (body != null) {
            request.header("Content-Type", JSON).method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        CompletableFuture<HttpResponse<byte[]>> sent;
        try {
            sent = client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (RuntimeException e) { // a closed or broken client
            result.completeExceptionally(e);
            return;
        }
        // A caller that gives up (a watch that closes) cancels the result; the exchange is then abandoned too.
        var unusedCancel = result.whenComplete((r, e) -> {
            if (result.isCancelled()) {
                sent.cancel(true);
            }
        });
        var unused = sent.whenComplete((response, error) -> {
            Throwable failure = error == null ? null : Calls.unwrap(error);
            Response answer = null;
            if (failure == null) {
                try {
                    answer = new Response(response.statusCode(), decode(response), uri, response.headers());
                } catch (UncheckedIOException e) {
                    failure = e.getCause();
                }
            }
            if (answer != null && answer.status() < 500) {
                succeeded(server);
                result.complete(answer);
                return;
            }
            if (answer != null) {
                failure = new RegistryException(
                        RegistryException.Kind.UNAVAILABLE,
                        backend,
                        method + " " + uri + " answered " + answer.status() + " " + answer.bodyText());
            }
            if (failure != null && !(failure instanceof IOException) && !(failure instanceof RegistryException)) {
                result.completeExceptionally(failure); // a bug or a closed client, not a server failure
                return;
            }
            failed(server);
            attempt(method, path, body, extraHeaders, order, index + 1, deadline, timeout, failure, result);
        });
    }

    private void succeeded(Server server) {
        synchronized (server) {
            server.failures = 0;
        }
        current = servers.indexOf(server);
    }

    private void failed(Server server) {
        synchronized (server) {
            server.failures++;
            server.quarantinedUntil =
                    nanoTime.getAsLong() + quarantine.delay(server.failures).toNanos();
        }
        int i = servers.indexOf(server);
        if (current == i) {
            current = (i + 1) % servers.size();
        }
    }

    private static byte[] decode(HttpResponse<byte[]> response) {
        byte[] body = response.body();
        boolean gzipped = response.headers()
                        .firstValue("Content-Encoding")
                        .map(v -> v.toLowerCase(Locale.ROOT).contains("gzip"))
                        .orElse(false)
                // Some deployments compress without saying so; JSON never starts with gzip's magic bytes.
                || (body.length > 2 && (body[0] & 0xff) == 0x1f && (body[1] & 0xff) == 0x8b);
        if (!gzipped || body.length == 0) {
            return body;
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Turns the failure of a call bounded by the call timeout into a {@link RegistryException}.
     *
     * @param method the HTTP method
     * @param path the path
     * @param cause the failure
     * @return the exception
     */
    public RegistryException failure(String method, String path, Throwable cause) {
        return failure(method, path, cause, callTimeout);
    }

    /**
     * Turns the failure of a call with its own timeout into a {@link RegistryException}.
     *
     * @param method the HTTP method
     * @param path the path
     * @param cause the failure
     * @param timeout the call's bound, for the message
     * @return the exception
     */
    public RegistryException failure(String method, String path, Throwable cause, Duration timeout) {
        if (cause instanceof RegistryException re) {
            return re;
        }
        String servers = servers();
        if (cause instanceof HttpTimeoutException) {
            return new RegistryException(
                    RegistryException.Kind.TIMEOUT,
                    backend,
                    method + " " + path + " got no answer from " + servers + " within " + Calls.text(timeout),
                    cause);
        }
        if (cause instanceof IOException) {
            return new RegistryException(
                    RegistryException.Kind.UNAVAILABLE,
                    backend,
                    method + " " + path + " failed on " + (this.servers.size() > 1 ? "every server of " : "") + servers
                            + ": " + cause,
                    cause);
        }
        return new RegistryException(
                RegistryException.Kind.INTERNAL, backend, method + " " + path + " failed: " + cause, cause);
    }

    /**
     * The kind of error an unexpected status stands for.
     *
     * @param status the HTTP status
     * @return the kind
     */
    public static RegistryException.Kind kindOf(int status) {
        return switch (status) {
            case 400, 404, 405, 415 -> RegistryException.Kind.INVALID_ARGUMENT;
            case 401 -> RegistryException.Kind.UNAUTHENTICATED;
            case 403 -> RegistryException.Kind.PERMISSION_DENIED;
            case 409 -> RegistryException.Kind.CONFLICT;
            case 408, 429 -> RegistryException.Kind.UNAVAILABLE;
            default -> RegistryException.Kind.INTERNAL;
        };
    }

    /**
     * The configured servers, for messages.
     *
     * @return the base URLs, comma-separated
     */
    public String servers() {
        var out = new StringBuilder();
        for (Server s : servers) {
            out.append(out.length() == 0 ? "" : ",").append(s.prefix);
        }
        return out.toString();
    }
}
