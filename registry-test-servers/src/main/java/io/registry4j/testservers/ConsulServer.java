package io.registry4j.testservers;

import java.net.URI;
import org.jspecify.annotations.Nullable;

/**
 * A Consul agent for tests: a real one from {@code REGISTRY4J_TEST_CONSUL=host:port}, else the in-process
 * {@link FakeConsul} (Consul's own server is under the BSL and is not used here). {@link #restartEmpty()} restarts the
 * fake as an agent without a data directory: empty, with a low index. Thread-safe.
 */
public final class ConsulServer extends FakeOrExternalServer<FakeConsul> {
    /** The backend name, also the suffix of the override variable: {@code REGISTRY4J_TEST_CONSUL}. */
    public static final String BACKEND = "consul";

    private ConsulServer(@Nullable FakeConsul fake, URI baseUri) {
        super(BACKEND, "fake Consul", "Consul agent", fake, baseUri);
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
        return start(env, BACKEND, fakeSettings::start, ConsulServer::new);
    }
}
