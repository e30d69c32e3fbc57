package io.registry4j.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.Registries;
import io.registry4j.RegistryException;
import io.registry4j.ServiceRegistry;
import io.registry4j.testkit.RegistryLeakCheck;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@DisplayName("ConsulRegistry's builder and consul:// URLs check their values and name them (no agent)")
@ExtendWith(RegistryLeakCheck.class)
class ConsulRegistryBuilderTest {

    @Test
    @DisplayName("the address defaults to the local agent and takes a URL or host:port")
    void addresses() {
        try (ConsulRegistry r = ConsulRegistry.builder().build()) {
            assertThat(r.address()).isEqualTo(URI.create("http://127.0.0.1:8500"));
        }
        try (ConsulRegistry r =
                ConsulRegistry.builder().address("consul-1:8501").build()) {
            assertThat(r.address()).isEqualTo(URI.create("http://consul-1:8501"));
        }
        try (ConsulRegistry r =
                ConsulRegistry.builder().address("https://[::1]:8501/").build()) {
            assertThat(r.address()).isEqualTo(URI.create("https://[::1]:8501"));
        }
    }

    @Test
    @DisplayName("invalid values are rejected with the option and the value in the message, a token never quoted")
    void invalidValues() {
        ConsulRegistry.Builder b = ConsulRegistry.builder();
        assertThatThrownBy(() -> b.address("ftp://a:1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("address")
                .hasMessageContaining("ftp://a:1");
        assertThatThrownBy(() -> b.address("http://a")).hasMessageContaining("port");
        assertThatThrownBy(() -> b.address("http://u:secret@a:1"))
                .hasMessageContaining("user info")
                .hasMessageNotContaining("secret");
        assertThatThrownBy(() -> b.address("http://a:1/v1")).hasMessageContaining("path");
        assertThatThrownBy(() -> b.datacenter("dc 1"))
                .hasMessageContaining("datacenter")
                .hasMessageContaining("'dc 1'");
        assertThatThrownBy(() -> b.token("abc\ndef"))
                .hasMessageContaining("token")
                .hasMessageNotContaining("abc");
        assertThatThrownBy(() -> b.heartbeatInterval(Duration.ZERO)).hasMessageContaining("heartbeatInterval");
        assertThatThrownBy(() -> b.deregisterCriticalServiceAfter(Duration.ofSeconds(-1)))
                .hasMessageContaining("deregisterCriticalServiceAfter");
        assertThatThrownBy(() -> b.callTimeout(Duration.ZERO)).hasMessageContaining("callTimeout");
        assertThatThrownBy(() -> b.maxConcurrentHeartbeats(0))
                .hasMessageContaining("maxConcurrentHeartbeats")
                .hasMessageContaining("got 0");
        assertThatThrownBy(() -> b.wait(Duration.ofMinutes(11)))
                .hasMessageContaining("wait")
                .hasMessageContaining("PT11M");
    }

    @Test
    @DisplayName("consul:// opens a ConsulRegistry; consuls:// uses https; the port defaults to 8500")
    void urls() {
        try (ServiceRegistry r = Registries.open("consul://127.0.0.1?dc=dc2&token=s3cret&heartbeat=5s&check=tcp")) {
            assertThat(r).isInstanceOf(ConsulRegistry.class);
            assertThat(((ConsulRegistry) r).address()).isEqualTo(URI.create("http://127.0.0.1:8500"));
            assertThat(r.toString()).contains("dc=dc2").doesNotContain("s3cret");
        }
        try (ServiceRegistry r = Registries.open("consuls://agent.example:8501")) {
            assertThat(((ConsulRegistry) r).address()).isEqualTo(URI.create("https://agent.example:8501"));
        }
    }

    @Test
    @DisplayName("bad consul:// URLs fail with INVALID_ARGUMENT, naming the option, never showing the token")
    void badUrls() {
        assertThatThrownBy(() -> Registries.open("consul://127.0.0.1:1?colour=blue"))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("colour");
        assertThatThrownBy(() -> Registries.open("consul://127.0.0.1:1?token=s3cret&check=maybe"))
                .isInstanceOfSatisfying(
                        RegistryException.class,
                        e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.INVALID_ARGUMENT))
                .hasMessageContaining("check")
                .hasMessageContaining("maybe")
                .hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> Registries.open("consul://127.0.0.1:1?token=s3cret&wait=1ms"))
                .hasMessageContaining("wait")
                .hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> Registries.open("consul://127.0.0.1:1/v1")).hasMessageContaining("path");
        assertThatThrownBy(() -> Registries.open("consul://a:1,b:2")).hasMessageContaining("one agent");
    }
}
