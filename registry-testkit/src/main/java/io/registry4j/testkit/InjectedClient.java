package io.registry4j.testkit;

import io.registry4j.ServiceRegistry;

/**
 * A registry built on a native client that the test owns, for the kit's check that closing the registry leaves
 * such a client open.
 */
public interface InjectedClient extends AutoCloseable {

    /**
     * The registry built on the client.
     *
     * @return the registry
     */
    ServiceRegistry registry();

    /**
     * Makes a real call with the native client, failing if the client was closed.
     *
     * @throws Exception if the client is unusable
     */
    void assertClientUsable() throws Exception;

    /** Closes the native client (the test owns it); wraps checked failures in unchecked ones. */
    @Override
    void close();
}
