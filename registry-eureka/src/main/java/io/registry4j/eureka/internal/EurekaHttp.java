package io.registry4j.eureka.internal;

import io.registry4j.Backoff;
import io.registry4j.RegistryException;
import io.registry4j.http.internal.HttpTransport;
import io.registry4j.spi.AuthFailures;
import io.registry4j.spi.Calls;
import io.registry4j.spi.Scheduler;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Eureka's REST API on the shared {@link HttpTransport}: one request, sent to one server after the other until one
 * answers, within one deadline, with basic auth when configured; plus what only Eureka needs: the check that the API
 * is at the configured path, and messages that hint at Eureka's usual mistakes.
 *
 * <p>Design: the transport (registry-http-support) sticks to the server that last answered and fails over to the
 * next, like Eureka's own {@code RetryableEurekaHttpClient}; every request asks for JSON (Eureka answers XML
 * otherwise) and accepts gzip (Netflix's war always compresses). Any 4xx answer is returned to the caller, which knows
 * what a 404 means for its request.
 *
 * <p>Thread-safe. Completions run on the HTTP client's executor.
 */
public final class EurekaHttp {
    /** The JSON media type Eureka speaks. */
    public static final String JSON = HttpTransport.JSON;

    private final String backend;
    private final HttpTransport transport;
    private final @Nullable String username;
    private volatile boolean apiConfirmed;

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
        if (bases.isEmpty()) {
            throw new IllegalArgumentException("at least one Eureka server is needed");
        }
        this.username = username;
        Map<String, String> headers = username == null
                ? Map.of()
                : Map.of(
                        "Authorization",
                        "Basic "
                                + Base64.getEncoder()
                                        .encodeToString((username + ":" + Objects.requireNonNullElse(password, ""))
                                                .getBytes(StandardCharsets.UTF_8)));
        this.transport =
                new HttpTransport(backend, client, bases, headers, callTimeout, quarantine, scheduler, nanoTime);
    }

    /**
     * The HTTP client in use.
     *
     * @return the client
     */
    public HttpClient client() {
        return transport.client();
    }

    /**
     * The call timeout.
     *
     * @return the bound of one call
     */
    public Duration callTimeout() {
        return transport.callTimeout();
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
    public HttpTransport.Response send(String method, String path, byte @Nullable [] body) {
        return transport.send(method, path, body);
    }

    /**
     * Sends a request without waiting.
     *
     * @param method the HTTP method
     * @param path the path after the base URL, already encoded
     * @param body a JSON body, or null
     * @return the answer; fails with the last server's failure if none answered in time
     */
    public CompletableFuture<HttpTransport.Response> sendAsync(String method, String path, byte @Nullable [] body) {
        return transport.sendAsync(method, path, body);
    }

    /**
     * Like {@link #sendAsync}, but a failure is already a {@link RegistryException} naming the request.
     *
     * @param method the HTTP method
     * @param path the path after the base URL, already encoded
     * @param body a JSON body, or null
     * @return the answer, or a {@link RegistryException}
     */
    public CompletableFuture<HttpTransport.Response> call(String method, String path, byte @Nullable [] body) {
        return transport.call(method, path, body);
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
        return transport.sendAsync("GET", "/apps/delta", null).handle((r, error) -> {
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
        Calls.await(confirmApi(), callTimeout(), backend, "GET /apps/delta", t -> failure("GET", "/apps/delta", t));
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
        return transport.failure(method, path, cause);
    }

    /**
     * Turns an unexpected answer into a {@link RegistryException}, naming the status and the body.
     *
     * @param method the HTTP method
     * @param response the answer
     * @return the exception, of a kind that fits the status
     */
    public RegistryException unexpected(String method, HttpTransport.Response response) {
        int status = response.status();
        RegistryException.Kind kind = HttpTransport.kindOf(status);
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
        return transport.servers();
    }
}
