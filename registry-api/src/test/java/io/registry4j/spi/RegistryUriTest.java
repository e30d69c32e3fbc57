package io.registry4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.RegistryException;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RegistryUriTest {

    @Test
    void splitsHostsPathAndOptions() {
        RegistryUri u = RegistryUri.parse(URI.create("ETCD://h1:2379,h2:2379/eureka/v2?namespace=%2Fms&ttl=15s&tls"));
        assertThat(u.scheme()).isEqualTo("etcd");
        assertThat(u.hosts()).containsExactly("h1:2379", "h2:2379");
        assertThat(u.path()).isEqualTo("/eureka/v2");
        assertThat(u.string("namespace", "/x")).isEqualTo("/ms");
        assertThat(u.duration("ttl", Duration.ZERO)).isEqualTo(Duration.ofSeconds(15));
        assertThat(u.bool("tls", false)).isTrue();
        assertThat(u.options()).containsOnlyKeys("namespace", "ttl", "tls");
    }

    @Test
    void appliesDefaultsWhenOptionsAreAbsent() {
        RegistryUri u = RegistryUri.parse(URI.create("memory:///"));
        assertThat(u.hosts()).isEmpty();
        assertThat(u.integer("n", 7)).isEqualTo(7);
        assertThat(u.bool("b", false)).isFalse();
        assertThat(u.duration("d", Duration.ofSeconds(3))).isEqualTo(Duration.ofSeconds(3));
        assertThat(u.option("x")).isEmpty();
    }

    @Test
    void addsTheDefaultPortOnlyWhereAHostNamesNone() {
        assertThat(RegistryUri.withDefaultPort("h", 8500)).isEqualTo("h:8500");
        assertThat(RegistryUri.withDefaultPort("h:1", 8500)).isEqualTo("h:1");
        assertThat(RegistryUri.withDefaultPort("[::1]", 8500)).isEqualTo("[::1]:8500");
        assertThat(RegistryUri.withDefaultPort("[::1]:1", 8500)).isEqualTo("[::1]:1");
    }

    @Test
    void backendChecksNameTheHostListPathAndRefusedValue() {
        RegistryUri none = RegistryUri.parse(URI.create("x:///ns?token=secret"));
        assertThatThrownBy(() -> none.requireHosts("must name a server"))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("host list must name a server");
        assertThatThrownBy(() -> none.requireNoPath("must be empty"))
                .hasMessageContaining("path must be empty, got '/ns'")
                .hasMessageNotContaining("secret");
        RegistryUri u = RegistryUri.parse(URI.create("x://h/?token=secret"));
        u.requireNoPath("must be empty");
        assertThat(u.requireHosts("must name a server")).containsExactly("h");
        assertThatThrownBy(() -> u.apply("option 'n'", "-1", () -> {
                    throw new IllegalArgumentException("n must be positive");
                }))
                .hasMessageContaining("option 'n' is invalid (n must be positive), got '-1'");
        RegistryException e = u.rejected("x", new IllegalArgumentException("ttl too short"));
        assertThat(e.kind()).isEqualTo(RegistryException.Kind.INVALID_ARGUMENT);
        assertThat(e.getMessage()).contains("ttl too short in x://h/").doesNotContain("secret");
    }

    @Test
    void providersTellWhetherTheirSdkCanBeLoaded() {
        assertThat(RegistryProvider.canLoad("java.net.http.HttpClient", RegistryProvider.class))
                .isTrue();
        assertThat(RegistryProvider.canLoad("com.example.NoSuchSdk", RegistryProvider.class))
                .isFalse();
    }

    @Test
    void parsesEveryDurationForm() {
        RegistryUri u = RegistryUri.parse(URI.create("x://h?a=250ms&b=2m&c=1h&d=1d&e=PT1.5S"));
        assertThat(u.duration("a", Duration.ZERO)).isEqualTo(Duration.ofMillis(250));
        assertThat(u.duration("b", Duration.ZERO)).isEqualTo(Duration.ofMinutes(2));
        assertThat(u.duration("c", Duration.ZERO)).isEqualTo(Duration.ofHours(1));
        assertThat(u.duration("d", Duration.ZERO)).isEqualTo(Duration.ofDays(1));
        assertThat(u.duration("e", Duration.ZERO)).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void badValuesNameTheOptionTheValueAndTheUrl() {
        RegistryUri u = RegistryUri.parse(URI.create("etcd://h:1?ttl=fifteen&n=x&b=maybe"));
        assertThatThrownBy(() -> u.duration("ttl", Duration.ZERO))
                .isInstanceOfSatisfying(
                        RegistryException.class,
                        e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.INVALID_ARGUMENT))
                .hasMessageContaining("option 'ttl'")
                .hasMessageContaining("'fifteen'")
                .hasMessageContaining("etcd://h:1");
        assertThatThrownBy(() -> u.integer("n", 0))
                .hasMessageContaining("option 'n'")
                .hasMessageContaining("'x'");
        assertThatThrownBy(() -> u.bool("b", false)).hasMessageContaining("true or false");
    }

    @Test
    void keepsSecretsOutOfMessages() {
        RegistryUri u = RegistryUri.parse(URI.create("nacos://alice:s3cret@h:8848?password=hunter2&ttl=x&group=g"));
        assertThat(u.toString())
                .doesNotContain("s3cret")
                .doesNotContain("hunter2")
                .contains("group=g");
        assertThatThrownBy(() -> u.duration("ttl", Duration.ZERO))
                .hasMessageNotContaining("hunter2")
                .hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> u.integer("password", 0)).hasMessageNotContaining("hunter2");
    }

    @Test
    void rejectsRepeatedOptionsEmptyHostsAndUrlsWithoutScheme() {
        assertThatThrownBy(() -> RegistryUri.parse(URI.create("etcd://h?ttl=1s&ttl=2s")))
                .hasMessageContaining("'ttl' is given twice");
        assertThatThrownBy(() -> RegistryUri.parse(URI.create("etcd://h1,,h2")).hosts())
                .hasMessageContaining("empty entry");
        assertThatThrownBy(() -> RegistryUri.parse(URI.create("localhost"))).hasMessageContaining("scheme://host:port");
        assertThatThrownBy(() -> RegistryUri.parse(URI.create("mailto:someone")))
                .hasMessageContaining("scheme://host:port");
    }

    @Test
    void aPlusInAnOptionValueStaysAPlus() {
        RegistryUri u = RegistryUri.parse(URI.create("nacos://h:8848?password=ab+cd&group=a%2Bb%20c&name=%C3%A9"));
        assertThat(u.string("password", "")).isEqualTo("ab+cd");
        assertThat(u.string("group", "")).isEqualTo("a+b c");
        assertThat(u.string("name", "")).isEqualTo("é");
    }

    @Test
    void negativeDurationsAreRejectedNamingTheOptionAndTheValue() {
        RegistryUri u = RegistryUri.parse(URI.create("etcd://h:1?ttl=PT-5S&b=-PT1M&z=0s"));
        assertThatThrownBy(() -> u.duration("ttl", Duration.ofSeconds(15)))
                .isInstanceOfSatisfying(
                        RegistryException.class,
                        e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.INVALID_ARGUMENT))
                .hasMessageContaining("option 'ttl'")
                .hasMessageContaining("'PT-5S'")
                .hasMessageContaining("negative");
        assertThatThrownBy(() -> u.duration("b", Duration.ZERO))
                .hasMessageContaining("option 'b'")
                .hasMessageContaining("'-PT1M'");
        // Zero is the option's to judge: some mean "off" by it, the others reject it naming themselves.
        assertThat(u.duration("z", Duration.ofSeconds(1))).isZero();
    }

    @Test
    void redactsUrlsThatDoNotParse() {
        assertThat(RegistryUri.redact("etcd://root:pass word@h:2379?ttl=5s")).isEqualTo("etcd://***@h:2379?ttl=5s");
        assertThat(RegistryUri.redact("nacos://h:8848?password=a b&group=g"))
                .isEqualTo("nacos://h:8848?password=***&group=g");
        assertThat(RegistryUri.redact("etcd://u:p/w@rd@h:1")).isEqualTo("etcd://***@h:1");
    }
}
