package io.registry4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.Registries;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.spi.RegistryProvider;
import io.registry4j.spi.RegistryUri;
import java.net.URI;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Choosing a backend by URL scheme through {@link java.util.ServiceLoader}. */
@ExtendWith(RegistryLeakCheck.class)
class RegistriesTest {

    /** A second provider of {@code memory}, to make the choice ambiguous. */
    public static final class AnotherMemoryProvider implements RegistryProvider {
        /** For the service loader. */
        public AnotherMemoryProvider() {}

        @Override
        public Set<String> schemes() {
            return Set.of("memory");
        }

        @Override
        public Set<String> options() {
            return Set.of();
        }

        @Override
        public ServiceRegistry open(RegistryUri uri) {
            throw new AssertionError("never chosen");
        }
    }

    private static ClassLoader withServices(Path dir, String... providerLines) throws Exception {
        Path services = dir.resolve("META-INF/services");
        Files.createDirectories(services);
        Files.write(services.resolve(RegistryProvider.class.getName()), List.of(providerLines));
        return new URLClassLoader(new java.net.URL[] {dir.toUri().toURL()}, RegistriesTest.class.getClassLoader());
    }

    @Test
    void opensTheBackendOfTheScheme() {
        try (ServiceRegistry a = Registries.open("memory://registries-test");
                ServiceRegistry b = Registries.open(URI.create("memory://registries-test?keepAlive=1s"))) {
            assertThat(a).isInstanceOf(InMemoryRegistry.class);
            ServiceInstance x = ServiceInstance.builder()
                    .id("x")
                    .name("s")
                    .endpoint("grpc://h:1")
                    .build();
            a.register(x);
            assertThat(b.getService("s")).containsExactly(x);
        }
    }

    @Test
    void anUnknownSchemeListsWhatWasFoundAndWhatToAdd() {
        assertThatThrownBy(() -> Registries.open("etcdd://127.0.0.1:2379"))
                .isInstanceOfSatisfying(
                        RegistryException.class,
                        e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.INVALID_ARGUMENT))
                .hasMessageContaining("no registry4j backend for scheme 'etcdd'")
                .hasMessageContaining("[memory]")
                .hasMessageContaining("io.registry4j:registry-etcdd");
    }

    @Test
    void anUnknownOptionListsTheKnownOnes() {
        assertThatThrownBy(() -> Registries.open("memory://x?keepalive=1s&ttl=3"))
                .hasMessageContaining("unknown options [keepalive, ttl]")
                .hasMessageContaining("options of memory: [keepAlive]");
    }

    @Test
    void anInvalidValueNamesTheOption() {
        assertThatThrownBy(() -> Registries.open("memory://x?keepAlive=soon"))
                .hasMessageContaining("option 'keepAlive'")
                .hasMessageContaining("'soon'");
    }

    @Test
    void garbageUrlsAreRejectedClearly() {
        assertThatThrownBy(() -> Registries.open("not a url"))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("'not a url'");
        assertThatThrownBy(() -> Registries.open("localhost:2379"))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("scheme://host:port");
    }

    @Test
    void twoProvidersOfOneSchemeIsAnErrorNamingBoth(@TempDir Path dir) throws Exception {
        ClassLoader loader = withServices(dir, AnotherMemoryProvider.class.getName());
        assertThatThrownBy(() -> Registries.open(URI.create("memory://x"), loader))
                .hasMessageContaining("several registry4j backends serve scheme 'memory'")
                .hasMessageContaining(AnotherMemoryProvider.class.getName())
                .hasMessageContaining("InMemoryRegistryProvider");
    }

    @Test
    void aProviderThatFailsToLoadIsReportedNotHidden(@TempDir Path dir) throws Exception {
        ClassLoader loader = withServices(dir, "com.example.MissingProvider");
        assertThatThrownBy(() -> Registries.open(URI.create("nacos://h:8848"), loader))
                .hasMessageContaining("providers that failed to load")
                .hasMessageContaining("com.example.MissingProvider");
    }

    @Test
    void providersAreListed() {
        assertThat(Registries.providers())
                .anySatisfy(p -> assertThat(p.schemes()).contains("memory"));
    }
}
