package io.registry4j;

/**
 * Receives the snapshots of a watched service.
 *
 * <p>Events of one subscription arrive in order, one at a time, never concurrently, on the executor given to
 * {@link Discovery#watch(String, java.util.concurrent.Executor, WatchListener)}. When events come faster than the
 * listener takes them, intermediate lists are skipped and the latest is delivered. A listener should not block; an
 * exception it throws is logged and does not end the subscription.
 */
@FunctionalInterface
public interface WatchListener {

    /**
     * Called with each new state of the service.
     *
     * @param event the event
     */
    void onEvent(WatchEvent event);
}
