package io.registry4j.testkit;

/** The faults the compatibility kit injects through {@link Faults}; a backend declares which it supports. */
public enum Fault {
    /** The server stops (clients see an outage) and starts again on the same address. */
    SERVER_RESTART,
    /** The registry's session or lease expires on the server, so the server drops its instances. */
    SESSION_EXPIRY,
    /** Someone deletes one of the registry's instances from the server behind its back. */
    DELETE_BEHIND_BACK,
    /** The server or network drops the registry's watch streams without an outage. */
    DROP_WATCH,
    /** Someone writes an entry under a service that is not a valid instance. */
    GARBAGE_ENTRY,
    /**
     * The registry's watch stream is dropped while a notification is in flight on it, and that notification (the
     * service as it was before the drop) reaches the registry only after it has replaced the stream and read newer
     * state: a late update from a replaced source.
     */
    LATE_UPDATE,
    /**
     * Not a fault but a probe: the test can count the registry's native watches of a service, on the server or with
     * the backend's own counter ({@link Faults#nativeWatches}), to check one watch per service, closed with the last
     * watcher.
     */
    WATCH_COUNT
}
