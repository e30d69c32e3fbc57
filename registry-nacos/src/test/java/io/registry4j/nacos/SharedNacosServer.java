package io.registry4j.nacos;

import com.alibaba.nacos.api.exception.NacosException;
import com.alibaba.nacos.api.naming.NamingFactory;
import com.alibaba.nacos.api.naming.NamingService;
import io.registry4j.testservers.NacosServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts the real Nacos server (about 10 s) once per test run and shares it: it lives in the root context's store
 * and is closed when the run ends. Test classes that need it declare {@code @ExtendWith(SharedNacosServer.class)}.
 */
final class SharedNacosServer implements BeforeAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SharedNacosServer.class);

    /** The SDK's cache of every client the tests build, under target/. */
    static final Path SDK_DIRECTORY = Path.of("target", "nacos-sdk").toAbsolutePath();

    private static volatile @Nullable NacosServer server;

    /** Used by JUnit. */
    SharedNacosServer() {}

    @Override
    public void beforeAll(ExtensionContext context) {
        server = context.getRoot()
                .getStore(NS)
                .computeIfAbsent(NacosServer.class, k -> NacosServer.start(), NacosServer.class);
    }

    /** The running server; only after {@link #beforeAll}. */
    static NacosServer server() {
        NacosServer s = server;
        if (s == null) {
            throw new IllegalStateException(
                    "SharedNacosServer has not started: add @ExtendWith(SharedNacosServer.class)");
        }
        return s;
    }

    /** A registry builder on the shared server, with test-friendly settings. */
    static NacosRegistry.Builder registry() {
        return NacosRegistry.builder()
                .serverAddresses(server().serverAddr())
                .sdkDirectory(SDK_DIRECTORY)
                .callTimeout(Duration.ofSeconds(5))
                .instanceCheckInterval(Duration.ofSeconds(1));
    }

    /** A plain SDK client on the shared server, as another Nacos application would have; the caller shuts it down. */
    static NamingService plainClient() throws NacosException {
        Properties p = new Properties();
        p.setProperty("serverAddr", server().serverAddr());
        p.setProperty("JM.SNAPSHOT.PATH", SDK_DIRECTORY.toString());
        return NamingFactory.createNamingService(p);
    }
}
