package io.registry4j.nacos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.Registries;
import io.registry4j.RegistryException;
import io.registry4j.RegistryException.Kind;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Builder and URL checks that need no server. */
@DisplayName("NacosRegistry builder and nacos:// URLs (no server)")
class NacosRegistryBuilderTest {

    @Test
    @DisplayName("invalid settings are rejected with the option and the value in the message")
    void invalidSettingsAreRejected() {
        NacosRegistry.Builder b = NacosRegistry.builder();
        assertThatThrownBy(() -> b.cluster("a_b"))
                .hasMessageContaining("cluster")
                .hasMessageContaining("'a_b'");
        assertThatThrownBy(() -> b.group("a@@b")).hasMessageContaining("group").hasMessageContaining("'a@@b'");
        assertThatThrownBy(() -> b.weight(0)).hasMessageContaining("weight").hasMessageContaining("0.0");
        assertThatThrownBy(() -> b.weight(10_001)).hasMessageContaining("weight");
        assertThatThrownBy(() -> b.serverAddresses("h:70000"))
                .hasMessageContaining("serverAddresses")
                .hasMessageContaining("'h:70000'");
        assertThatThrownBy(() -> b.callTimeout(Duration.ZERO)).hasMessageContaining("callTimeout");
        assertThatThrownBy(() -> b.instanceCheckInterval(Duration.ofSeconds(-1)))
                .hasMessageContaining("instanceCheckInterval");
        assertThatThrownBy(() -> b.kratosSchemes("grpc", "not a scheme"))
                .hasMessageContaining("kratosSchemes")
                .hasMessageContaining("'not a scheme'");
        assertThatThrownBy(() -> b.layout(NacosLayout.parse("spring")))
                .hasMessageContaining("layout")
                .hasMessageContaining("'spring'");
        assertThatThrownBy(() -> b.defaultScheme("1x")).hasMessageContaining("defaultScheme");
        assertThatThrownBy(() -> b.discoveryClusters("ok", "not ok")).hasMessageContaining("'not ok'");
    }

    @Test
    @DisplayName("build needs server addresses or a naming service, and a given naming service excludes client options")
    void buildNeedsExactlyOneClientSource() {
        assertThatThrownBy(() -> NacosRegistry.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("serverAddresses");
    }

    @Test
    @DisplayName("the client it builds gets the servers, namespace, credentials, timeout and an SDK directory of ours")
    void clientProperties() {
        Properties p = NacosRegistry.builder()
                .serverAddresses("10.0.0.5", "10.0.0.6:9848", "https://nacos.example:443")
                .namespace("dev")
                .credentials("nacos", "secret")
                .callTimeout(Duration.ofSeconds(3))
                .sdkDirectory(Path.of("/var/cache/app"))
                .property("namingLoadCacheAtStart", "true")
                .clientProperties();
        assertThat(p.getProperty("serverAddr")).isEqualTo("10.0.0.5:8848,10.0.0.6:9848,https://nacos.example:443");
        assertThat(p.getProperty("namespace")).isEqualTo("dev");
        assertThat(p.getProperty("username")).isEqualTo("nacos");
        assertThat(p.getProperty("password")).isEqualTo("secret");
        assertThat(p.getProperty("namingRequestTimeout")).isEqualTo("3000");
        assertThat(p.getProperty("JM.SNAPSHOT.PATH")).isEqualTo("/var/cache/app");
        assertThat(p.getProperty("namingLoadCacheAtStart")).isEqualTo("true");
    }

    @Test
    @DisplayName("by default the SDK's cache goes under the temporary directory, never the user's home")
    void defaultSdkDirectoryIsTemporary() {
        Properties p = NacosRegistry.builder().serverAddresses("h").clientProperties();
        assertThat(p.getProperty("JM.SNAPSHOT.PATH"))
                .startsWith(Path.of(System.getProperty("java.io.tmpdir"))
                        .toAbsolutePath()
                        .toString())
                .doesNotStartWith(System.getProperty("user.home") + "/nacos");
    }

    @Test
    @DisplayName("a nacos:// URL with a bad option fails with INVALID_ARGUMENT naming the option and the value")
    void badUrlOptions() {
        for (String[] c : new String[][] {
            {"nacos://127.0.0.1:1?weight=heavy", "'weight'"},
            {"nacos://127.0.0.1:1?cluster=a_b", "'cluster'"},
            {"nacos://127.0.0.1:1?timeout=soon", "'timeout'"},
            {"nacos://127.0.0.1:1?username=u", "'password'"},
            {"nacos://127.0.0.1:1?layout=kratosNaming", "'layout'"},
            {"nacos://127.0.0.1:1?shard=3", "shard"},
            {"nacos://127.0.0.1:1/dev", "path"},
        }) {
            assertThatThrownBy(() -> Registries.open(URI.create(c[0])))
                    .as(c[0])
                    .isInstanceOfSatisfying(
                            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_ARGUMENT))
                    .hasMessageContaining(c[1]);
        }
    }

    @Test
    @DisplayName("the former option kratosNaming is refused with an error naming its replacement, layout")
    void formerKratosNamingOptionNamesItsReplacement() {
        for (String value : new String[] {"true", "false"}) {
            assertThatThrownBy(() -> Registries.open(URI.create("nacos://127.0.0.1:1?kratosNaming=" + value)))
                    .isInstanceOfSatisfying(
                            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_ARGUMENT))
                    .hasMessageContaining("'kratosNaming'")
                    .hasMessageContaining("layout=kratos")
                    .hasMessageContaining("layout=plain");
        }
    }

    @Test
    @DisplayName("the layout is Kratos' by default; layout=plain in a URL and the builder choose the plain one")
    void layoutOption() {
        assertThat(NacosRegistry.DEFAULT_LAYOUT).isEqualTo(NacosLayout.KRATOS);
        assertThat(NacosLayout.parse("Plain")).isEqualTo(NacosLayout.PLAIN);
        assertThat(NacosLayout.parse("kratos")).isEqualTo(NacosLayout.KRATOS);
    }
}
