package io.registry4j.polaris;

import io.registry4j.polaris.internal.PolarisSdk;
import io.registry4j.testservers.PolarisServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts the real Polaris server (built from its Go module, about a second to start once built) once per test run and
 * shares it: it lives in the root context's store and is closed when the run ends. Test classes that need it declare
 * {@code @ExtendWith(SharedPolarisServer.class)}.
 */
final class SharedPolarisServer implements BeforeAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SharedPolarisServer.class);

    /** The SDK's files of every client the tests build, under target/. */
    static final Path SDK_DIRECTORY = Path.of("target", "polaris-sdk").toAbsolutePath();

    /** The heartbeat TTL of the tests' registries: short, so that losses are noticed within seconds. */
    static final Duration TTL = Duration.ofSeconds(2);

    private static volatile @Nullable PolarisServer server;

    /** Used by JUnit. */
    SharedPolarisServer() {}

    @Override
    public void beforeAll(ExtensionContext context) {
        server = context.getRoot()
                .getStore(NS)
                .computeIfAbsent(PolarisServer.class, k -> PolarisServer.start(), PolarisServer.class);
    }

    /** The running server; only after {@link #beforeAll}. */
    static PolarisServer server() {
        PolarisServer s = server;
        if (s == null) {
            throw new IllegalStateException(
                    "SharedPolarisServer has not started: add @ExtendWith(SharedPolarisServer.class)");
        }
        return s;
    }

    /**
     * A registry builder on the shared server, with test-friendly settings. While the server is down the SDK answers
     * a call only when its timeout ends, so each retry of an outage takes that long: 2 s here (calls on loopback take
     * milliseconds), where 5 s made the kit's outage scenarios wait minutes.
     */
    static PolarisRegistry.Builder registry() {
        return PolarisRegistry.builder()
                .serverAddresses(server().grpcAddress())
                .sdkDirectory(SDK_DIRECTORY)
                .callTimeout(Duration.ofSeconds(2))
                .ttl(TTL);
    }

    /** A plain SDK on the shared server, as another Polaris application would have; the caller closes it. */
    static PolarisSdk plainSdk() {
        return PolarisSdk.create(
                PolarisSdk.configuration(List.of(server().grpcAddress()), Duration.ofSeconds(5), SDK_DIRECTORY, false),
                SDK_DIRECTORY.resolve("logs"));
    }
}
