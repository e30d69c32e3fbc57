package io.registry4j.testkit;

import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.spi.AbstractServiceRegistry;

/**
 * How a backend's test breaks its server for the fault scenarios of {@link RegistryCompatibilityKit}. Implement the
 * methods of the faults listed in {@link Capabilities#faults()}; the others are never called. Each method acts on the
 * real server (or its SDK), never on the registry's own state, and returns once the fault is in place.
 */
public interface Faults {

    /**
     * Stops the server; clients must see it as unreachable. {@link Fault#SERVER_RESTART}.
     *
     * @throws Exception if the server could not be stopped
     */
    default void stopServer() throws Exception {
        throw new UnsupportedOperationException("stopServer");
    }

    /**
     * Starts the stopped server again on the same address. {@link Fault#SERVER_RESTART}.
     *
     * @throws Exception if the server could not be started
     */
    default void startServer() throws Exception {
        throw new UnsupportedOperationException("startServer");
    }

    /**
     * Expires the session or lease of {@code registry} on the server. {@link Fault#SESSION_EXPIRY}.
     *
     * @param registry a registry made by the kit's {@code newRegistry()}
     * @throws Exception if the expiry could not be caused
     */
    default void expireSession(ServiceRegistry registry) throws Exception {
        throw new UnsupportedOperationException("expireSession");
    }

    /**
     * Deletes {@code instance}, registered by {@code registry}, directly on the server.
     * {@link Fault#DELETE_BEHIND_BACK}.
     *
     * @param registry the registry that registered it
     * @param instance the instance
     * @throws Exception if it could not be deleted
     */
    default void deleteBehindBack(ServiceRegistry registry, ServiceInstance instance) throws Exception {
        throw new UnsupportedOperationException("deleteBehindBack");
    }

    /**
     * Breaks the watch streams of {@code registry} (for example by cancelling them on the server or cutting the
     * connection) without an outage of the server. {@link Fault#DROP_WATCH}.
     *
     * @param registry a registry with open watches
     * @throws Exception if the streams could not be dropped
     */
    default void dropWatches(ServiceRegistry registry) throws Exception {
        throw new UnsupportedOperationException("dropWatches");
    }

    /**
     * Drops the watch streams of {@code registry} like {@link #dropWatches}, but holds back one notification of the
     * dropped stream of {@code service}: the service's entries as they are now. {@link Fault#LATE_UPDATE}.
     *
     * @param registry a registry watching {@code service}
     * @param service the watched service
     * @throws Exception if the streams could not be dropped
     */
    default void dropWatchesHoldingAnUpdate(ServiceRegistry registry, String service) throws Exception {
        throw new UnsupportedOperationException("dropWatchesHoldingAnUpdate");
    }

    /**
     * Delivers the notification held back by {@link #dropWatchesHoldingAnUpdate} to the dropped stream's receiver in
     * the registry, and returns once the registry has handled it. {@link Fault#LATE_UPDATE}.
     *
     * @param registry the registry
     * @param service the service
     * @throws Exception if it could not be delivered
     */
    default void deliverHeldUpdate(ServiceRegistry registry, String service) throws Exception {
        throw new UnsupportedOperationException("deliverHeldUpdate");
    }

    /**
     * Writes, directly on the server, an entry under {@code service} that does not decode to a valid instance (bad
     * JSON, missing port, malformed metadata: whatever is natural for the backend), keyed by {@code id}.
     * {@link Fault#GARBAGE_ENTRY}.
     *
     * @param service the service name
     * @param id the entry's id or key
     * @throws Exception if it could not be written
     */
    default void writeGarbage(String service, String id) throws Exception {
        throw new UnsupportedOperationException("writeGarbage");
    }

    /**
     * Removes the entry written by {@link #writeGarbage}. {@link Fault#GARBAGE_ENTRY}.
     *
     * @param service the service name
     * @param id the entry's id or key
     * @throws Exception if it could not be removed
     */
    default void removeGarbage(String service, String id) throws Exception {
        throw new UnsupportedOperationException("removeGarbage");
    }

    /**
     * How many native watches of {@code service} the registry holds right now. {@link Fault#WATCH_COUNT}. The default
     * asks a registry built on {@link AbstractServiceRegistry} for the watches it opened and has not closed
     * ({@link AbstractServiceRegistry#openWatches}); a backend whose server can count its clients' watches should
     * count there instead, which also catches a backend whose close of a watch does not reach the server.
     *
     * @param registry a registry made by the kit's {@code newRegistry()}
     * @param service the service name
     * @return the number of open native watches
     * @throws Exception if they could not be counted
     */
    default int nativeWatches(ServiceRegistry registry, String service) throws Exception {
        if (registry instanceof AbstractServiceRegistry r) {
            return r.openWatches(service);
        }
        throw new UnsupportedOperationException("nativeWatches");
    }
}
