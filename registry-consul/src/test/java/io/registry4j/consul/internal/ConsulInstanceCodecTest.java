package io.registry4j.consul.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.ServiceInstance;
import io.registry4j.http.internal.Json;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("ConsulInstanceCodec")
class ConsulInstanceCodecTest {
    private static final ConsulInstanceCodec.Settings SETTINGS = new ConsulInstanceCodec.Settings(
            Duration.ofSeconds(20),
            Duration.ofMinutes(10),
            ConsulInstanceCodec.EndpointCheck.NONE,
            Duration.ofSeconds(10));

    private final List<String> skipped = new ArrayList<>();

    private static Object get(Map<?, ?> m, String key) {
        return java.util.Objects.requireNonNull(m.get(key), key);
    }

    private static Map<?, ?> json(byte[] body) {
        return (Map<?, ?>) Json.parse(body);
    }

    @Test
    @DisplayName("writes Kratos' layout: ID, Name, version tag, Meta, TaggedAddresses by scheme, first endpoint's "
            + "Address and Port, TTL check service:<id>")
    void writesKratosLayout() {
        ServiceInstance x = ServiceInstance.builder()
                .id("orders-1")
                .name("orders")
                .version("1.4.2")
                .putMetadata("zone", "eu-1")
                .endpoint("grpc://10.0.0.7:9000")
                .build();
        Map<?, ?> body = json(ConsulInstanceCodec.encode(x, SETTINGS));
        assertThat(body.get("ID")).isEqualTo("orders-1");
        assertThat(body.get("Name")).isEqualTo("orders");
        assertThat(body.get("Tags")).isEqualTo(List.of("version=1.4.2"));
        assertThat(body.get("Meta")).isEqualTo(Map.of("zone", "eu-1"));
        assertThat(body.get("Address")).isEqualTo("10.0.0.7");
        assertThat(body.get("Port")).isEqualTo(9000L);
        assertThat(body.get("TaggedAddresses"))
                .isEqualTo(Map.of("grpc", Map.of("Address", "grpc://10.0.0.7:9000", "Port", 9000L)));
        List<?> checks = (List<?>) get(body, "Checks");
        assertThat(checks).hasSize(1);
        Map<?, ?> ttl = (Map<?, ?>) checks.get(0);
        assertThat(ttl.get("CheckID")).isEqualTo("service:orders-1");
        assertThat(ttl.get("TTL")).isEqualTo("20s");
        assertThat(ttl.get("DeregisterCriticalServiceAfter")).isEqualTo("600s");
    }

    @Test
    @DisplayName("adds a TCP check per endpoint, or HTTP for http endpoints, when asked")
    void endpointChecks() {
        ServiceInstance x = ServiceInstance.builder()
                .id("a")
                .name("s")
                .endpoint("http://127.0.0.1:8080")
                .endpoint("grpc://127.0.0.1:9000")
                .build();
        var http = new ConsulInstanceCodec.Settings(
                Duration.ofSeconds(2),
                Duration.ofMinutes(1),
                ConsulInstanceCodec.EndpointCheck.HTTP,
                Duration.ofSeconds(1));
        List<?> checks = (List<?>) get(json(ConsulInstanceCodec.encode(x, http)), "Checks");
        assertThat(checks).hasSize(3);
        assertThat(((Map<?, ?>) checks.get(1)).get("HTTP")).isEqualTo("http://127.0.0.1:8080");
        assertThat(((Map<?, ?>) checks.get(2)).get("TCP")).isEqualTo("127.0.0.1:9000");
        assertThat(((Map<?, ?>) checks.get(2)).get("Interval")).isEqualTo("1s");
    }

    @Test
    @DisplayName("round-trips several endpoints in order, the same scheme twice, IPv6 and escaped metadata keys")
    void roundTrips() {
        ServiceInstance x = ServiceInstance.builder()
                .id("x1")
                .name("multi")
                .version("")
                .metadata(Map.of("k.with-dots_and:colons", "v", "plain_key-1", "Grüße", "consul-x", "reserved"))
                .endpoint("https://127.0.0.1:10443")
                .endpoint("grpc://127.0.0.1:10900")
                .endpoint("http://[::1]:10080")
                .endpoint("grpc://127.0.0.1:10901")
                .build();
        Map<?, ?> body = json(ConsulInstanceCodec.encode(x, SETTINGS));
        assertThat(body.get("Address")).isEqualTo("127.0.0.1");
        assertThat(new ArrayList<Object>(((Map<?, ?>) get(body, "TaggedAddresses")).keySet()))
                .containsExactly("https", "grpc", "http", "grpc-2");
        assertThat(((Map<?, ?>) get(body, "Meta")).keySet())
                .allMatch(k -> ((String) k).matches("[A-Za-z0-9_-]+") && !((String) k).startsWith("consul-"));

        ServiceInstance back = ConsulInstanceCodec.decodeService(asHealthService(body), "127.0.0.1");
        assertThat(back).isEqualTo(x);
    }

    @Test
    @DisplayName("an IPv6 first endpoint gives Address without brackets")
    void ipv6Address() {
        ServiceInstance x = ServiceInstance.builder()
                .id("x1")
                .name("s")
                .endpoint("http://[::1]:10080")
                .build();
        assertThat(json(ConsulInstanceCodec.encode(x, SETTINGS)).get("Address")).isEqualTo("::1");
    }

    @Test
    @DisplayName("refuses metadata Consul cannot hold, naming the key")
    void refusesWhatConsulCannotHold() {
        ServiceInstance longValue = ServiceInstance.builder()
                .id("x1")
                .name("s")
                .putMetadata("big", "v".repeat(513))
                .endpoint("http://127.0.0.1:1")
                .build();
        assertThatThrownBy(() -> ConsulInstanceCodec.encode(longValue, SETTINGS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'big'")
                .hasMessageContaining("512");
        ServiceInstance longKey = ServiceInstance.builder()
                .id("x1")
                .name("s")
                .putMetadata("ü".repeat(40), "v")
                .endpoint("http://127.0.0.1:1")
                .build();
        assertThatThrownBy(() -> ConsulInstanceCodec.encode(longKey, SETTINGS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("metadata key");
    }

    /** The Service object as a health entry carries it, with Consul's additions. */
    private static Map<?, ?> asHealthService(Map<?, ?> registration) {
        var svc = new LinkedHashMap<String, Object>();
        svc.put("ID", get(registration, "ID"));
        svc.put("Service", get(registration, "Name"));
        svc.put("Tags", get(registration, "Tags"));
        svc.put("Address", get(registration, "Address"));
        var tagged = new java.util.TreeMap<String, Object>(castMap(get(registration, "TaggedAddresses")));
        tagged.put("lan_ipv4", Map.of("Address", get(registration, "Address"), "Port", get(registration, "Port")));
        tagged.put("wan_ipv4", Map.of("Address", get(registration, "Address"), "Port", get(registration, "Port")));
        svc.put("TaggedAddresses", tagged);
        svc.put("Meta", get(registration, "Meta"));
        svc.put("Port", get(registration, "Port"));
        return svc;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, ?> castMap(Object o) {
        return (Map<String, ?>) o;
    }

    @Test
    @DisplayName("reads an entry Kratos wrote, skipping Consul's own tagged-address keys")
    void readsKratosEntry() {
        String body = "[{\"Node\":{\"Address\":\"10.1.1.1\"},\"Service\":{\"ID\":\"k1\",\"Service\":\"hello\","
                + "\"Tags\":[\"version=v1\"],\"Address\":\"10.0.0.9\",\"Port\":8000,\"Meta\":{\"region\":\"sh\"},"
                + "\"TaggedAddresses\":{\"grpc\":{\"Address\":\"grpc://10.0.0.9:9000\",\"Port\":9000},"
                + "\"http\":{\"Address\":\"http://10.0.0.9:8000\",\"Port\":8000},"
                + "\"lan_ipv4\":{\"Address\":\"10.0.0.9\",\"Port\":8000},"
                + "\"wan_ipv4\":{\"Address\":\"10.0.0.9\",\"Port\":8000}}},\"Checks\":[]}]";
        List<ServiceInstance> got = ConsulInstanceCodec.decodeHealth(
                "hello", body.getBytes(StandardCharsets.UTF_8), (k, e) -> skipped.add(k));
        assertThat(skipped).isEmpty();
        assertThat(got).hasSize(1);
        ServiceInstance k = got.get(0);
        assertThat(k.version()).isEqualTo("v1");
        assertThat(k.metadata()).isEqualTo(Map.of("region", "sh"));
        assertThat(k.endpoints())
                .containsExactly(URI.create("grpc://10.0.0.9:9000"), URI.create("http://10.0.0.9:8000"));
    }

    @Test
    @DisplayName("reads a service of another client (no tagged addresses) as http://Address:Port, or the node's")
    void readsOtherClients() {
        String body = "[{\"Node\":{\"Address\":\"10.1.1.1\"},\"Service\":{\"ID\":\"o1\",\"Service\":\"web\",\"Tags\":"
                + "[\"primary\"],\"Address\":\"\",\"Port\":8080,\"Meta\":null,\"TaggedAddresses\":null}},"
                + "{\"Node\":{\"Address\":\"10.1.1.1\"},\"Service\":{\"ID\":\"o2\",\"Service\":\"web\",\"Address\":"
                + "\"fe80::1\",\"Port\":8081,\"TaggedAddresses\":{\"lan\":{\"Address\":\"fe80::1\",\"Port\":8081}}}}]";
        List<ServiceInstance> got = ConsulInstanceCodec.decodeHealth(
                "web", body.getBytes(StandardCharsets.UTF_8), (k, e) -> skipped.add(k));
        assertThat(skipped).isEmpty();
        assertThat(got)
                .extracting(ServiceInstance::endpoints)
                .containsExactly(
                        List.of(URI.create("http://10.1.1.1:8080")), List.of(URI.create("http://[fe80::1]:8081")));
        assertThat(got.get(0).version()).isEmpty();
    }

    @Test
    @DisplayName("skips malformed entries one by one and keeps the rest")
    void skipsGarbage() {
        String good = "{\"Service\":{\"ID\":\"ok\",\"Service\":\"s\",\"Address\":\"10.0.0.1\",\"Port\":1}}";
        String body = "[" + good + ",{\"Service\":{\"ID\":\"g1\",\"Service\":\"s\",\"Port\":0}},"
                + "{\"Service\":{\"ID\":\"g2\",\"Service\":\"s\",\"TaggedAddresses\":{\"grpc\":{\"Address\":"
                + "\"::not a uri::\",\"Port\":0}}}},{\"Service\":{\"ID\":\"g3\",\"Service\":\"s\",\"Address\":\"h\","
                + "\"Port\":1,\"Meta\":{\"registry4j-k-zz\":\"x\"}}},{\"Service\":{\"ID\":\"g4\",\"Service\":\"s\","
                + "\"Address\":\"h\",\"Port\":1,\"Meta\":\"garbage\"}},42]";
        List<ServiceInstance> got =
                ConsulInstanceCodec.decodeHealth("s", body.getBytes(StandardCharsets.UTF_8), (k, e) -> skipped.add(k));
        assertThat(got).extracting(ServiceInstance::id).containsExactly("ok");
        assertThat(skipped).containsExactly("s/g1", "s/g2", "s/g3", "s/g4", "s[6]");
    }

    @Test
    @DisplayName("a body that is not a JSON array is an error, not an empty list")
    void notAnArray() {
        assertThatThrownBy(() -> ConsulInstanceCodec.decodeHealth(
                        "s", "{}".getBytes(StandardCharsets.UTF_8), (k, e) -> skipped.add(k)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("reads catalog names without Consul itself, and the index header leniently")
    void catalogAndIndex() {
        assertThat(ConsulInstanceCodec.decodeCatalogServices(
                        "{\"consul\":[],\"web\":[\"a\"]}".getBytes(StandardCharsets.UTF_8)))
                .containsExactly("web");
        assertThat(ConsulInstanceCodec.index("42")).isEqualTo(42);
        assertThat(ConsulInstanceCodec.index(null)).isZero();
        assertThat(ConsulInstanceCodec.index("x")).isZero();
        assertThat(ConsulInstanceCodec.goDuration(Duration.ofMillis(1500))).isEqualTo("1500ms");
    }
}
