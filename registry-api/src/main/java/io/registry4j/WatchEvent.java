package io.registry4j;

import java.util.List;
import java.util.Objects;

/**
 * One delivery to a {@link WatchListener}: the full list of a service's instances and why it is delivered.
 *
 * @param service the watched service name
 * @param instances the full list, sorted by id; for {@link Type#STALE}, the last list read (empty if none was)
 * @param type why this event is delivered
 */
public record WatchEvent(String service, List<ServiceInstance> instances, Type type) {

    /** Why an event is delivered. */
    public enum Type {
        /** The first authoritative list, possibly empty. Always the first event unless the backend is down. */
        INITIAL,
        /** The set of instances changed. */
        CHANGED,
        /** The backend became unreachable; {@code instances} is the last list read and may be out of date. */
        STALE,
        /** The backend is reachable again; {@code instances} is the current list, changed or not. */
        RECOVERED
    }

    /**
     * Creates an event, copying the list.
     *
     * @throws NullPointerException if any component is null
     */
    public WatchEvent {
        Objects.requireNonNull(service, "service");
        instances = List.copyOf(instances);
        Objects.requireNonNull(type, "type");
    }

    /**
     * Tells whether {@code instances} is authoritative, that is, not {@link Type#STALE}.
     *
     * @return false only for stale events
     */
    public boolean isAuthoritative() {
        return type != Type.STALE;
    }
}
