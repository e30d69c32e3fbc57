package io.registry4j.etcd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.registry4j.ServiceInstance;
import io.registry4j.testkit.KratosInstanceCodecContract;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Kratos' etcd layout, in memory; the cases every Kratos JSON codec passes come from the contract. */
@DisplayName("etcd instance codec")
class EtcdInstanceCodecTest extends KratosInstanceCodecContract {
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

    @Override
    protected ServiceInstance decode(String service, String id, String json) {
        return codec.decode(service, entry("/microservices/" + service + "/" + id, json));
    }

    @Override
    protected String encode(ServiceInstance instance) {
        return codec.encode(instance).toString(StandardCharsets.UTF_8);
    }

    @Override
    protected boolean kratosIdsMayHoldSlash() {
        return true;
    }

    @Test
    @DisplayName("a Kratos record with an empty id is rejected with the reason")
    void rejectsAnEmptyId() {
        assertThatThrownBy(() ->
                        codec.decode("s", entry("/microservices/s/", kratos("", "s", "", "null", "[\"grpc://h:1\"]"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty id");
    }
}
