package io.registry4j.testservers;

import java.net.URI;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A server for tests of a backend that has an {@link InProcessFake}: a real server from
 * {@code REGISTRY4J_TEST_<BACKEND>=host:port}, else the fake. Tests say which they ran on through {@link #label()},
 * and name the fake in their display names.
 *
 * <p>Fault operations and inspection work on the fake only ({@link #fake()}); on a real server they throw
 * {@link UnsupportedOperationException}, and tests declare those faults unsupported. Thread-safe.
 *
 * @param <F> the fake's type
 */
public abstract class FakeOrExternalServer<F extends InProcessFake> implements TestServer {
    private final String backend;
    private final String fakeName;
    private final String realName;
    private final @Nullable F fake;
    private final URI baseUri;

    /**
     * For subclasses.
     *
     * @param backend the backend name, also the suffix of the override variable
     * @param fakeName what the fake is called in labels, such as {@code fake Consul}
     * @param realName what a real server is called in labels, such as {@code Consul agent}
     * @param fake the fake, or null for a real server
     * @param baseUri the server's base URL
     */
    protected FakeOrExternalServer(String backend, String fakeName, String realName, @Nullable F fake, URI baseUri) {
        this.backend = backend;
        this.fakeName = fakeName;
        this.realName = realName;
        this.fake = fake;
        this.baseUri = baseUri;
    }

    /**
     * The server the environment names for a backend, or a fake started now.
     *
     * @param env the environment
     * @param backend the backend name
     * @param fake starts the fake, called only when the environment names no server
     * @param create makes the server from the fake (null for a real server) and the base URL
     * @param <F> the fake's type
     * @param <S> the server's type
     * @return the server
     */
    protected static <F extends InProcessFake, S extends FakeOrExternalServer<F>> S start(
            TestEnvironment env, String backend, Supplier<F> fake, BiFunction<@Nullable F, URI, S> create) {
        Optional<String> external = env.serverOverride(backend);
        if (external.isPresent()) {
            String a = external.get();
            return create.apply(null, URI.create(a.contains("://") ? a : "http://" + a));
        }
        F f = fake.get();
        return create.apply(f, f.baseUri());
    }

    /**
     * The server's base URL, such as {@code http://127.0.0.1:41234}.
     *
     * @return the URL
     */
    public URI baseUri() {
        return baseUri;
    }

    /**
     * {@code host:port} of the server.
     *
     * @return the address
     */
    public String address() {
        return baseUri.getHost() + ":" + baseUri.getPort();
    }

    /**
     * The fake, when this is one.
     *
     * @return the fake, or empty for a real server
     */
    public Optional<F> fake() {
        return Optional.ofNullable(fake);
    }

    /**
     * The fake, for fault operations.
     *
     * @return the fake
     * @throws UnsupportedOperationException on a real server
     */
    public F requireFake() {
        if (fake == null) {
            throw new UnsupportedOperationException("the " + realName + " at " + baseUri + " is real ("
                    + TestEnvironment.overrideVariable(backend) + "); only the fake injects faults");
        }
        return fake;
    }

    /**
     * What the tests run on, for messages, such as {@code fake Consul} or {@code Consul agent at ...}.
     *
     * @return the label
     */
    public String label() {
        return fake != null ? fakeName : realName + " at " + baseUri;
    }

    /**
     * Why a suite declares its faults unsupported on a real server.
     *
     * @return the reason, naming the variable the server came from
     */
    public String externalReason() {
        return "the " + realName + " comes from " + TestEnvironment.overrideVariable(backend) + " and only the "
                + fakeName + " injects faults";
    }

    @Override
    public boolean isExternal() {
        return fake == null;
    }

    @Override
    public boolean supportsRestart() {
        return fake != null;
    }

    @Override
    public boolean isRunning() {
        return fake == null || fake.isRunning();
    }

    @Override
    public void stop() {
        requireFake().stop();
    }

    @Override
    public void restart() {
        F f = requireFake();
        f.stop();
        f.start();
    }

    /** Restarts the fake with no state, as the real server does when it loses its data. */
    public void restartEmpty() {
        requireFake().restartEmpty();
    }

    @Override
    public void close() {
        if (fake != null) {
            fake.close();
        }
    }

    @Override
    public String toString() {
        return label();
    }
}
