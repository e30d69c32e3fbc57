package io.registry4j;

import java.util.concurrent.Executor;

/**
 * A client of one registry backend that both registers and discovers; what every built-in backend class
 * ({@code EtcdRegistry}, {@code ZooKeeperRegistry}, …) implements and what {@link Registries#open(java.net.URI)}
 * returns.
 *
 * <p>Thread-safe. {@link #close()} stops every watcher, deregisters what this registry registered (bounded by the
 * call timeout), stops the registry's threads, and closes the native client only if the registry created it: a
 * client passed in by the user is left open.
 */
public interface ServiceRegistry extends Registrar, Discovery, AutoCloseable {

    /**
     * The backend's name, such as {@code etcd}; used in messages and thread names.
     *
     * @return the backend name
     */
    default String backend() {
        return getClass().getSimpleName();
    }

    /**
     * Subscribes to the registration state of the instances this registry keeps: {@code REGISTERED}, {@code LOST},
     * {@code RETRYING}, {@code RESTORED}.
     *
     * @param executor runs the deliveries, in order
     * @param listener receives the events
     * @return a handle that ends the deliveries when closed
     * @throws UnsupportedOperationException if this implementation does not report registration state
     */
    default Subscription addRegistrationListener(Executor executor, RegistrationListener listener) {
        throw new UnsupportedOperationException(getClass().getName() + " does not report registration state");
    }

    /** Closes the registry; idempotent, and throws no checked exception. */
    @Override
    void close();
}
