package io.registry4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.ServiceInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The cases every codec of Kratos' instance JSON (the etcd and ZooKeeper layouts store one
 * {@code {"id","name","version","metadata","endpoints"}} object per instance) must pass: Kratos records that
 * registry4j would not register are read as written and written back byte for byte, and what registry4j cannot
 * represent is rejected saying why. A codec's test class extends this and says how its codec reads one stored record
 * and writes an instance; its layout-specific cases (keys, node names) stay in that class.
 *
 * <p>Not thread-safe; JUnit makes one instance per test.
 */
public abstract class KratosInstanceCodecContract {
    /** For subclasses. */
    protected KratosInstanceCodecContract() {}

    /**
     * Reads {@code json}, stored where the backend keeps instance {@code id} of service {@code service}, as the codec
     * under test does.
     *
     * @throws IllegalArgumentException naming the reason, if the record is not one instance of that service and id
     */
    protected abstract ServiceInstance decode(String service, String id, String json);

    /** Returns what the codec under test stores for {@code instance}, as UTF-8 text. */
    protected abstract String encode(ServiceInstance instance);

    /**
     * Whether Kratos can store an instance whose id holds a {@code '/'} on this backend (an etcd key can; a ZooKeeper
     * node name cannot).
     */
    protected abstract boolean kratosIdsMayHoldSlash();

    /** Kratos' JSON for one instance, as its Go registry writes it (fields in order, metadata keys sorted). */
    public static String kratos(String id, String name, String version, String metadata, String endpoints) {
        return "{\"id\":\"" + id + "\",\"name\":\"" + name + "\",\"version\":\"" + version + "\",\"metadata\":"
                + metadata + ",\"endpoints\":" + endpoints + "}";
    }

    /** One Kratos record registry4j reads but would not register: what it shows, its id, service and JSON. */
    private record ReadableRecord(String what, String id, String name, String json) {}

    private List<ReadableRecord> kratosRecordsRegistry4jReads() {
        String longId = "i".repeat(200);
        String longName = "n".repeat(100);
        List<ReadableRecord> cases = new ArrayList<>();
        cases.add(new ReadableRecord(
                "endpoint without port", "1", "s", kratos("1", "s", "", "null", "[\"grpc://10.0.0.7\"]")));
        cases.add(new ReadableRecord("non-ASCII id", "实例-1", "s", kratos("实例-1", "s", "", "null", "[\"grpc://h:1\"]")));
        cases.add(new ReadableRecord(
                "id with whitespace", "a b", "s", kratos("a b", "s", "", "null", "[\"grpc://h:1\"]")));
        if (kratosIdsMayHoldSlash()) {
            cases.add(new ReadableRecord("id with /", "a/b", "s", kratos("a/b", "s", "", "null", "[\"grpc://h:1\"]")));
        }
        cases.add(new ReadableRecord(
                "id over 128 chars", longId, "s", kratos(longId, "s", "", "null", "[\"grpc://h:1\"]")));
        cases.add(new ReadableRecord(
                "name outside the portable set",
                "1",
                "Grüße:v1",
                kratos("1", "Grüße:v1", "", "null", "[\"grpc://h:1\"]")));
        cases.add(new ReadableRecord(
                "name over 63 chars", "1", longName, kratos("1", longName, "", "null", "[\"grpc://h:1\"]")));
        cases.add(new ReadableRecord(
                "version over 128 chars", "1", "s", kratos("1", "s", "v".repeat(200), "null", "[\"grpc://h:1\"]")));
        cases.add(new ReadableRecord("zero endpoints", "1", "s", kratos("1", "s", "", "null", "[]")));
        cases.add(new ReadableRecord("null endpoints", "1", "s", kratos("1", "s", "", "null", "null")));
        cases.add(new ReadableRecord(
                "duplicate endpoints", "1", "s", kratos("1", "s", "", "null", "[\"grpc://h:1\",\"grpc://h:1\"]")));
        cases.add(new ReadableRecord(
                "empty metadata key", "1", "s", kratos("1", "s", "", "{\"\":\"v\"}", "[\"grpc://h:1\"]")));
        cases.add(new ReadableRecord(
                "registry4j. metadata key",
                "1",
                "s",
                kratos("1", "s", "", "{\"registry4j.x\":\"v\"}", "[\"grpc://h:1\"]")));
        cases.add(new ReadableRecord(
                "endpoint with user info", "1", "s", kratos("1", "s", "", "null", "[\"http://u:p@h:80\"]")));
        return cases;
    }

    @TestFactory
    @DisplayName("Kratos records that registry4j would not register are read as written")
    Stream<DynamicTest> readsKratosRecordsThatRegistry4jWouldNotRegister() {
        return kratosRecordsRegistry4jReads().stream()
                .map(c -> DynamicTest.dynamicTest(c.what(), () -> {
                    ServiceInstance read = decode(c.name(), c.id(), c.json());
                    assertThat(read.id()).isEqualTo(c.id());
                    assertThat(read.name()).isEqualTo(c.name());
                    assertThat(encode(read))
                            .isEqualTo(c.json()
                                    .replace("\"metadata\":null", "\"metadata\":{}")
                                    .replace("\"endpoints\":null", "\"endpoints\":[]"));
                    assertThatThrownBy(read::checkPortable).as(c.what()).isInstanceOf(IllegalArgumentException.class);
                }));
    }

    @Test
    @DisplayName("the endpoints of a Kratos record are kept exactly, Docker Compose host names included")
    void keepsTheEndpointsOfAKratosRecordExactly() {
        ServiceInstance read = decode(
                "my_service",
                "1",
                kratos("1", "my_service", "v1", "{\"k\":\"v\"}", "[\"grpc://my_service:9000\",\"http://my_service\"]"));
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

    /** One Kratos record of instance 1 of service s that registry4j cannot represent: why, its JSON, the reason. */
    private record UnrepresentableRecord(String what, String json, String reason) {}

    @TestFactory
    @DisplayName("what registry4j cannot represent is rejected with the reason")
    Stream<DynamicTest> rejectsWhatRegistry4jCannotRepresentSayingWhy() {
        return Stream.of(
                        new UnrepresentableRecord(
                                "endpoint not a URI",
                                kratos("1", "s", "", "null", "[\"grpc://bad host:1\"]"),
                                "not a URI"),
                        new UnrepresentableRecord(
                                "endpoint without scheme",
                                kratos("1", "s", "", "null", "[\"10.0.0.7:9000\"]"),
                                "not a URI"),
                        new UnrepresentableRecord(
                                "metadata value not a string",
                                kratos("1", "s", "", "{\"k\":1}", "[\"grpc://h:1\"]"),
                                "not a string"),
                        new UnrepresentableRecord(
                                "another service's record", kratos("1", "t", "", "null", "[\"grpc://h:1\"]"), "\"t\""),
                        new UnrepresentableRecord(
                                "id differs from where it is stored",
                                kratos("2", "s", "", "null", "[\"grpc://h:1\"]"),
                                "\"2\""))
                .map(c -> DynamicTest.dynamicTest(
                        c.what(),
                        () -> assertThatThrownBy(() -> decode("s", "1", c.json()))
                                .as(c.what())
                                .isInstanceOf(IllegalArgumentException.class)
                                .hasMessageContaining(c.reason())));
    }
}
