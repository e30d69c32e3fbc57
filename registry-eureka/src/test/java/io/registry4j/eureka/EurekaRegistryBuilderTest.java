package io.registry4j.eureka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.Registries;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.testkit.RegistryLeakCheck;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@DisplayName("EurekaRegistry's builder and eureka:// URLs check their values and name them (no server)")
@ExtendWith(RegistryLeakCheck.class)
class EurekaRegistryBuilderTest {

    @Test
    @DisplayName("servers get the path prefix unless they have a path; user info becomes basic auth")
    void serversAndPaths() {
        try (EurekaRegistry r = EurekaRegistry.builder()
                .server("http://a:8761")
                .server("https://user:p%40ss@b:8443/")
                .server(URI.create("http://[::1]:9000/eureka/v2/"))
                .build()) {
            assertThat(r.servers())
                    .containsExactly(
                            URI.create("http://a:8761/eureka"),
                            URI.create("https://b:8443/eureka"),
                            URI.create("http://[::1]:9000/eureka/v2"));
        }
        try (EurekaRegistry r = EurekaRegistry.builder()
                .server("http://a:1")
                .pathPrefix("/eureka/v2/")
                .build()) {
            assertThat(r.servers()).containsExactly(URI.create("http://a:1/eureka/v2"));
        }
    }

    @Test
    @DisplayName("invalid values are rejected with the option and the value in the message")
    void invalidValues() {
        EurekaRegistry.Builder b = EurekaRegistry.builder();
        assertThatThrownBy(() -> b.server("ftp://a:1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("server")
                .hasMessageContaining("ftp://a:1");
        assertThatThrownBy(() -> b.server("http://a"))
                .hasMessageContaining("port")
                .hasMessageContaining("'http://a'");
        assertThatThrownBy(() -> b.server("http://a:1/?x")).hasMessageContaining("query");
        assertThatThrownBy(() -> b.server("http://a b:1")).hasMessageContaining("'http://a b:1'");
        assertThatThrownBy(() -> b.pathPrefix("eureka"))
                .hasMessageContaining("pathPrefix")
                .hasMessageContaining("'eureka'");
        assertThatThrownBy(() -> b.renewInterval(Duration.ZERO))
                .hasMessageContaining("renewInterval")
                .hasMessageContaining("PT0S");
        assertThatThrownBy(() -> b.leaseDuration(Duration.ofSeconds(-1))).hasMessageContaining("leaseDuration");
        assertThatThrownBy(() -> b.refreshInterval(Duration.ZERO)).hasMessageContaining("refreshInterval");
        assertThatThrownBy(() -> b.callTimeout(Duration.ZERO)).hasMessageContaining("callTimeout");
        assertThatThrownBy(() -> b.perAppLimit(-1))
                .hasMessageContaining("perAppLimit")
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> b.maxConcurrentRenewals(0))
                .hasMessageContaining("maxConcurrentRenewals")
                .hasMessageContaining("0");
        assertThatThrownBy(() -> b.basicAuth("a:b", "c")).hasMessageContaining("'a:b'");
        assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class).hasMessageContaining("server");
        assertThatThrownBy(() -> EurekaRegistry.builder()
                        .server("http://a:1")
                        .renewInterval(Duration.ofSeconds(30))
                        .leaseDuration(Duration.ofSeconds(30))
                        .build())
                .hasMessageContaining("leaseDuration (PT30S)")
                .hasMessageContaining("renewInterval (PT30S)");
    }

    @Test
    @DisplayName("instanceIdOf names the endpoint's Eureka instance and rejects a foreign endpoint")
    void instanceIdOf() {
        ServiceInstance x = ServiceInstance.builder()
                .id("o-1")
                .name("orders")
                .endpoint("http://10.0.0.1:80")
                .build();
        assertThat(EurekaRegistry.instanceIdOf(x, URI.create("http://10.0.0.1:80")))
                .isEqualTo("o-1:http:10.0.0.1:80");
        assertThatThrownBy(() -> EurekaRegistry.instanceIdOf(x, URI.create("http://10.0.0.2:80")))
                .hasMessageContaining("http://10.0.0.2:80");
    }

    @Test
    @DisplayName("eureka:// and eurekas:// URLs open a registry with their hosts, path and options")
    void urls() {
        try (ServiceRegistry r = Registries.open(
                URI.create("eureka://a:1,b/eureka/v2?renew=5s&lease=20s&refresh=1s&timeout=3s&includeUnhealthy"
                        + "&perAppLimit=2"))) {
            assertThat(r).isInstanceOf(EurekaRegistry.class);
            assertThat(((EurekaRegistry) r).servers())
                    .containsExactly(URI.create("http://a:1/eureka/v2"), URI.create("http://b:8761/eureka/v2"));
        }
        try (ServiceRegistry r = Registries.open(URI.create("eurekas://u:p@[::1]:8443"))) {
            assertThat(((EurekaRegistry) r).servers()).containsExactly(URI.create("https://[::1]:8443/eureka"));
        }
        try (ServiceRegistry r = Registries.open(URI.create("eureka://a?renew=60s"))) {
            assertThat(r.backend()).isEqualTo("eureka");
        }
    }

    @Test
    @DisplayName("a bad eureka:// URL is rejected as INVALID_ARGUMENT naming the option and the value")
    void badUrls() {
        for (var bad : List.of(
                new String[] {"eureka://a:1?renew=soon", "renew", "soon"},
                new String[] {"eureka://a:1?perAppLimit=-3", "perAppLimit", "-3"},
                new String[] {"eureka://a:1?renew=10s&lease=5s", "leaseDuration", "PT5S"},
                new String[] {"eureka://a:1?renew=10s&lease=0s", "leaseDuration", "PT0S"},
                new String[] {"eureka://a:1?color=blue", "color", "renew"},
                new String[] {"eureka://a:1,,b:2", "host list", "a:1,,b:2"},
                new String[] {"eureka://a:x", "host", "a:x"})) {
            assertThatThrownBy(() -> Registries.open(URI.create(bad[0])))
                    .as(bad[0])
                    .isInstanceOfSatisfying(
                            RegistryException.class,
                            e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.INVALID_ARGUMENT))
                    .hasMessageContaining(bad[1])
                    .hasMessageContaining(bad[2]);
        }
    }
}
