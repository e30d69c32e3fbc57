package io.registry4j.testservers;

/**
 * A backend server for tests, with the fault operations the compatibility kit needs.
 *
 * <p>A server is either <em>local</em> (the harness started it and can stop and restart it) or
 * <em>external</em> (its address came from {@code REGISTRY4J_TEST_<BACKEND>}; the harness started nothing
 * and can only use it). A fault operation the server cannot perform throws
 * {@link UnsupportedOperationException}; callers check {@link #supportsRestart()} first and skip that part
 * of a test, so that nothing is silently ignored.
 *
 * <p>Implementations are thread-safe; lifecycle methods are serialized.
 */
public interface TestServer extends AutoCloseable {
    /** Returns {@code true} if the server came from the environment and the harness does not control it. */
    boolean isExternal();

    /** Returns whether {@link #stop()} and {@link #restart()} work: true for local, false for external servers. */
    boolean supportsRestart();

    /** Returns whether the server is up; an external server is assumed to be. */
    boolean isRunning();

    /**
     * Stops the server and keeps its data; clients see a dead server on the same address. Does nothing if
     * it is stopped already.
     *
     * @throws UnsupportedOperationException if {@link #supportsRestart()} is false
     */
    void stop();

    /**
     * Starts the server again on the same address with the same data, stopping it first if it runs, and
     * returns once it serves.
     *
     * @throws UnsupportedOperationException if {@link #supportsRestart()} is false
     * @throws IllegalStateException if the server was closed
     */
    void restart();

    /** Stops a local server and deletes its files; leaves an external one alone. Idempotent. */
    @Override
    void close();
}
