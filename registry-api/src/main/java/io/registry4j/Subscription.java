package io.registry4j;

/** A handle on a listener registration; closing it stops the deliveries. Thread-safe and idempotent. */
@FunctionalInterface
public interface Subscription extends AutoCloseable {

    /** Stops deliveries to the listener; a delivery already running finishes. Idempotent. */
    @Override
    void close();
}
