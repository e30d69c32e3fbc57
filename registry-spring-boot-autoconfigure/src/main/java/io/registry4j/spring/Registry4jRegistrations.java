package io.registry4j.spring;

import io.registry4j.RegistrationEvent;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.Subscription;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * The instances this application registered through registry4j and the registration state of each, as reported by
 * the registry's registration listener.
 */
public final class Registry4jRegistrations implements AutoCloseable {
    private final ServiceRegistry registry;
    private final List<ServiceInstance> registered = new CopyOnWriteArrayList<>();
    private final Map<String, RegistrationEvent> last = new ConcurrentHashMap<>();
    private final @Nullable Subscription subscription;

    /**
     * Tracks the registrations made through {@link #register}.
     *
     * @param registry the registry
     */
    public Registry4jRegistrations(ServiceRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        Subscription s;
        try {
            s = registry.addRegistrationListener(Runnable::run, e -> last.put(key(e.instance()), e));
        } catch (UnsupportedOperationException e) {
            s = null; // this registry does not report registration state: every instance counts as registered
        }
        subscription = s;
    }

    /** One registered instance and its current state. */
    public record Entry(
            ServiceInstance instance,
            RegistrationEvent.State state,
            @Nullable String cause) {
        /**
         * Tells whether the backend holds the instance.
         *
         * @return true for REGISTERED and RESTORED
         */
        public boolean isUp() {
            return state == RegistrationEvent.State.REGISTERED || state == RegistrationEvent.State.RESTORED;
        }
    }

    private static String key(ServiceInstance i) {
        return i.name() + "/" + i.id();
    }

    /**
     * Registers an instance and tracks it.
     *
     * @param instance the instance
     */
    public void register(ServiceInstance instance) {
        last.remove(key(instance));
        registry.register(instance);
        registered.add(instance);
    }

    /**
     * Deregisters an instance and stops tracking it.
     *
     * @param instance the instance
     */
    public void deregister(ServiceInstance instance) {
        registered.remove(instance);
        registry.deregister(instance);
        last.remove(key(instance));
    }

    /**
     * The tracked instances and their states.
     *
     * @return a snapshot
     */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        for (ServiceInstance i : registered) {
            RegistrationEvent e = last.get(key(i));
            RegistrationEvent.State state = e == null ? RegistrationEvent.State.REGISTERED : e.state();
            Throwable cause = e == null ? null : e.cause();
            out.add(new Entry(i, state, cause == null ? null : String.valueOf(cause.getMessage())));
        }
        return out;
    }

    @Override
    public void close() {
        if (subscription != null) {
            subscription.close();
        }
    }
}
