package io.registry4j.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import io.registry4j.grpc.internal.DiscoverySource;
import io.registry4j.testkit.InMemoryRegistry;
import io.registry4j.testkit.InMemoryServer;
import io.registry4j.testkit.RegistryLeakCheck;
import io.registry4j.testservers.TestTime;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The {@code registry4j://} form, found by gRPC through {@link java.util.ServiceLoader}, with no code. */
@ExtendWith(RegistryLeakCheck.class)
class UrlFormTest {
    private static final Duration WAIT = TestTime.scaled(Duration.ofSeconds(20));

    @Test
    void theProviderIsFoundByServiceLoaderForItsScheme() {
        assertThat(NameResolverRegistry.getDefaultRegistry().getProviderForScheme("registry4j"))
                .isInstanceOf(RegistryNameResolverProvider.class);
    }

    @Test
    void targetsWithoutASchemeStayWithDnsWhenTheProviderIsLoaded() {
        // This module's classes come first on the test class path, so ServiceLoader finds the provider before DNS.
        assertThat(NameResolverRegistry.getDefaultRegistry().getProviderForScheme("registry4j"))
                .isNotNull();
        assertThat(NameResolverRegistry.getDefaultRegistry().asFactory().getDefaultScheme())
                .isEqualTo("dns");
    }

    @Test
    void channelsOfOneRegistryUrlShareOneRegistryClosedWithTheLastChannel() throws Exception {
        InMemoryServer server = InMemoryServer.named("grpc-url-form-test");
        try (LoopbackGrpcServer a = LoopbackGrpcServer.start("a");
                InMemoryRegistry registrar =
                        InMemoryRegistry.builder().server(server).build()) {
            registrar.register(a.instance("orders", "i1"));
            String target = "registry4j://memory/orders?address=grpc-url-form-test";
            ManagedChannel first = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
                    .build();
            ManagedChannel second = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
                    .build();
            try {
                assertThat(LoopbackGrpcServer.whoami(first)).isEqualTo("a");
                assertThat(LoopbackGrpcServer.whoami(second)).isEqualTo("a");
                assertThat(DiscoverySource.Shared.openCount()).isEqualTo(1);
            } finally {
                first.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
                second.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
            await().atMost(WAIT).until(() -> DiscoverySource.Shared.openCount() == 0);
        }
    }

    private static io.grpc.NameResolver.Args args() {
        return io.grpc.NameResolver.Args.newBuilder()
                .setDefaultPort(443)
                .setProxyDetector(address -> null)
                .setSynchronizationContext(new io.grpc.SynchronizationContext((t, e) -> {}))
                .setServiceConfigParser(new io.grpc.NameResolver.ServiceConfigParser() {
                    @Override
                    public io.grpc.NameResolver.ConfigOrError parseServiceConfig(java.util.Map<String, ?> raw) {
                        return io.grpc.NameResolver.ConfigOrError.fromConfig(new Object());
                    }
                })
                .build();
    }

    @Test
    void aBadTargetFailsTheChannelBuildNamingTheTarget() {
        RegistryNameResolverProvider provider = new RegistryNameResolverProvider();
        assertThatIllegalArgumentException()
                .isThrownBy(() -> provider.newNameResolver(URI.create("registry4j://memory/?address=x"), args()))
                .withMessageContaining("registry4j://memory/?address=x")
                .withMessageContaining("names no service");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> provider.newNameResolver(URI.create("registry4j://nosuch/orders?address=x"), args()))
                .withMessageContaining("names backend 'nosuch'")
                .withMessageContaining("memory");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> provider.newNameResolver(
                        URI.create("registry4j://memory/orders?address=x&ttl=5s&password=hunter2"), args()))
                .withMessageContaining("[password, ttl]")
                .withMessageContaining("options of memory: [keepAlive]")
                .withMessageNotContaining("hunter2");
        assertThat(provider.newNameResolver(URI.create("dns:///localhost"), args()))
                .isNull();
    }
}
