package io.registry4j.consul.internal;

import io.registry4j.Backoff;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.http.internal.HttpTransport;
import io.registry4j.spi.Calls;
import io.registry4j.spi.Scheduler;
import io.registry4j.spi.ServiceViews;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * One blocking-query loop on {@code GET /v1/health/service/<name>}, shared by every watcher of the service.
 *
 * <p>Design: no thread of its own; each answer, on the HTTP client's executor, sends the next request. The first
 * request has no index and is answered at once; each later one carries the last {@code X-Consul-Index} and a
 * {@code wait}, and the agent holds it until the service changes or the wait runs out (plus up to wait/16 of jitter,
 * which the request's own deadline allows for). Consul's rules for clients are kept: an index that goes backwards (a
 * snapshot restore, an agent restarted empty) resets the loop to an immediate read; an index below 1 is used as 1;
 * requests are at least a minimum interval apart, so an agent that answers at once (a bug, or a flapping service)
 * cannot turn the loop into a spin. Every successful answer is a full snapshot and goes to the view, which drops
 * snapshots equal to the last (spurious wake-ups); an answer with an unchanged index is not decoded again. A failed
 * request (no connection, a timeout, a 5xx, any unexpected status) marks the view stale, keeping its last list, and
 * is retried after {@link Backoff} without an index, so that recovery is an immediate read; its answer is delivered
 * whatever its index.
 *
 * <p>Thread-safe: the loop has one request in flight at a time; {@link #close()} may come from any thread.
 */
public final class ConsulServiceWatch implements AutoCloseable {
    private final String service;
    private final ServiceViews.Sink sink;
    private final HttpTransport http;
    private final Scheduler scheduler;
    private final Backoff backoff;
    private final Duration wait;
    private final Duration minInterval;
    private final LongFunction<String> path;
    private final Function<HttpTransport.Response, List<ServiceInstance>> decoder;
    private final LongSupplier nanoTime;
    private final Object lock = new Object();
    private boolean closed; // guarded by lock
    private @Nullable CompletableFuture<HttpTransport.Response> inFlight; // guarded by lock
    private Scheduler.@Nullable Task pending; // guarded by lock
    private long index; // touched by one request's completion at a time
    private boolean fresh; // an answer was delivered since the last failure
    private int failures;
    private long started;

    /**
     * Creates the loop; {@link #start()} sends the first request.
     *
     * @param service the service name
     * @param sink where snapshots and outages go
     * @param http the transport
     * @param scheduler runs delays
     * @param backoff delays after failures
     * @param wait the {@code wait} of a blocking query
     * @param minInterval least time between two requests
     * @param path the request path for an index (0 for none)
     * @param decoder decodes a 200 answer; throws {@link IllegalArgumentException} if the whole body is unusable
     * @param nanoTime monotonic time
     */
    public ConsulServiceWatch(
            String service,
            ServiceViews.Sink sink,
            HttpTransport http,
            Scheduler scheduler,
            Backoff backoff,
            Duration wait,
            Duration minInterval,
            LongFunction<String> path,
            Function<HttpTransport.Response, List<ServiceInstance>> decoder,
            LongSupplier nanoTime) {
        this.service = Objects.requireNonNull(service, "service");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.http = Objects.requireNonNull(http, "http");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.wait = Objects.requireNonNull(wait, "wait");
        this.minInterval = Objects.requireNonNull(minInterval, "minInterval");
        this.path = Objects.requireNonNull(path, "path");
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /**
     * Sends the first request.
     *
     * @return this watch
     */
    public ConsulServiceWatch start() {
        poll();
        return this;
    }

    private void poll() {
        long asked = index;
        // The agent may hold a request for wait + wait/16; the call timeout on top covers the way there and back.
        Duration deadline =
                asked == 0 ? http.callTimeout() : wait.plus(wait.dividedBy(16)).plus(http.callTimeout());
        synchronized (lock) {
            if (closed) {
                return;
            }
            pending = null;
            started = nanoTime.getAsLong();
            String p = path.apply(asked);
            // The transport's own future: cancelling it on close abandons the exchange too.
            CompletableFuture<HttpTransport.Response> call = http.sendAsync("GET", p, null, deadline);
            inFlight = call;
            var unused = call.whenComplete((r, e) -> answered(p, deadline, asked, r, e));
        }
    }

    private void answered(
            String p,
            Duration deadline,
            long asked,
            HttpTransport.@Nullable Response response,
            @Nullable Throwable error) {
        synchronized (lock) {
            if (closed) {
                return;
            }
        }
        if (error != null || response == null) {
            failed(http.failure(
                    "GET", p, error == null ? new IllegalStateException("no answer") : Calls.unwrap(error), deadline));
            return;
        }
        if (response.status() != 200) {
            failed(new RegistryException(
                    HttpTransport.kindOf(response.status()),
                    "consul",
                    "GET " + response.uri() + " answered " + response.status() + ": " + response.bodyText()));
            return;
        }
        long returned =
                ConsulInstanceCodec.index(response.header("X-Consul-Index").orElse(null));
        boolean changed = !fresh || returned != asked || asked == 0;
        if (changed) {
            List<ServiceInstance> instances;
            try {
                instances = decoder.apply(response);
            } catch (IllegalArgumentException e) {
                failed(new RegistryException(
                        RegistryException.Kind.INTERNAL,
                        "consul",
                        "GET " + response.uri() + " answered something that is not Consul's JSON: " + e.getMessage(),
                        e));
                return;
            }
            sink.update(instances);
        }
        fresh = true;
        failures = 0;
        if (returned < asked) {
            index = 0; // went backwards: start over with a read that does not block
        } else {
            index = Math.max(returned, 1);
        }
        long elapsed = nanoTime.getAsLong() - started;
        long rest = minInterval.toNanos() - elapsed;
        if (rest > 0) {
            later(Duration.ofNanos(rest));
        } else {
            poll();
        }
    }

    private void failed(Throwable cause) {
        failures++;
        fresh = false;
        // After an outage, read at once: an agent restarted in between has a lower index, and would hold a query
        // that carries the old one for its whole wait before answering.
        index = 0;
        sink.stale(cause);
        later(backoff.delay(failures));
    }

    private void later(Duration delay) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            try {
                pending = scheduler.schedule(delay, this::poll);
            } catch (RejectedExecutionException e) {
                closed = true; // the registry is closing
            }
        }
    }

    /**
     * The index the next request carries, for tests.
     *
     * @return the index, 0 for an immediate read
     */
    long nextIndex() {
        return index;
    }

    /**
     * The service this loop watches.
     *
     * @return the name
     */
    public String service() {
        return service;
    }

    /** Stops the loop and abandons the request in flight. Idempotent. */
    @Override
    public void close() {
        CompletableFuture<HttpTransport.Response> call;
        Scheduler.Task task;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            call = inFlight;
            task = pending;
        }
        if (task != null) {
            task.cancel();
        }
        if (call != null) {
            call.cancel(true);
        }
    }
}
