package io.registry4j.testservers;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * A fake server that runs in the test's JVM on a loopback port: it can be stopped (clients see connection refused),
 * started again on the same port with its state, and restarted empty. Thread-safe.
 */
public interface InProcessFake extends AutoCloseable {
    /**
     * {@code 127.0.0.1:port}.
     *
     * @return host and port
     */
    String address();

    /**
     * The base URL, such as {@code http://127.0.0.1:41234}.
     *
     * @return the URL
     */
    default URI baseUri() {
        return URI.create("http://" + address());
    }

    /**
     * Whether it serves.
     *
     * @return true between {@link #start()} and {@link #stop()}
     */
    boolean isRunning();

    /** Starts serving on the same port, with the state it had. Does nothing if running. */
    void start();

    /** Stops serving; the state is kept for {@link #start()}. Idempotent. */
    void stop();

    /** Restarts with no state, as the real server does when it loses its data. */
    void restartEmpty();

    /**
     * The requests served so far, as {@code METHOD path?query}, oldest first.
     *
     * @return a copy
     */
    List<String> requests();

    /**
     * Waits for the next request of a kind (such as the next heartbeat of an instance), so that a fault injected
     * right after it has a whole interval before the client's next one.
     *
     * @param what what is awaited, for the timeout's message
     * @param kind which requests count
     * @param atMost how long to wait
     */
    default void awaitNextRequest(String what, Predicate<String> kind, Duration atMost) {
        long seen = requests().stream().filter(kind).count();
        Awaitility.await(what)
                .atMost(atMost)
                .pollInterval(Duration.ofMillis(10))
                .until(() -> requests().stream().filter(kind).count() > seen);
    }

    /** Stops for good. */
    @Override
    void close();
}
