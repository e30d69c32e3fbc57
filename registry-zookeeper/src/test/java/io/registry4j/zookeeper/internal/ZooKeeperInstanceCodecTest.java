package io.registry4j.zookeeper.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.ServiceInstance;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ZooKeeperInstanceCodecTest {
    private final ZooKeeperInstanceCodec codec = new ZooKeeperInstanceCodec("/microservices");

    private static ServiceInstance orders() {
        return ServiceInstance.builder()
                .id("orders-1")
                .name("orders")
                .version("v1.2.0")
                .putMetadata("zone", "eu<1>&")
                .putMetadata("app", "shop")
                .endpoint("grpc://10.0.0.7:9000")
                .endpoint("http://10.0.0.7:8000")
                .build();
    }

    @Test
    void encodesExactlyTheBytesKratosWrites() {
        // What Go's encoding/json writes for Kratos' ServiceInstance: fields in order, map keys sorted, <>& escaped.
        String kratos = "{\"id\":\"orders-1\",\"name\":\"orders\",\"version\":\"v1.2.0\","
                + "\"metadata\":{\"app\":\"shop\",\"zone\":\"eu\\u003c1\\u003e\\u0026\"},"
                + "\"endpoints\":[\"grpc://10.0.0.7:9000\",\"http://10.0.0.7:8000\"]}";
        assertThat(new String(ZooKeeperInstanceCodec.encode(orders()), StandardCharsets.UTF_8))
                .isEqualTo(kratos);
    }

    @Test
    void decodesWhatItEncodes() {
        assertThat(ZooKeeperInstanceCodec.decode("orders", "orders-1", ZooKeeperInstanceCodec.encode(orders())))
                .isEqualTo(orders());
    }

    @Test
    void decodesKratosNullMetadataAsEmpty() {
        byte[] go =
                "{\"id\":\"k1\",\"name\":\"orders\",\"version\":\"\",\"metadata\":null,\"endpoints\":[\"grpc://h:1\"]}"
                        .getBytes(StandardCharsets.UTF_8);
        assertThat(ZooKeeperInstanceCodec.decode("orders", "k1", go).metadata()).isEmpty();
    }

    @Test
    void placesInstancesUnderRootNameAndId() {
        assertThat(codec.servicePath("orders")).isEqualTo("/microservices/orders");
        assertThat(codec.instancePath(orders())).isEqualTo("/microservices/orders/orders-1");
    }

    @Test
    void refusesIdsThatAreNotNodeNames() {
        assertThatThrownBy(
                        () -> codec.instancePath(orders().toBuilder().id("..").build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"..\"");
    }

    @Test
    void findsTheDirectChildAnEventPointsAt() {
        assertThat(ZooKeeperInstanceCodec.childOf("/m/orders", "/m/orders/x1")).isEqualTo("x1");
        assertThat(ZooKeeperInstanceCodec.childOf("/m/orders", "/m/orders")).isNull();
        assertThat(ZooKeeperInstanceCodec.childOf("/m/orders", "/m/orders/x1/deeper"))
                .isNull();
        assertThat(ZooKeeperInstanceCodec.childOf("/m/orders", "/m/ordersx/x1")).isNull();
        assertThat(ZooKeeperInstanceCodec.childOf("/m/orders", null)).isNull();
    }

    @Test
    void rejectsDataThatIsNotAnInstanceOfThisNodeSayingWhy() {
        byte[] good = ZooKeeperInstanceCodec.encode(orders());
        assertThatThrownBy(() -> ZooKeeperInstanceCodec.decode("orders", "orders-1", new byte[0]))
                .hasMessageContaining("no data");
        assertThatThrownBy(() -> ZooKeeperInstanceCodec.decode("orders", "orders-1", null))
                .hasMessageContaining("no data");
        assertThatThrownBy(() -> ZooKeeperInstanceCodec.decode("orders", "orders-1", new byte[] {'{', (byte) 0xC3}))
                .hasMessageContaining("not UTF-8");
        assertThatThrownBy(() ->
                        ZooKeeperInstanceCodec.decode("orders", "orders-1", "[1]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ZooKeeperInstanceCodec.decode("payments", "orders-1", good))
                .hasMessageContaining("\"orders\"")
                .hasMessageContaining("\"payments\"");
        assertThatThrownBy(() -> ZooKeeperInstanceCodec.decode("orders", "other", good))
                .hasMessageContaining("\"orders-1\"")
                .hasMessageContaining("\"other\"");
    }

    /** Kratos' JSON for one instance, as its Go registry writes it (fields in order, metadata keys sorted). */
    private static String kratos(String id, String name, String version, String metadata, String endpoints) {
        return "{\"id\":\"" + id + "\",\"name\":\"" + name + "\",\"version\":\"" + version + "\",\"metadata\":"
                + metadata + ",\"endpoints\":" + endpoints + "}";
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * What Kratos writes and reads but registry4j would not register: each case, its id (the node name), service and
     * JSON. An id with '/' cannot be a ZooKeeper node name, so Kratos cannot write one here.
     */
    static Stream<Arguments> kratosRecordsRegistry4jReads() {
        String longId = "i".repeat(200);
        String longName = "n".repeat(100);
        return Stream.of(
                Arguments.of("endpoint without port", "1", "s", kratos("1", "s", "", "null", "[\"grpc://10.0.0.7\"]")),
                Arguments.of("non-ASCII id", "实例-1", "s", kratos("实例-1", "s", "", "null", "[\"grpc://h:1\"]")),
                Arguments.of("id with whitespace", "a b", "s", kratos("a b", "s", "", "null", "[\"grpc://h:1\"]")),
                Arguments.of("id over 128 chars", longId, "s", kratos(longId, "s", "", "null", "[\"grpc://h:1\"]")),
                Arguments.of(
                        "name outside the portable set",
                        "1",
                        "Grüße:v1",
                        kratos("1", "Grüße:v1", "", "null", "[\"grpc://h:1\"]")),
                Arguments.of(
                        "name over 63 chars", "1", longName, kratos("1", longName, "", "null", "[\"grpc://h:1\"]")),
                Arguments.of(
                        "version over 128 chars",
                        "1",
                        "s",
                        kratos("1", "s", "v".repeat(200), "null", "[\"grpc://h:1\"]")),
                Arguments.of("zero endpoints", "1", "s", kratos("1", "s", "", "null", "[]")),
                Arguments.of("null endpoints", "1", "s", kratos("1", "s", "", "null", "null")),
                Arguments.of(
                        "duplicate endpoints",
                        "1",
                        "s",
                        kratos("1", "s", "", "null", "[\"grpc://h:1\",\"grpc://h:1\"]")),
                Arguments.of("empty metadata key", "1", "s", kratos("1", "s", "", "{\"\":\"v\"}", "[\"grpc://h:1\"]")),
                Arguments.of(
                        "registry4j. metadata key",
                        "1",
                        "s",
                        kratos("1", "s", "", "{\"registry4j.x\":\"v\"}", "[\"grpc://h:1\"]")),
                Arguments.of(
                        "endpoint with user info", "1", "s", kratos("1", "s", "", "null", "[\"http://u:p@h:80\"]")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kratosRecordsRegistry4jReads")
    void readsKratosRecordsThatRegistry4jWouldNotRegister(String what, String id, String name, String json) {
        ServiceInstance read = ZooKeeperInstanceCodec.decode(name, id, utf8(json));
        assertThat(read.id()).isEqualTo(id);
        assertThat(read.name()).isEqualTo(name);
        assertThat(new String(ZooKeeperInstanceCodec.encode(read), StandardCharsets.UTF_8))
                .isEqualTo(json.replace("\"metadata\":null", "\"metadata\":{}")
                        .replace("\"endpoints\":null", "\"endpoints\":[]"));
        assertThatThrownBy(read::checkPortable).as(what).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keepsTheEndpointsOfAKratosRecordExactly() {
        ServiceInstance read = ZooKeeperInstanceCodec.decode(
                "my_service",
                "1",
                utf8(kratos(
                        "1",
                        "my_service",
                        "v1",
                        "{\"k\":\"v\"}",
                        "[\"grpc://my_service:9000\",\"http://my_service\"]")));
        assertThat(read)
                .isEqualTo(ServiceInstance.builder()
                        .id("1")
                        .name("my_service")
                        .version("v1")
                        .putMetadata("k", "v")
                        .endpoint("grpc://my_service:9000")
                        .endpoint("http://my_service")
                        .buildLenient());
    }

    static Stream<Arguments> kratosRecordsRegistry4jSkips() {
        return Stream.of(
                Arguments.of(
                        "endpoint not a URI", kratos("1", "s", "", "null", "[\"grpc://bad host:1\"]"), "not a URI"),
                Arguments.of(
                        "endpoint without scheme", kratos("1", "s", "", "null", "[\"10.0.0.7:9000\"]"), "not a URI"),
                Arguments.of(
                        "metadata value not a string",
                        kratos("1", "s", "", "{\"k\":1}", "[\"grpc://h:1\"]"),
                        "not a string"),
                Arguments.of("id missing", "{\"name\":\"s\",\"endpoints\":[\"grpc://h:1\"]}", "\"id\""),
                Arguments.of("another service's node", kratos("1", "t", "", "null", "[\"grpc://h:1\"]"), "\"t\""),
                Arguments.of("id differs from the node", kratos("2", "s", "", "null", "[\"grpc://h:1\"]"), "\"2\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kratosRecordsRegistry4jSkips")
    void rejectsWhatRegistry4jCannotRepresentSayingWhy(String what, String json, String reason) {
        assertThatThrownBy(() -> ZooKeeperInstanceCodec.decode("s", "1", utf8(json)))
                .as(what)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(reason);
    }
}
