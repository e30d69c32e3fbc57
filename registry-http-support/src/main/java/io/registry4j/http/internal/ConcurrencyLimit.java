package io.registry4j.http.internal;

import io.registry4j.RegistryException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A bound on how many asynchronous calls are in flight at once; the others wait in a queue, in order, holding no
 * thread.
 *
 * <p>Design: a call is a supplier that starts an asynchronous request and returns at once (such as
 * {@link HttpTransport#call}); it is started on the submitting thread when a slot is free, and otherwise, when an
 * earlier call completes, on the thread that completed it. Starting queued calls is a drain loop, not a recursion, so a
 * long queue of calls that fail at once (a closed client) cannot overflow the stack. Used for heartbeats: hundreds of
 * instances renew in a burst each interval, and a bound keeps that burst within the server's connection limit (Consul
 * allows 200 concurrent connections per client address by default, blocking queries included).
 *
 * <p>Thread-safe.
 */
public final class ConcurrencyLimit {
    private final String backend;
    private final int max;
    private final Queue<Pending<?>> waiting = new ArrayDeque<>(); // guarded by this
    private final AtomicInteger drains = new AtomicInteger();
    private int running; // guarded by this
    private int highest; // guarded by this
    private boolean closed; // guarded by this

    /**
     * Creates a limit.
     *
     * @param backend the backend name, for messages
     * @param max how many calls may be in flight at once, at least 1
     * @throws IllegalArgumentException if {@code max} is below 1
     */
    public ConcurrencyLimit(String backend, int max) {
        this.backend = Objects.requireNonNull(backend, "backend");
        if (max < 1) {
            throw new IllegalArgumentException(backend + ": the concurrency limit must be at least 1, got " + max);
        }
        this.max = max;
    }

    /**
     * Starts the call now if fewer than the limit are in flight, or later, when one of them completes.
     *
     * @param call starts the asynchronous call and returns at once; exceptions it throws fail the result
     * @param <T> the result type
     * @return completes as the call does; fails with a {@link RegistryException} of kind {@code CLOSED} if the limit
     *     was closed before the call started
     */
    public <T> CompletableFuture<T> submit(Supplier<? extends CompletionStage<T>> call) {
        Objects.requireNonNull(call, "call");
        var pending = new Pending<T>(call);
        synchronized (this) {
            if (closed) {
                pending.result.completeExceptionally(closedException());
                return pending.result;
            }
            waiting.add(pending);
        }
        drain();
        return pending.result;
    }

    /** A call waiting for its slot, and its result. */
    private final class Pending<T> {
        final Supplier<? extends CompletionStage<T>> call;
        final CompletableFuture<T> result = new CompletableFuture<>();

        Pending(Supplier<? extends CompletionStage<T>> call) {
            this.call = call;
        }

        /** Starts the call in the slot taken for it; the slot is given back when the call completes. */
        void start() {
            CompletionStage<T> stage;
            try {
                stage = call.get();
            } catch (RuntimeException e) {
                stage = CompletableFuture.failedFuture(e);
            }
            var unused = stage.whenComplete((value, error) -> {
                release();
                if (error != null) {
                    result.completeExceptionally(error);
                } else {
                    result.complete(value);
                }
            });
        }
    }

    private void release() {
        synchronized (this) {
            running--;
        }
        drain();
    }

    /** Starts waiting calls while slots are free; one thread at a time, the others leave their work to it. */
    private void drain() {
        if (drains.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            while (true) {
                Pending<?> next;
                synchronized (this) {
                    if (running >= max || waiting.isEmpty()) {
                        break;
                    }
                    next = waiting.remove();
                    running++;
                    highest = Math.max(highest, running);
                }
                next.start(); // a call that completes at once re-enters drain(), which leaves the work to this loop
            }
            missed = drains.addAndGet(-missed);
        } while (missed != 0);
    }

    /**
     * Fails every call still waiting and any submitted later with a {@link RegistryException} of kind {@code
     * CLOSED}; calls in flight complete as they do. Idempotent.
     */
    public void close() {
        var dropped = new ArrayList<Pending<?>>();
        synchronized (this) {
            closed = true;
            dropped.addAll(waiting);
            waiting.clear();
        }
        for (Pending<?> p : dropped) {
            p.result.completeExceptionally(closedException());
        }
    }

    private RegistryException closedException() {
        return new RegistryException(RegistryException.Kind.CLOSED, backend, "registry is closed");
    }

    /**
     * The calls in flight now.
     *
     * @return the count
     */
    public synchronized int inFlight() {
        return running;
    }

    /**
     * The calls waiting for a slot now.
     *
     * @return the count
     */
    public synchronized int waiting() {
        return waiting.size();
    }

    /**
     * The most calls that were ever in flight at once.
     *
     * @return the count, at most the limit
     */
    public synchronized int highestInFlight() {
        return highest;
    }
}
