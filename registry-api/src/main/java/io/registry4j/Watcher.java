package io.registry4j;

import java.util.List;

/**
 * A blocking view of one service's instances as they change.
 *
 * <p>The first {@link #next()} returns the current full list, possibly empty, as soon as the backend has answered.
 * Each later call blocks until the set of instances changed, and returns the full new list sorted by id; equal
 * consecutive lists are never returned twice, and a burst of changes may be returned as its latest state. While the
 * backend is unreachable the watcher keeps the last list and {@link #isStale()} is true; it never reports an outage
 * as an empty list.
 *
 * <p>{@code next()} is meant for one consuming thread; {@link #stop()} may be called from any thread, is
 * idempotent, and wakes a blocked {@code next()}, which then throws {@link RegistryException} of kind
 * {@link RegistryException.Kind#CLOSED}.
 */
public interface Watcher extends AutoCloseable {

    /**
     * Returns the current list the first time, then blocks until it changes.
     *
     * @return the full list of instances, sorted by id, possibly empty, never null
     * @throws InterruptedException if the thread was interrupted while waiting
     * @throws RegistryException of kind {@code CLOSED} once the watcher or its registry was stopped
     */
    List<ServiceInstance> next() throws InterruptedException;

    /** Stops this watcher and wakes a blocked {@link #next()}; idempotent. */
    void stop();

    /**
     * Tells whether the backend is currently unreachable, so the last list may be out of date.
     *
     * @return true while the list is stale; false for implementations that cannot tell
     */
    default boolean isStale() {
        return false;
    }

    /** The same as {@link #stop()}. */
    @Override
    default void close() {
        stop();
    }
}
