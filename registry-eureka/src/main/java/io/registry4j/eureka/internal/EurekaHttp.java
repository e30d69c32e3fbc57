package io.registry4j.eureka.internal;

import io.registry4j.Backoff;
import io.registry4j.RegistryException;
import io.registry4j.spi.AuthFailures;
import io.registry4j.spi.Calls;
import io.registry4j.spi.Scheduler;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.LongSupplier;
import java.util.zip.GZIPInputStream;
import org.jspecify.annotations.Nullable;

/**
 * Eureka's REST API over the JDK {@link HttpClient}: one request, sent to one server after the other until one
 * answers, within one deadline.
 *
 * <p>Design: like Eureka's own {@code RetryableEurekaHttpClient}, the client sticks to the server that last answered
 * and, when it fails (no connection, a timeout, a 5xx answer), moves on to the next one in the configured order. A
 * server that failed is skipped for a quarantine that grows with its consecutive failures ({@link Backoff}), unless
 * every server is in quarantine, in which case all are tried anyway: an outage of all servers must never turn into
 * calls that fail without trying. A whole call, every attempt included, is bounded by the call timeout; the
 * deadline is armed on the registry's {@link Scheduler} because the JDK's request timeout stops counting once the
 * headers arrive. Every request asks for JSON (Eureka answers XML otherwise) and accepts gzip (Netflix's war always
 * compresses; {@code /apps} and {@code /apps/delta} do when asked); answers are gunzipped here, since the JDK client
 * does not. Any 4xx answer is returned to the caller, which knows what a 404 means for its request.
 *
 * <p>Thread-safe. Completions run on the HTTP client's executor.
 */
public final class EurekaHttp {
    /** The JSON media type Eureka speaks. */
    public static final String JSON = "application/json";

    private final String backend;
    private final HttpClient client;
    private final List<Server> servers;
    private final @Nullable String authorization;
    private final @Nullable String username;
    private final Duration callTimeout;
    private final Backoff quarantine;
    private final Scheduler scheduler;
    private final LongSupplier nanoTime;
    private volatile int current;
    private volatile boolean apiConfirmed;

    /** An answer: its status code and its body, decompressed. Immutable; the body array is not copied. */
    public static final class Response {
        private final int status;
        private final byte[] body;
        private final URI uri;

        Response(int status, byte[] body, URI uri) {
            this.status = status;
            this.body = body;
            this.uri = uri;
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
         * The URL that answered.
         *
         * @return the URL
         */
        public URI uri() {
            return uri;
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
     * @param username basic-auth user, or null for none
     * @param password basic-auth password, or null for none
     * @param callTimeout bound of one call, every attempt included
     * @param quarantine how long a failed server is skipped, by its consecutive failures
     * @param scheduler arms deadlines
     * @param nanoTime monotonic time source
     */
    public EurekaHttp(
            String backend,
            HttpClient client,
            List<URI> bases,
            @Nullable String username,
            @Nullable String password,
            Duration callTimeout,
            Backoff quarantine,
            Scheduler scheduler,
            LongSupplier nanoTime) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.client = Objects.requireNonNull(client, "client");
        if (bases.isEmpty()) {
            throw new IllegalArgumentException("at least one Eureka server is needed");
        }
        var list = new ArrayList<Server>();
        bases.forEach(b -> list.add(new Server(b)));
        this.servers = List.copyOf(list);
        this.username = username;
        this.authorization = username == null
                ? null
                : "Basic "
                        + Base64.getEncoder()
                                .encodeToString((username + ":" + Objects.requireNonNullElse(password, ""))
                                        .getBytes(StandardCharsets.UTF_8));
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
                sendAsync(method, path, body),
                callTimeout,
                backend,
                method + " " + path,
                cause -> failure(method, path, cause));
    }

    /**
     * Sends a request without waiting.
     *
     * @param method the HTTP method
     * @param path the path after the base URL, already encoded
     * @param body a JSON body, or null
     * @return the answer; fails with the last server's failure (an {@link IOException}, or a {@link RegistryException}
     *     for a 5xx answer) if none answered in time
     */
    public CompletableFuture<Response> sendAsync(String method, String path, byte @Nullable [] body) {
        long deadline = nanoTime.getAsLong() + callTimeout.toNanos();
        var result = new CompletableFuture<Response>();
        Scheduler.Task timer;
        try {
            timer = scheduler.schedule(
                    callTimeout,
                    () -> result.completeExceptionally(new HttpTimeoutException(
                            method + " " + path + " got no answer within " + Calls.text(callTimeout))));
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(
                    new RegistryException(RegistryException.Kind.CLOSED, backend, "registry is closed", e));
            return result;
        }
        var unused = result.whenComplete((r, e) -> timer.cancel());
        attempt(method, path, body, order(), 0, deadline, null, result);
        return result;
    }

    /**
     * Like {@link #sendAsync}, but a failure is already a {@link RegistryException} naming the request.
     *
     * @param method the HTTP method
     * @param path the path after the base URL, already encoded
     * @param body a JSON body, or null
     * @return the answer, or a {@link RegistryException}
     */
    public CompletableFuture<Response> call(String method, String path, byte @Nullable [] body) {
        return sendAsync(method, path, body)
                .exceptionallyCompose(t -> CompletableFuture.failedFuture(failure(method, path, Calls.unwrap(t))));
    }

    /**
     * Tells a 404 about a resource from a 404 about the whole API: after a read answered 404 (an unknown app, or a
     * wrong path prefix), asks {@code GET /apps/delta}, which every Eureka server answers under its API path (its
     * {@code /status} fails on a server without peers). Only a 404 or 405 there means the API is not at this path;
     * any other failure cannot tell, and the check is made again at the next such 404. Once it succeeds, it is not
     * made again.
     *
     * @return completes when the API is there or the check could not tell; fails with a {@link RegistryException}
     *     of kind {@code INVALID_ARGUMENT} naming the path prefix if the API is not there
     */
    public CompletableFuture<Void> confirmApi() {
        if (apiConfirmed) {
            return CompletableFuture.completedFuture(null);
        }
        return sendAsync("GET", "/apps/delta", null).handle((r, error) -> {
            if (error != null) {
                return null; // cannot tell; the read that asked stands
            }
            if (r.status() == 404 || r.status() == 405) {
                throw new RegistryException(
                        RegistryException.Kind.INVALID_ARGUMENT,
                        backend,
                        "no Eureka REST API at " + r.uri().toString().replaceFirst("/apps/delta$", "") + ": GET "
                                + r.uri() + " answered " + r.status()
                                + " (check the path prefix: /eureka for Spring Cloud, /eureka/v2 for Netflix's war)");
            }
            if (r.status() == 200) {
                apiConfirmed = true;
            }
            return null;
        });
    }

    /**
     * {@link #confirmApi()}, waiting at most the call timeout.
     *
     * @throws RegistryException if the API is not there or the check failed
     */
    public void confirmApiNow() {
        Calls.await(confirmApi(), callTimeout, backend, "GET /apps/delta", t -> failure("GET", "/apps/delta", t));
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
            List<Server> order,
            int index,
            long deadline,
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
                                    method + " " + path + " got no answer within " + Calls.text(callTimeout)));
            return;
        }
        Server server = order.get(index);
        URI uri = URI.create(server.prefix + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofNanos(remaining))
                .header("Accept", JSON)
                .header("Accept-Encoding", "gzip");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
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
        var unused = sent.whenComplete((response, error) -> {
            Throwable failure = error == null ? null : Calls.unwrap(error);
            Response answer = null;
            if (failure == null) {
                try {
                    answer = new Response(response.statusCode(), decode(response), uri);
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
            attempt(method, path, body, order, index + 1, deadline, failure, result);
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
                        .map(v -> v.toLowerCase(java.util.Locale.ROOT).contains("gzip"))
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
     * Turns the failure of a call into a {@link RegistryException}.
     *
     * @param method the HTTP method
     * @param path the path
     * @param cause the failure
     * @return the exception
     */
    public RegistryException failure(String method, String path, Throwable cause) {
        if (cause instanceof RegistryException re) {
            return re;
        }
        String servers = servers();
        if (cause instanceof HttpTimeoutException) {
            return new RegistryException(
                    RegistryException.Kind.TIMEOUT,
                    backend,
                    method + " " + path + " got no answer from " + servers + " within " + Calls.text(callTimeout),
                    cause);
        }
        if (cause instanceof ConnectException || cause instanceof IOException) {
            return new RegistryException(
                    RegistryException.Kind.UNAVAILABLE,
                    backend,
                    method + " " + path + " failed on every server of " + servers + ": " + cause,
                    cause);
        }
        return new RegistryException(
                RegistryException.Kind.INTERNAL, backend, method + " " + path + " failed: " + cause, cause);
    }

    /**
     * Turns an unexpected answer into a {@link RegistryException}, naming the status and the body.
     *
     * @param method the HTTP method
     * @param response the answer
     * @return the exception, of a kind that fits the status
     */
    public RegistryException unexpected(String method, Response response) {
        int status = response.status();
        RegistryException.Kind kind = switch (status) {
            case 400, 404, 405, 415 -> RegistryException.Kind.INVALID_ARGUMENT;
            case 401 -> RegistryException.Kind.UNAUTHENTICATED;
            case 403 -> RegistryException.Kind.PERMISSION_DENIED;
            case 409 -> RegistryException.Kind.CONFLICT;
            case 408, 429 -> RegistryException.Kind.UNAVAILABLE;
            default -> RegistryException.Kind.INTERNAL;
        };
        String hint = switch (status) {
            case 403 ->
                " (a Spring Security server may need CSRF disabled for /eureka/**; a Netflix server answers "
                        + "403 to reads while it waits for peers, see waitTimeInMsWhenSyncEmpty)";
            case 404, 405 -> " (check the path prefix: /eureka for Spring Cloud, /eureka/v2 for Netflix's war)";
            default -> "";
        };
        String body = response.body().length == 0 ? "" : ": " + response.bodyText();
        if (status == 401) {
            return AuthFailures.of(backend, username, method + " " + response.uri() + " answered 401" + body, null);
        }
        return new RegistryException(
                kind, backend, method + " " + response.uri() + " answered " + status + hint + body);
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
