package io.registry4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.ServiceInstance;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code register} keeps DESIGN.md's portable rules although an instance itself may hold anything representable. */
class RegisterChecksTest {

    private static ServiceInstance read(String id, String name, Map<String, String> metadata, String... endpoints) {
        var b = ServiceInstance.builder().id(id).name(name).metadata(metadata);
        for (String e : endpoints) {
            b.endpoint(e);
        }
        return b.buildLenient();
    }

    @Test
    void registerRejectsWhatIsReadableButNotPortableNamingTheFieldAndValue() {
        try (var r = new RecordingRegistry(new ManualScheduler(), null)) {
            assertRejected(r, read("a b", "s", Map.of(), "grpc://h:1"), "ServiceInstance.id", "\"a b\"");
            assertRejected(r, read("x", "café", Map.of(), "grpc://h:1"), "ServiceInstance.name", "\"café\"");
            assertRejected(r, read("x", "s", Map.of("", "v"), "grpc://h:1"), "metadata key", "must not be empty");
            assertRejected(r, read("x", "s", Map.of("registry4j.x", "v"), "grpc://h:1"), "metadata key", "reserved");
            assertRejected(r, read("x", "s", Map.of()), "endpoints", "at least one");
            assertRejected(r, read("x", "s", Map.of(), "grpc://h"), "endpoints[0]", "grpc://h");
            assertRejected(r, read("x", "s", Map.of(), "grpc://h:1", "grpc://h:1"), "endpoints[1]", "duplicate");
            assertThat(r.written).isEmpty();
        }
    }

    @Test
    void registerAcceptsHostsWithUnderscoresAsDockerComposeNamesThem() {
        try (var r = new RecordingRegistry(new ManualScheduler(), null)) {
            ServiceInstance i = ServiceInstance.builder()
                    .id("x")
                    .name("s")
                    .endpoint("grpc://my_service:9000")
                    .build();
            r.register(i);
            assertThat(r.written).containsExactly(i);
        }
    }

    @Test
    void registerRefusesEndpointsWithCredentialsWithoutPrintingThem() {
        try (var r = new RecordingRegistry(new ManualScheduler(), null)) {
            ServiceInstance i = read("x", "s", Map.of(), "http://admin:pw@h:80");
            assertThatThrownBy(() -> r.register(i))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("ServiceInstance.endpoints[0]")
                    .hasMessageContaining("user info")
                    .hasMessageContaining("http://***@h:80")
                    .hasMessageNotContaining("pw");
            assertThat(r.written).isEmpty();
        }
    }

    private static void assertRejected(RecordingRegistry r, ServiceInstance i, String field, String value) {
        assertThatThrownBy(() -> r.register(i))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(field)
                .hasMessageContaining(value);
    }
}
