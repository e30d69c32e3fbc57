package io.registry4j.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import io.registry4j.Registries;
import io.registry4j.RegistryException;
import io.registry4j.ServiceRegistry;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Settings of {@link EtcdRegistry} and its URL; no server is contacted (building never connects). */
@DisplayName("etcd registry settings, without a server")
class EtcdRegistryBuilderTest {

    @Test
    @DisplayName("defaults are Kratos' namespace and TTL, and building does not need a reachable server")
    void defaults() {
        try (EtcdRegistry r =
                EtcdRegistry.builder().endpoints("http://127.0.0.1:1").build()) {
            assertThat(r.namespace()).isEqualTo("/microservices").isEqualTo(EtcdRegistry.DEFAULT_NAMESPACE);
            assertThat(r.ttl()).isEqualTo(Duration.ofSeconds(15)).isEqualTo(EtcdRegistry.DEFAULT_TTL);
            assertThat(r.backend()).isEqualTo("etcd");
            assertThat(r.keepAliveHealthy()).isTrue();
        }
    }

    @Test
    @DisplayName("a trailing slash of the namespace is dropped")
    void namespaceTrailingSlash() {
        try (EtcdRegistry r = EtcdRegistry.builder()
                .endpoints("http://127.0.0.1:1")
                .namespace("/a/b//")
                .build()) {
            assertThat(r.namespace()).isEqualTo("/a/b");
        }
    }

    @Test
    @DisplayName("invalid settings are rejected naming the setting and the value")
    void invalidSettingsNameTheValue() {
        EtcdRegistry.Builder b = EtcdRegistry.builder();
        assertThatThrownBy(() -> b.endpoints("tcp://127.0.0.1:2379"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("endpoints")
                .hasMessageContaining("tcp://127.0.0.1:2379");
        assertThatThrownBy(() -> b.endpoints("http://[bad"))
                .hasMessageContaining("endpoints")
                .hasMessageContaining("http://[bad");
        assertThatThrownBy(() -> b.endpoints("http://127.0.0.1:0"))
                .hasMessageContaining("endpoints")
                .hasMessageContaining("port 0");
        assertThatThrownBy(() -> b.namespace("/"))
                .hasMessageContaining("namespace")
                .hasMessageContaining("'/'");
        assertThatThrownBy(() -> b.namespace("/with space"))
                .hasMessageContaining("namespace")
                .hasMessageContaining("/with space");
        assertThatThrownBy(() -> b.ttl(Duration.ofMillis(1500)))
                .hasMessageContaining("ttl")
                .hasMessageContaining("got 1.5 s");
        assertThatThrownBy(() -> b.ttl(Duration.ZERO)).hasMessageContaining("ttl");
        assertThatThrownBy(() -> b.callTimeout(Duration.ofSeconds(-1)))
                .hasMessageContaining("callTimeout")
                .hasMessageContaining("got -1000 ms");
        assertThatThrownBy(() -> b.keyCheckInterval(Duration.ZERO))
                .hasMessageContaining("keyCheckInterval")
                .hasMessageContaining("got 0 ms");
        assertThatThrownBy(() -> b.credentials("", "pw")).hasMessageContaining("user");
    }

    @Test
    @DisplayName("building needs endpoints or a client, and refuses both, mixed schemes and unreadable TLS files")
    void inconsistentSettingsAreRejected() {
        assertThatThrownBy(() -> EtcdRegistry.builder().build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("endpoints");
        assertThatThrownBy(() -> EtcdRegistry.builder()
                        .endpoints("http://127.0.0.1:1", "https://127.0.0.1:2")
                        .build())
                .hasMessageContaining("must all be http:// or all https://");
        assertThatThrownBy(() -> EtcdRegistry.builder()
                        .endpoints("https://127.0.0.1:1")
                        .trustedCertificates(Path.of("/no/such/ca.pem"))
                        .build())
                .hasMessageContaining("trustedCertificates")
                .hasMessageContaining("/no/such/ca.pem");
        Client client = Client.builder().endpoints("http://127.0.0.1:1").build();
        try {
            assertThatThrownBy(() -> EtcdRegistry.builder()
                            .client(client)
                            .endpoints("http://127.0.0.1:1")
                            .build())
                    .hasMessageContaining("either endpoints or a client");
            assertThatThrownBy(() -> EtcdRegistry.builder()
                            .client(client)
                            .credentials("u", "p")
                            .build())
                    .hasMessageContaining("set them on the jetcd client");
        } finally {
            client.close();
        }
    }

    @Test
    @DisplayName("an etcd:// URL with a host list, no port and options opens a registry with those settings")
    void urlOpensRegistry() {
        try (ServiceRegistry r =
                Registries.open("etcd://127.0.0.1:1,localhost?namespace=/shop&ttl=20s&timeout=2s&keyCheck=1s")) {
            assertThat(r).isInstanceOfSatisfying(EtcdRegistry.class, e -> {
                assertThat(e.namespace()).isEqualTo("/shop");
                assertThat(e.ttl()).isEqualTo(Duration.ofSeconds(20));
            });
        }
    }

    @Test
    @DisplayName("bad URL options fail with INVALID_ARGUMENT naming the option and the value")
    void badUrlOptionsAreNamed() {
        assertInvalid("etcd://127.0.0.1:2379?ttl=soon", "ttl", "soon");
        assertInvalid("etcd://127.0.0.1:2379?ttl=1500ms", "ttl", "1500ms");
        assertInvalid("etcd://127.0.0.1:2379?timeout=0s", "timeout", "0s");
        assertInvalid("etcd://127.0.0.1:2379?namespace=%20", "namespace", " ");
        assertInvalid("etcd://127.0.0.1:2379?user=root", "password", "user only");
        assertInvalid("etcd://127.0.0.1:2379?cert=/a.pem", "key", "cert only");
        assertInvalid("etcd://127.0.0.1:2379?tls=maybe", "tls", "maybe");
        assertInvalid("etcd://127.0.0.1:2379?color=blue", "color", "namespace");
        assertInvalid("etcd://127.0.0.1:2379/prefix", "path", "/prefix");
        assertInvalid("etcds://127.0.0.1:2379?cacert=/no/such/ca.pem", "cacert", "/no/such/ca.pem");
    }

    @Test
    @DisplayName("a port that is not a number is named as the port, and a bad value is quoted once")
    void aBadPortIsNamedAndTheValueQuotedOnce() {
        assertThatThrownBy(() -> Registries.open("etcd://127.0.0.1:abc").close())
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("has port 'abc', which is not a number 1-65535")
                .hasMessageNotContaining("no host");
        assertThatThrownBy(() -> Registries.open("etcd://127.0.0.1:2379?ttl=0s").close())
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining(
                        "option 'ttl' is invalid: ttl must be a whole number of seconds, at least 1 s, got '0s' in ")
                .hasMessageNotContaining("PT0S")
                .hasMessageNotContaining("0 ms");
    }

    @Test
    @DisplayName("an error about a URL with a password does not show the password")
    void passwordIsNotShown() {
        assertThatThrownBy(() -> Registries.open("etcd://127.0.0.1:2379?user=root&password=s3cret&ttl=soon")
                        .close())
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("ttl")
                .hasMessageContaining("password=***")
                .hasMessageNotContaining("s3cret");
    }

    private static void assertInvalid(String url, String... fragments) {
        assertThatThrownBy(() -> Registries.open(url).close())
                .as(url)
                .isInstanceOfSatisfying(
                        RegistryException.class,
                        e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.INVALID_ARGUMENT))
                .message()
                .contains(fragments);
    }
}
