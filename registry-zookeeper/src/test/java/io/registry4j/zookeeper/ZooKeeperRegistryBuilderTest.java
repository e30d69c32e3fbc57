package io.registry4j.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.Registries;
import io.registry4j.RegistryException;
import io.registry4j.ServiceRegistry;
import io.registry4j.testkit.RegistryLeakCheck;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Settings are checked before anything connects; no server is involved. */
@ExtendWith(RegistryLeakCheck.class)
class ZooKeeperRegistryBuilderTest {

    @Test
    void theDefaultsAreKratosRootAndFifteenSecondSessions() {
        assertThat(ZooKeeperRegistry.DEFAULT_ROOT_PATH).isEqualTo("/microservices");
        assertThat(ZooKeeperRegistry.DEFAULT_SESSION_TIMEOUT).isEqualTo(Duration.ofSeconds(15));
        assertThat(ZooKeeperRegistry.DEFAULT_CALL_TIMEOUT).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void needsExactlyOneOfConnectStringAndClient() {
        assertThatThrownBy(() -> ZooKeeperRegistry.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("connectString")
                .hasMessageContaining("neither");
    }

    @Test
    void rejectsRootPathsThatAreNotAbsoluteNodePathsNamingThem() {
        for (String bad : new String[] {"microservices", "/", "/a/", "/a//b", "/a/./b", ""}) {
            assertThatThrownBy(() -> ZooKeeperRegistry.builder().rootPath(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("rootPath")
                    .hasMessageContaining("\"" + bad + "\"");
        }
        ZooKeeperRegistry.builder().rootPath("/services/prod");
    }

    @Test
    void rejectsTimeoutsThatAreNotPositiveNamingTheSetting() {
        assertThatThrownBy(() -> ZooKeeperRegistry.builder().sessionTimeout(Duration.ZERO))
                .hasMessageContaining("sessionTimeout")
                .hasMessageContaining("PT0S");
        assertThatThrownBy(() -> ZooKeeperRegistry.builder().connectionTimeout(Duration.ofSeconds(-1)))
                .hasMessageContaining("connectionTimeout");
        assertThatThrownBy(() -> ZooKeeperRegistry.builder().callTimeout(Duration.ofDays(365)))
                .hasMessageContaining("callTimeout");
    }

    @Test
    void rejectsADigestUserWithAColon() {
        assertThatThrownBy(() -> ZooKeeperRegistry.builder().digestAcl("a:b", "pw"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"a:b\"");
        assertThatThrownBy(() -> ZooKeeperRegistry.builder().connectString(" ")).hasMessageContaining("connectString");
    }

    private static RegistryException invalidUrl(String url) {
        try (ServiceRegistry r = Registries.open(URI.create(url))) {
            throw new AssertionError("opened " + r + " from " + url);
        } catch (RegistryException e) {
            assertThat(e.kind()).isEqualTo(RegistryException.Kind.INVALID_ARGUMENT);
            return e;
        }
    }

    @Test
    void aUrlWithABadOptionFailsNamingTheOptionAndTheValue() {
        assertThat(invalidUrl("zookeeper://127.0.0.1:2?sessionTimeout=soon"))
                .hasMessageContaining("sessionTimeout")
                .hasMessageContaining("soon");
        assertThat(invalidUrl("zookeeper://127.0.0.1:2?sessionTimeout=0s"))
                .hasMessageContaining("sessionTimeout")
                .hasMessageContaining("0s");
        assertThat(invalidUrl("zookeeper://127.0.0.1:2?root=relative"))
                .hasMessageContaining("root")
                .hasMessageContaining("relative");
        assertThat(invalidUrl("zookeeper://127.0.0.1:2?user=alice")).hasMessageContaining("password");
        assertThat(invalidUrl("zookeeper://127.0.0.1:2?ttl=5s"))
                .hasMessageContaining("ttl")
                .hasMessageContaining("sessionTimeout");
        assertThat(invalidUrl("zookeeper://127.0.0.1:2/chroot")).hasMessageContaining("root=");
        assertThat(invalidUrl("zookeeper:///?root=/x")).hasMessageContaining("host");
    }
}
