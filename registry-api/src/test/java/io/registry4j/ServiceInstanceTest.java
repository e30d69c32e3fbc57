package io.registry4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ServiceInstanceTest {

    private static ServiceInstance.Builder valid() {
        return ServiceInstance.builder().id("i-1").name("orders").version("1.0").endpoint("grpc://10.0.0.7:9000");
    }

    @Test
    void buildsWithDefaultsAndKeepsEndpointOrder() {
        ServiceInstance i = ServiceInstance.builder()
                .id("x")
                .name("a")
                .endpoint("https://[::1]:8443")
                .endpoint("grpc://10.0.0.7:9000")
                .build();
        assertThat(i.version()).isEmpty();
        assertThat(i.metadata()).isEmpty();
        assertThat(i.endpoints()).containsExactly(URI.create("https://[::1]:8443"), URI.create("grpc://10.0.0.7:9000"));
    }

    @Test
    void copiesCollectionsSoLaterChangesDoNotLeakIn() {
        Map<String, String> meta = new HashMap<>(Map.of("k", "v"));
        List<URI> endpoints = new ArrayList<>(List.of(URI.create("grpc://h:1")));
        ServiceInstance i = new ServiceInstance("x", "s", "", meta, endpoints);
        meta.put("k2", "v2");
        endpoints.add(URI.create("grpc://h:2"));
        assertThat(i.metadata()).containsOnlyKeys("k");
        assertThat(i.endpoints()).hasSize(1);
        assertThatThrownBy(() -> i.metadata().put("a", "b")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> i.endpoints().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void equalityIsByValueAndToBuilderRoundTrips() {
        ServiceInstance a = valid().putMetadata("k", "v").build();
        assertThat(a.toBuilder().build()).isEqualTo(a).hasSameHashCodeAs(a);
        assertThat(a.toBuilder().version("2").build()).isNotEqualTo(a);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "orders", "Orders-v2", "a.b_c-d", "x1", "0abc"})
    void acceptsPortableNames(String name) {
        assertThat(valid().name(name).build().name()).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-orders", "orders-", "hello world", "a/b", "ünicode", "a:b", ".hidden", "a_"})
    void rejectsNamesOutsideThePortableSet(String name) {
        assertThatThrownBy(() -> valid().name(name).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("ServiceInstance.name")
                .hasMessageContaining("got \"" + name + "\"");
    }

    @Test
    void rejectsNamesLongerThan63() {
        String ok = "a".repeat(63);
        assertThat(valid().name(ok).build().name()).isEqualTo(ok);
        assertThatThrownBy(() -> valid().name(ok + "a").build())
                .hasMessageContaining("1-63")
                .hasMessageContaining(ok);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/b", "has space", "tab\there", "ünï", "new\nline"})
    void rejectsBadIds(String id) {
        assertThatThrownBy(() -> valid().id(id).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("ServiceInstance.id");
    }

    @Test
    void idErrorsEscapeControlCharacters() {
        assertThatThrownBy(() -> valid().id("a\nb").build()).hasMessageContaining("\"a\\u000ab\"");
    }

    @Test
    void idAndVersionLengthLimitsAre128() {
        assertThat(valid().id("i".repeat(128)).version("v".repeat(128)).build()).isNotNull();
        assertThatThrownBy(() -> valid().id("i".repeat(129)).build()).hasMessageContaining("ServiceInstance.id");
        assertThatThrownBy(() -> valid().version("v".repeat(129)).build())
                .hasMessageContaining("ServiceInstance.version");
    }

    @Test
    void veryLongValuesAreCutInMessages() {
        assertThatThrownBy(() -> valid().id("x".repeat(5000)).build())
                .hasMessageContaining("...(5000 chars)")
                .satisfies(e -> assertThat(String.valueOf(e.getMessage())).hasSizeLessThan(400));
    }

    @Test
    void rejectsReservedAndEmptyMetadataKeys() {
        assertThatThrownBy(() -> valid().putMetadata("registry4j.id", "x").build())
                .hasMessageContaining("ServiceInstance.metadata key")
                .hasMessageContaining("\"registry4j.id\"")
                .hasMessageContaining("reserved");
        assertThatThrownBy(() -> valid().putMetadata("", "x").build())
                .hasMessageContaining("metadata key")
                .hasMessageContaining("must not be empty");
    }

    @Test
    void rejectsNullsNamingThem() {
        Map<String, String> withNullValue = new HashMap<>();
        withNullValue.put("k", null);
        assertThatThrownBy(() -> new ServiceInstance("x", "s", "", withNullValue, List.of(URI.create("grpc://h:1"))))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("\"k\"");
        Map<String, String> withNullKey = new HashMap<>();
        withNullKey.put(null, "v");
        assertThatThrownBy(() -> new ServiceInstance("x", "s", "", withNullKey, List.of(URI.create("grpc://h:1"))))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("metadata key");
        assertThatThrownBy(() -> ServiceInstance.builder()
                        .name("s")
                        .endpoint("grpc://h:1")
                        .build())
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("id");
        assertThatThrownBy(() ->
                        ServiceInstance.builder().id("x").endpoint("grpc://h:1").build())
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("name");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"grpc://h", "grpc://h:0", "grpc://h:65536", "/relative:80", "h:9000", "grpc:opaque", "grpc:///p"
            })
    void rejectsEndpointsWithoutSchemeHostOrPort(String endpoint) {
        assertThatThrownBy(() -> ServiceInstance.builder()
                        .id("x")
                        .name("s")
                        .endpoint(endpoint)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ServiceInstance.endpoints[0]")
                .hasMessageContaining(endpoint);
    }

    @Test
    void rejectsNoEndpointsDuplicatesAndNonUris() {
        assertThatThrownBy(() -> ServiceInstance.builder().id("x").name("s").build())
                .hasMessageContaining("at least one endpoint");
        assertThatThrownBy(() -> valid().endpoint("grpc://10.0.0.7:9000").build())
                .hasMessageContaining("endpoints[1]")
                .hasMessageContaining("duplicate");
        assertThatThrownBy(() -> valid().endpoint("grpc://bad host:1"))
                .hasMessageContaining("endpoints[1] is not a URI")
                .hasMessageContaining("\"grpc://bad host:1\"");
    }

    @Test
    void checkNameValidatesWithoutAnInstance() {
        assertThat(ServiceInstance.checkName("ok")).isEqualTo("ok");
        assertThatThrownBy(() -> ServiceInstance.checkName("no good")).hasMessageContaining("\"no good\"");
    }
}
