package io.registry4j.testservers;

import java.net.URI;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A Consul agent for tests: a real one from {@code REGISTRY4J_TEST_CONSUL=host:port}, else the in-process
 * {@link FakeConsul} (Consul's own server is under the BSL and is not used here). Tests say which they ran on through
 * {@link #label()}, and name the fake in their display names.
 *
 * <p>Fault operations and inspection work on the fake only ({@link #fake()}); on a real agent they throw
 * {@link UnsupportedOperationException}, and tests declare those faults unsupported. Thread-safe.
 */
public final class ConsulServer implements TestServer {
    /** The backend name, also the suffix of the override variable: {@code REGISTRY4J_TEST_CONSUL}. */
    public static final String BACKEND = "consul";

    private final @Nullable FakeConsul fake;
    private final URI baseUri;

    private ConsulServer(@Nullable FakeConsul fake, URI baseUri) {
        this.fake = fake;
        this.baseUri = baseUri;
    }

    /**
     * The agent from {@code REGISTRY4J_TEST_CONSUL}, or a fake with the given settings.
     *
     * @param fakeSettings the fake's settings, used only when no real agent is configured
     * @return the server
     */
    public static ConsulServer start(FakeConsul.Builder fakeSettings) {
        return start(TestEnvironment.system(), fakeSettings);
    }

    /**
     * The agent the environment names, or a fake with the given settings.
     *
     * @param env the environment
     * @param fakeSettings the fake's settings
     * @return the server
     */
    public static ConsulServer start(TestEnvironment env, FakeConsul.Builder fakeSettings) {
        Optional<String> external = env.serverOverride(BACKEND);
        if (external.isPresent()) {
            String a = external.get();
            return new ConsulServer(null, URI.create(a.contains("://") ? a : "http://" + a));
        }
        FakeConsul f = fakeSettings.start();
        return new ConsulServer(f, f.baseUri());
    }

    /**
     * The agent's base URL, such as {@code http://127.0.0.1:41234}.
     *
     * @return the URL
     */
    public URI baseUri() {
        return baseUri;
    }

    /**
     * {@code host:port} of the agent.
     *
     * @return the address
     */
    public String address() {
        return baseUri.getHost() + ":" + baseUri.getPort();
    }

    /**
     * The fake, when this is one.
     *
     * @return the fake, or empty for a real agent
     */
    public Optional<FakeConsul> fake() {
        return Optional.ofNullable(fake);
    }

    /**
     * The fake, for fault operations.
     *
     * @return the fake
     * @throws UnsupportedOperationException on a real agent
     */
    public FakeConsul requireFake() {
        if (fake == null) {
            throw new UnsupportedOperationException("the Consul agent at " + baseUri
                    + " is real (REGISTRY4J_TEST_CONSUL); only the fake injects faults");
        }
        return fake;
    }

    /**
     * What the tests run on, for messages: {@code fake Consul} or {@code Consul agent at ...}.
     *
     * @return the label
     */
    public String label() {
        return fake != null ? "fake Consul" : "Consul agent at " + baseUri;
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
        FakeConsul f = requireFake();
        f.stop();
        f.start();
    }

    /** Restarts the fake as an agent without a data directory: empty, with a low index. */
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
