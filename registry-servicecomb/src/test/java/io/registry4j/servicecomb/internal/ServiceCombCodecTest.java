package io.registry4j.servicecomb.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.ServiceInstance;
import io.registry4j.http.internal.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("ServiceCombCodec maps instances to service-center's JSON and back")
class ServiceCombCodecTest {

    private static ServiceInstance instance(String id, String version) {
        return ServiceInstance.builder()
                .id(id)
                .name("orders")
                .version(version)
                .putMetadata("zone", "東京")
                .putMetadata("note", "a<b & \"c\" 🚀")
                .endpoint("http://127.0.0.1:8000")
                .endpoint("grpc://[::1]:9000")
                .build();
    }

    /** The instance as service-center stores and answers it: its version replaced by the microservice's. */
    @SuppressWarnings("unchecked")
    private static byte[] answer(byte[] registered, String serviceVersion, String timestamp) {
        Map<String, Object> i = new LinkedHashMap<>(
                (Map<String, Object>) ((Map<String, Object>) Json.parse(registered)).get("instance"));
        i.put("version", serviceVersion);
        i.put("timestamp", timestamp);
        return Json.write(Map.of("instances", List.of(i)));
    }

    @Test
    @DisplayName("metadata, endpoint order, id and a service-center version round-trip")
    void roundTrip() {
        ServiceInstance x = instance("orders-1", "1.2.3");
        byte[] body = ServiceCombCodec.encodeInstance(x, "sid", 10, 3);
        String json = new String(body, StandardCharsets.UTF_8);
        assertThat(json).contains("\"instanceId\":\"orders-1\"", "\"hostName\":\"orders-1\"", "\"mode\":\"push\"");
        assertThat(json).doesNotContain(ServiceCombCodec.VERSION_KEY);
        List<ServiceInstance> back =
                ServiceCombCodec.decodeInstances("orders", answer(body, "1.2.3", "1"), false, (k, e) -> {});
        assertThat(back).containsExactly(x);
    }

    @Test
    @DisplayName("a version service-center refuses registers as 0.0.0 and travels in a property")
    void otherVersions() {
        for (String v : List.of("", "v1", "1.0.0-rc1", "1.2.3.4.5", "40000")) {
            ServiceInstance x = instance("o-1", v);
            assertThat(ServiceCombCodec.serviceVersion(x)).as(v).isEqualTo(ServiceCombCodec.FALLBACK_VERSION);
            byte[] body = ServiceCombCodec.encodeInstance(x, "sid", 10, 3);
            assertThat(ServiceCombCodec.decodeInstances("orders", answer(body, "0.0.0", "1"), false, (k, e) -> {}))
                    .containsExactly(x);
        }
        assertThat(ServiceCombCodec.isServiceVersion("1")).isTrue();
        assertThat(ServiceCombCodec.isServiceVersion("32767.0.0.1")).isTrue();
    }

    @Test
    @DisplayName("an id service-center refuses as instanceId becomes a stable digest, and reads back as the id")
    void longAndOddIds() {
        String odd = "orders@host:8080#1";
        String iid = ServiceCombCodec.instanceId(odd);
        assertThat(iid).matches("r4j-[0-9a-f]{32}").isEqualTo(ServiceCombCodec.instanceId(odd));
        ServiceInstance x = instance(odd, "1.0.0");
        byte[] body = ServiceCombCodec.encodeInstance(x, "sid", 10, 3);
        assertThat(ServiceCombCodec.decodeInstances("orders", answer(body, "1.0.0", "1"), false, (k, e) -> {}))
                .containsExactly(x);
    }

    @Test
    @DisplayName("an instance Kratos wrote reads with its properties as metadata and its instance id as id")
    void kratosInstance() {
        byte[] body =
                ("{\"instances\":[{\"instanceId\":\"k-1\",\"serviceId\":\"s\",\"version\":\"1.0.0\",\"status\":\"UP\","
                                + "\"endpoints\":[\"grpc://127.0.0.1:9000\"],\"hostName\":\"k-1\","
                                + "\"properties\":{\"appId\":\"default\",\"environment\":\"\"}}]}")
                        .getBytes(StandardCharsets.UTF_8);
        assertThat(ServiceCombCodec.decodeInstances("orders", body, false, (k, e) -> {}))
                .containsExactly(ServiceInstance.builder()
                        .id("k-1")
                        .name("orders")
                        .version("1.0.0")
                        .putMetadata("appId", "default")
                        .putMetadata("environment", "")
                        .endpoint("grpc://127.0.0.1:9000")
                        .build());
    }

    private static Object first(byte[] answer) {
        Object list = ((Map<?, ?>) Json.parse(answer)).get("instances");
        return ((List<?>) Objects.requireNonNull(list)).get(0);
    }

    @Test
    @DisplayName("a bad instance is skipped and reported, DOWN ones are left out, one id in two versions reads once")
    void skipsFiltersAndMerges() {
        ServiceInstance v1 = instance("o-1", "1.0.0");
        ServiceInstance v2 = instance("o-1", "2.0.0");
        List<Object> items = new ArrayList<>();
        items.add(Json.parse(
                "{\"instanceId\":\"bad\",\"endpoints\":[\"::not a uri::\"]}".getBytes(StandardCharsets.UTF_8)));
        items.add(first(answer(ServiceCombCodec.encodeInstance(v2, "s2", 10, 3), "2.0.0", "5")));
        items.add(first(answer(ServiceCombCodec.encodeInstance(v1, "s1", 10, 3), "1.0.0", "5")));
        items.add(Json.parse("{\"instanceId\":\"down\",\"status\":\"DOWN\",\"endpoints\":[\"grpc://127.0.0.1:1\"]}"
                .getBytes(StandardCharsets.UTF_8)));
        List<String> skipped = new ArrayList<>();
        List<ServiceInstance> got = ServiceCombCodec.decodeInstances(
                "orders", Json.write(Map.of("instances", items)), false, (k, e) -> skipped.add(k));
        assertThat(got).containsExactly(v2);
        assertThat(skipped).containsExactly("orders/bad");
        assertThat(ServiceCombCodec.decodeInstances(
                        "orders", Json.write(Map.of("instances", items)), true, (k, e) -> {}))
                .extracting(ServiceInstance::id)
                .containsExactly("o-1", "down");
        assertThat(ServiceCombCodec.decodeInstances(
                        "orders", "{}".getBytes(StandardCharsets.UTF_8), false, (k, e) -> {}))
                .isEmpty();
        assertThatThrownBy(() -> ServiceCombCodec.decodeInstances(
                        "orders", "[]".getBytes(StandardCharsets.UTF_8), false, (k, e) -> {}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
