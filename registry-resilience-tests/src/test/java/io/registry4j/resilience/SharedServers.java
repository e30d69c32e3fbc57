package io.registry4j.resilience;

import io.registry4j.testservers.EurekaServer;
import io.registry4j.testservers.NacosServer;
import io.registry4j.testservers.NetworkNamespace;
import io.registry4j.testservers.TestServer;
import io.registry4j.testservers.ToxiproxyServer;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

/**
 * One Nacos and one Eureka server for the whole test run, each in its own network namespace, shared by the partition,
 * churn and degraded-link scenarios of that backend (and one Toxiproxy, for the degraded links): Nacos takes 10 s or more to start, and the CI budget has no room for starting it
 * per scenario. Each lives in the root context's store, which closes it (an AutoCloseable) when the run ends. Where network namespaces
 * cannot be made (outside CI), the server runs on loopback instead, so that churn still runs and only the partition
 * skips, loudly. Test classes that use it declare {@code @ExtendWith(SharedServers.class)}.
 */
final class SharedServers implements BeforeAllCallback {
    private static final ExtensionContext.Namespace STORE = ExtensionContext.Namespace.create(SharedServers.class);

    private static volatile ExtensionContext.@Nullable Store store;

    /** Used by JUnit. */
    SharedServers() {}

    @Override
    public void beforeAll(ExtensionContext context) {
        store = context.getRoot().getStore(STORE);
    }

    /** A shared server, the namespace it runs in (or why there is none), closed at the end of the run. */
    static final class Shared<S extends TestServer> implements AutoCloseable {
        private final @Nullable NetworkNamespace namespace;
        private final @Nullable TestAbortedException noNamespace;
        final S server;

        Shared(@Nullable NetworkNamespace namespace, @Nullable TestAbortedException noNamespace, S server) {
            this.namespace = namespace;
            this.noNamespace = noNamespace;
            this.server = server;
        }

        /** The namespace; aborts the test (loudly, see {@link NetworkNamespace#create()}) if there is none. */
        NetworkNamespace namespace() {
            if (namespace == null) {
                throw Objects.requireNonNull(noNamespace);
            }
            return namespace;
        }

        @Override
        public void close() {
            try {
                server.close();
            } finally {
                if (namespace != null) {
                    namespace.close();
                }
            }
        }
    }

    /** The shared Nacos server. */
    @SuppressWarnings("unchecked")
    static Shared<NacosServer> nacos() {
        return (Shared<NacosServer>) requireStore()
                .computeIfAbsent(
                        NacosServer.class,
                        k -> start(NacosServer::start, ignored -> NacosServer.start()),
                        Shared.class);
    }

    /** The shared Eureka server. */
    @SuppressWarnings("unchecked")
    static Shared<EurekaServer> eureka() {
        return (Shared<EurekaServer>) requireStore()
                .computeIfAbsent(
                        EurekaServer.class,
                        k -> start(ns -> EurekaServer.start(ns, List.of()), ignored -> EurekaServer.start()),
                        Shared.class);
    }

    /**
     * The shared Toxiproxy server (on loopback, in no namespace: it reaches the servers the way the test JVM does),
     * for the degraded-link scenarios; each scenario makes its own proxies in it.
     */
    static ToxiproxyServer toxiproxy() {
        return requireStore()
                .computeIfAbsent(ToxiproxyServer.class, k -> ToxiproxyServer.start(), ToxiproxyServer.class);
    }

    private static <S extends TestServer> Shared<S> start(
            Function<NetworkNamespace, S> inNamespace, Function<Void, S> onLoopback) {
        NetworkNamespace namespace;
        try {
            namespace = NetworkNamespace.create();
        } catch (TestAbortedException noNamespace) {
            return new Shared<>(null, noNamespace, onLoopback.apply(null));
        }
        try {
            return new Shared<>(namespace, null, inNamespace.apply(namespace));
        } catch (RuntimeException | Error e) {
            namespace.close();
            throw e;
        }
    }

    private static ExtensionContext.Store requireStore() {
        ExtensionContext.Store s = store;
        if (s == null) {
            throw new IllegalStateException("SharedServers has not run: add @ExtendWith(SharedServers.class)");
        }
        return s;
    }
}
