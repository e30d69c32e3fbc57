package io.registry4j.spi;

import io.registry4j.RegistryException;
import io.registry4j.WatchEvent;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Observes the backend calls and watch deliveries of an {@link AbstractServiceRegistry}, for metrics: registry-api has no metrics
 * dependency, a binder (such as registry-micrometer's) adapts this to its meters. Called on the thread that made the
 * call, after it returned or failed; an observer must be quick and must not throw (what it throws is logged and
 * ignored).
 */
@FunctionalInterface
public interface RegistryObserver {

    /** The backend calls observed. */
    enum Operation {
        /** Writing an instance: {@code register} and re-registration after a loss. */
        REGISTER,
        /** Removing an instance. */
        DEREGISTER,
        /** Checking that a registered instance is still there (keepalive). */
        KEEPALIVE,
        /** Reading a service's instances for {@code getService} when no watch holds them. */
        READ
    }

    /**
     * One backend call ended.
     *
     * @param operation what the call did
     * @param elapsed how long it took
     * @param error how it failed, or null if it succeeded
     */
    void call(Operation operation, Duration elapsed, RegistryException.@Nullable Kind error);

    /**
     * A watch event is about to be handed to one listener (on the listener's executor).
     *
     * @param service the watched service
     * @param type the event's type
     * @param lag from the change in the registry's view of the service (a new list from the backend, or the watch
     *     going stale or recovering) to this delivery, including the wait for the listener's executor
     */
    default void delivered(String service, WatchEvent.Type type, Duration lag) {}
}
