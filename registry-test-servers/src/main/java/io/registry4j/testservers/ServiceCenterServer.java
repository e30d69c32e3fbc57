package io.registry4j.testservers;

import java.net.URI;
import org.jspecify.annotations.Nullable;

/**
 * A service-center for tests: a real one from {@code REGISTRY4J_TEST_SERVICECOMB=host:port}, else the in-process
 * {@link FakeServiceCenter} (the real server's Go module is not served by the module proxy reachable here).
 * {@link #restartEmpty()} restarts the fake as a server on an empty etcd. Thread-safe.
 */
public final class ServiceCenterServer extends FakeOrExternalServer<FakeServiceCenter> {
    /** The backend name, also the suffix of the override variable: {@code REGISTRY4J_TEST_SERVICECOMB}. */
    public static final String BACKEND = "servicecomb";

    private ServiceCenterServer(@Nullable FakeServiceCenter fake, URI baseUri) {
        super(BACKEND, "fake service-center", "service-center", fake, baseUri);
    }

    /**
     * The server from {@code REGISTRY4J_TEST_SERVICECOMB}, or a fake with the given settings.
     *
     * @param fakeSettings the fake's settings, used only when no real server is configured
     * @return the server
     */
    public static ServiceCenterServer start(FakeServiceCenter.Builder fakeSettings) {
        return start(TestEnvironment.system(), fakeSettings);
    }

    /**
     * The server the environment names, or a fake with the given settings.
     *
     * @param env the environment
     * @param fakeSettings the fake's settings
     * @return the server
     */
    public static ServiceCenterServer start(TestEnvironment env, FakeServiceCenter.Builder fakeSettings) {
        return start(env, BACKEND, fakeSettings::start, ServiceCenterServer::new);
    }
}
