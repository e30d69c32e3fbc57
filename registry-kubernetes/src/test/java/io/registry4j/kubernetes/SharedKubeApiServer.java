package io.registry4j.kubernetes;

import io.registry4j.testservers.KubeApiServer;
import io.registry4j.testservers.TestEnvironment;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts the real kube-apiserver (on its own etcd; {@code REGISTRY4J_TEST_KUBECONFIG} names a cluster instead) once
 * per test run and shares it: it lives in the root context's store and is closed when the run ends, before the JVM
 * exits. Test classes that need it declare {@code @ExtendWith(SharedKubeApiServer.class)}.
 */
final class SharedKubeApiServer implements BeforeAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SharedKubeApiServer.class);

    private static volatile @Nullable KubeApiServer server;

    /** Used by JUnit. */
    SharedKubeApiServer() {}

    @Override
    public void beforeAll(ExtensionContext context) {
        server = context.getRoot().getStore(NS).computeIfAbsent(KubeApiServer.class, k -> start(), KubeApiServer.class);
    }

    private static KubeApiServer start() {
        TestEnvironment env = TestEnvironment.system();
        return KubeApiServer.external(env).orElseGet(() -> KubeApiServer.start(env, KubeApiServer.binary(env)));
    }

    /** The running server; only after {@link #beforeAll}. */
    static KubeApiServer server() {
        KubeApiServer s = server;
        if (s == null) {
            throw new IllegalStateException(
                    "SharedKubeApiServer has not started: add @ExtendWith(SharedKubeApiServer.class)");
        }
        return s;
    }
}
