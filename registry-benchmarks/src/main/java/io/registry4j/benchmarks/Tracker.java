package io.registry4j.benchmarks;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Records when a watcher first sees an expected instance. */
final class Tracker {
    private final Map<Integer, CompletableFuture<Long>> pending = new ConcurrentHashMap<>();

    /** Starts waiting for instance {@code i}; call before the write. */
    CompletableFuture<Long> expect(int i) {
        CompletableFuture<Long> seen = new CompletableFuture<>();
        pending.put(i, seen);
        return seen;
    }

    /** Called by a watcher with each instance it sees. */
    void seen(int i) {
        CompletableFuture<Long> f = pending.get(i);
        if (f != null && !f.isDone()) {
            f.complete(System.nanoTime());
        }
    }

    /** Waits (bounded) until instance {@code i} was seen and returns the time it was. */
    long await(int i, CompletableFuture<Long> seen, String what) throws Exception {
        try {
            return seen.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(what + ": instance " + i + " not seen in 60 s", e);
        } finally {
            pending.remove(i);
        }
    }
}
