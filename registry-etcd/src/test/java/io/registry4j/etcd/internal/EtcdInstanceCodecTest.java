package io.registry4j.etcd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.registry4j.ServiceInstance;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Kratos' etcd layout, in memory. */
@DisplayName("etcd instance codec")
class EtcdInstanceCodecTest {
    private final EtcdInstanceCodec codec = new EtcdInstanceCodec("/microservices");

    private static KeyValue entry(String key, byte[] value) {
        return new KeyValue(
                io.etcd.jetcd.api.KeyValue.newBuilder()
                        .setKey(com.google.protobuf.ByteString.copyFromUtf8(key))
                        .setValue(com.google.protobuf.ByteString.copyFrom(value))
                        .build(),
                ByteSequence.EMPTY);
    }

    private static KeyValue entry(String key, String value) {
        return entry(key, value.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("keys are <namespace>/<name>/<id> and a service is read through <namespace>/<name>/")
    void layout() {
        ServiceInstance x = ServiceInstance.builder()
                .id("i-1")
                .name("hello")
                .endpoint("grpc://10.0.0.1:9000")
                .build();
        assertThat(codec.key(x)).isEqualTo("/microservices/hello/i-1");
        assertThat(codec.servicePrefix("hello")).isEqualTo("/microservices/hello/");
        assertThat(codec.namespacePrefix()).isEqualTo("/microservices/");
        assertThat(codec.decode("hello", entry(codec.key(x), codec.encode(x).getBytes())))
                .isEqualTo(x);
    }

    @Test
    @DisplayName("entries that disagree with their key or are not UTF-8 JSON are rejected, saying why")
    void badEntries() {
        String valid = "{\"id\":\"a\",\"name\":\"hello\",\"endpoints\":[\"grpc://h:1\"]}";
        assertThatThrownBy(() -> codec.decode("hello", entry("/microservices/hello/b", valid)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"a\"")
                .hasMessageContaining("\"b\"");
        assertThatThrownBy(() -> codec.decode("hello", entry("/microservices/hello/a/x", valid)))
                .hasMessageContaining("\"a/x\"");
        assertThatThrownBy(() -> codec.decode("hello", entry("/microservices/hello/", valid)))
                .hasMessageContaining("empty id");
        assertThatThrownBy(() -> codec.decode("helloworld", entry("/microservices/hello/a", valid)))
                .hasMessageContaining("not under /microservices/helloworld/");
        assertThatThrownBy(() -> codec.decode(
                        "other",
                        entry(
                                "/microservices/other/a",
                                "{\"id\":\"a\",\"name\":\"hello\",\"endpoints\":[\"grpc://h:1\"]}")))
                .hasMessageContaining("\"hello\"");
        assertThatThrownBy(() -> codec.decode("hello", entry("/microservices/hello/a", new byte[] {(byte) 0xff})))
                .hasMessageContaining("UTF-8");
        assertThatThrownBy(() -> codec.decode("hello", entry("/microservices/hello/a", "[]")))
                .hasMessageContaining("not a JSON object");
    }

    @Test
    @DisplayName("services are found from keys of instance shape only")
    void serviceOfKey() {
        assertThat(codec.serviceOf("/microservices/hello/1")).isEqualTo("hello");
        assertThat(codec.serviceOf("/microservices/hello")).isNull();
        assertThat(codec.serviceOf("/microservices/hello/")).isNull();
        assertThat(codec.serviceOf("/microservices/hello/1/2")).isEqualTo("hello"); // Kratos allows '/' in ids
        assertThat(codec.serviceOf("/microservices/my_service/1")).isEqualTo("my_service");
        assertThat(codec.serviceOf("/microservices/Grüße:v1/1")).isEqualTo("Grüße:v1");
        assertThat(codec.serviceOf("/microservices/bad name/1")).isNull();
        assertThat(codec.serviceOf("/elsewhere/hello/1")).isNull();
    }

    /** Kratos' JSON for one instance, as its Go registry writes it (fields in order, metadata keys sorted). */
    private static String kratos(String id, String name, String version, String metadata, String endpoints) {
        return "{\"id\":\"" + id + "\",\"name\":\"" + name + "\",\"version\":\"" + version + "\",\"metadata\":"
                + metadata + ",\"endpoints\":" + endpoints + "}";
    }

    /** What Kratos writes and reads but registry4j would not register: each case, its id, name and JSON. */
    static Stream<Arguments> kratosRecordsRegistry4jReads() {
        String longId = "i".repeat(200);
        String longName = "n".repeat(100);
        return Stream.of(
                Arguments.of("endpoint without port", "1", "s", kratos("1", "s", "", "null", "[\"grpc://10.0.0.7\"]")),
                Arguments.of("non-ASCII id", "实例-1", "s", kratos("实例-1", "s", "", "null", "[\"grpc://h:1\"]")),
                Arguments.of("id with whitespace", "a b", "s", kratos("a b", "s", "", "null", "[\"grpc://h:1\"]")),
                Arguments.of("id with /", "a/b", "s", kratos("a/b", "s", "", "null", "[\"grpc://h:1\"]")),
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
    @DisplayName("Kratos records that registry4j would not register are read as written")
    void readsWhatKratosAccepts(String what, String id, String name, String json) {
        ServiceInstance read = codec.decode(name, entry("/microservices/" + name + "/" + id, json));
        assertThat(read.id()).isEqualTo(id);
        assertThat(read.name()).isEqualTo(name);
        assertThat(codec.encode(read).toString(StandardCharsets.UTF_8))
                .isEqualTo(json.replace("\"metadata\":null", "\"metadata\":{}")
                        .replace("\"endpoints\":null", "\"endpoints\":[]"));
        assertThatThrownBy(read::checkPortable).as(what).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("the endpoints of a Kratos record are kept exactly, Docker Compose host names included")
    void keepsKratosEndpoints() {
        ServiceInstance read = codec.decode(
                "my_service",
                entry(
                        "/microservices/my_service/1",
                        kratos(
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
                        "empty id", "/microservices/s/", kratos("", "s", "", "null", "[\"grpc://h:1\"]"), "empty id"),
                Arguments.of(
                        "endpoint not a URI",
                        "/microservices/s/1",
                        kratos("1", "s", "", "null", "[\"grpc://bad host:1\"]"),
                        "not a URI"),
                Arguments.of(
                        "endpoint without scheme",
                        "/microservices/s/1",
                        kratos("1", "s", "", "null", "[\"10.0.0.7:9000\"]"),
                        "not a URI"),
                Arguments.of(
                        "metadata value not a string",
                        "/microservices/s/1",
                        kratos("1", "s", "", "{\"k\":1}", "[\"grpc://h:1\"]"),
                        "not a string"),
                Arguments.of(
                        "another service's entry",
                        "/microservices/s/1",
                        kratos("1", "t", "", "null", "[\"grpc://h:1\"]"),
                        "\"t\""),
                Arguments.of(
                        "id differs from the key",
                        "/microservices/s/1",
                        kratos("2", "s", "", "null", "[\"grpc://h:1\"]"),
                        "\"2\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kratosRecordsRegistry4jSkips")
    @DisplayName("what registry4j cannot represent is rejected with the reason")
    void skipsWhatCannotBeRepresented(String what, String key, String json, String reason) {
        assertThatThrownBy(() -> codec.decode("s", entry(key, json)))
                .as(what)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(reason);
    }
}
