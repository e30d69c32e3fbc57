package io.registry4j;

import java.util.List;
import java.util.concurrent.Executor;

/**
 * Finds the instances of a service and watches them change.
 *
 * <p>Names are exact: {@code hello} never matches {@code helloworld}. {@link #getService} and {@link #watch} apply the
 * same health policy, so they agree on what an instance is. Implementations are thread-safe.
 */
public interface Discovery {

    /**
     * Returns the instances of a service. Built-in backends answer from the shared watch of the service when one is
     * open and current, and from the backend otherwise.
     *
     * @param name the service name
     * @return the instances, sorted by id, possibly empty (an unknown service has none), never null
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is not a valid service name
     * @throws RegistryException if the backend could not be reached in time
     */
    List<ServiceInstance> getService(String name);

    /**
     * Starts watching a service. This does no blocking I/O and does not fail when the backend is down: the watcher
     * reports that as stale state and recovers by itself.
     *
     * @param name the service name
     * @return a new watcher; stop it when done
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is not a valid service name
     * @throws RegistryException of kind {@code CLOSED} if the registry is closed
     */
    Watcher watch(String name);

    /**
     * Delivers the states of a service to a listener, in order, one at a time, on {@code executor}.
     *
     * <p>Built-in backends share one native watch per service between all watchers and listeners, and take no
     * thread of their own per subscription. This default, for backends that implement only {@link #watch(String)},
     * occupies one task of {@code executor} for as long as the subscription is open, so {@code executor} must have a
     * thread to spare ({@code Runnable::run} would never return); it delivers {@code INITIAL} and {@code CHANGED}
     * events only (a backend that reports outages overrides this method to add {@code STALE} and {@code RECOVERED}).
     *
     * @param name the service name
     * @param executor runs the deliveries; {@code Runnable::run} delivers on the backend's own event thread, where a
     *     listener must neither block nor call the registry (hand such work to another executor)
     * @param listener receives the events
     * @return a handle that ends the deliveries when closed
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} is not a valid service name
     * @throws RegistryException of kind {@code CLOSED} if the registry is closed
     */
    default Subscription watch(String name, Executor executor, WatchListener listener) {
        java.util.Objects.requireNonNull(executor, "executor");
        java.util.Objects.requireNonNull(listener, "listener"); // before a watch is opened that would then leak
        return WatcherLoop.start(name, watch(name), executor, listener);
    }
}
