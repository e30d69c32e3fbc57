package io.registry4j;

/**
 * Registers instances of this process's services.
 *
 * <p>Registration is desired state: once {@link #register} returns, the implementation keeps the instance alive
 * (lease, heartbeat, ephemeral node) and puts it back when the backend loses it, with backoff, until
 * {@link #deregister} or until the registry is closed. Implementations are thread-safe; both calls are bounded by the
 * backend's call timeout.
 */
public interface Registrar {

    /**
     * Registers an instance, or updates it if this registrar already registered an instance with the same name and
     * id.
     *
     * @param instance the instance
     * @throws NullPointerException if {@code instance} is null
     * @throws RegistryException if the backend refused or could not be reached in time; the instance is then not
     *     kept, and the call may be retried
     */
    void register(ServiceInstance instance);

    /**
     * Removes an instance this registrar registered, and stops keeping it alive. Deregistering an instance this
     * registrar does not hold does nothing: a registrar never removes what another process wrote.
     *
     * @param instance the instance; only its name and id matter
     * @throws NullPointerException if {@code instance} is null
     * @throws RegistryException if the backend could not be reached in time; the instance is no longer kept alive
     *     either way, so the backend drops it when its lease or session ends
     */
    void deregister(ServiceInstance instance);
}
