package io.registry4j.testkit;

import io.registry4j.RegistrationEvent;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each tracked registry holds registered (its last {@code REGISTERED} or {@code RESTORED} event per instance), for
 * {@link Faults} that act from the server's side on a registry's instances, such as
 * {@link Faults#expireSession(ServiceRegistry)} on a backend without sessions (Consul reaps the services, Eureka
 * cancels the leases). Thread-safe.
 */
public final class RegisteredInstances {
    private final Map<ServiceRegistry, Set<ServiceInstance>> byRegistry = new ConcurrentHashMap<>();

    /** Starts empty. */
    public RegisteredInstances() {}

    /**
     * Tracks what {@code registry} registers from now on.
     *
     * @return {@code registry}
     */
    public <R extends ServiceRegistry> R track(R registry) {
        Set<ServiceInstance> held = ConcurrentHashMap.newKeySet();
        registry.addRegistrationListener(Runnable::run, e -> {
            if (e.state() == RegistrationEvent.State.REGISTERED || e.state() == RegistrationEvent.State.RESTORED) {
                held.add(e.instance());
            }
        });
        byRegistry.put(registry, held);
        return registry;
    }

    /** Returns what {@code registry} has registered so far; empty if it is not tracked. */
    public Set<ServiceInstance> of(ServiceRegistry registry) {
        return Set.copyOf(byRegistry.getOrDefault(registry, Set.of()));
    }

    /** Forgets every tracked registry. */
    public void clear() {
        byRegistry.clear();
    }
}
