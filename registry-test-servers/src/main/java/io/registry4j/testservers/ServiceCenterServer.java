package io.registry4j.testservers;

import java.net.URI;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A service-center for tests: a real one from {@code REGISTRY4J_TEST_SERVICECOMB=host:port}, else the in-process
 * {@link FakeServiceCenter} (the real server's Go module is not served by the module proxy reachable here). Tests say which they ran on through
 * {@link #label()}, and name the fake in their display names.
 *
 * <p>Fault operations and inspection work on the fake only ({@link #fake()}); on a real server they throw
 * {@link UnsupportedOperationException}, and tests declare those faults unsupported. Thread-safe.
 */
public final class ServiceCenterServer implements TestServer {
    /** The backend name, also the suffix of the override variable: {@code REGISTRY4J_TEST_SERVICECOMB}. */
    public static final String BACKEND = "servicecomb";

    private final @Nullable FakeServiceCenter fake;
    private final URI baseUri;

    private ServiceCenterServer(@Nullable FakeServiceCenter fake, URI baseUri) {
        this.fake = fake;
        this.baseUri = baseUri;
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
        Optional<String> external = env.serverOverride(BACKEND);
        if (external.isPresent()) {
            String a = external.get();
            return new ServiceCenterServer(null, URI.create(a.contains("://") ? a : "http://" + a));
        }
        FakeServiceCenter f = fakeSettings.start();
        return new ServiceCenterServer(f, f.baseUri());
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
    public Optional<FakeServiceCenter> fake() {
        return Optional.ofNullable(fake);
    }

    /**
     * The fake, for fault operations.
     *
     * @return the fake
     * @throws UnsupportedOperationException on a real server
     */
    public FakeServiceCenter requireFake() {
        if (fake == null) {
            throw new UnsupportedOperationException("the service-center at " + baseUri
                    + " is real (REGISTRY4J_TEST_SERVICECOMB); only the fake injects faults");
        }
        return fake;
    }

    /**
     * What the tests run on, for messages: {@code fake service-center} or {@code service-center at ...}.
     *
     * @return the label
     */
    public String label() {
        return fake != null ? "fake service-center" : "service-center at " + baseUri;
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
        FakeServiceCenter f = requireFake();
        f.stop();
        f.start();
    }

    /** Restarts the fake as a server on an empty etcd. */
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
