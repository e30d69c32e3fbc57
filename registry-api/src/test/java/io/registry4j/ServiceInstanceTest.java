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
    void aTooLongNameOrIdIsReportedWithItsLengthAndQuotedOnce() {
        String name = "a".repeat(200);
        assertThatThrownBy(() -> ServiceInstance.checkPortableName(name))
                .hasMessageContaining("1-63 characters")
                .hasMessageContaining("(this one has 200)")
                .satisfies(e -> assertThat(String.valueOf(e.getMessage()).split(name, -1))
                        .as("times the name is quoted")
                        .hasSize(2));
        assertThatThrownBy(() -> valid().id("i".repeat(129)).build())
                .hasMessageContaining("ServiceInstance.id must be 1-128 characters (this one has 129)");
        assertThatThrownBy(() -> ServiceInstance.checkPortableName("a b")).hasMessageNotContaining("this one has");
    }

    @Test
    void checkNameValidatesWithoutAnInstance() {
        assertThat(ServiceInstance.checkName("ok")).isEqualTo("ok");
        assertThatThrownBy(() -> ServiceInstance.checkName("no good")).hasMessageContaining("\"no good\"");
    }

    @Test
    void buildLenientKeepsWhatKratosAcceptsAndCheckPortableRejectsIt() {
        // Each is something Kratos writes or reads; registry4j represents it as read, and refuses to register it.
        String[][] cases = {
            {"id", "ünï-1", "orders", "grpc://h:1"},
            {"id", "a/b", "orders", "grpc://h:1"},
            {"id", "has space", "orders", "grpc://h:1"},
            {"id", "i".repeat(129), "orders", "grpc://h:1"},
            {"name", "x", "a:b", "grpc://h:1"},
            {"name", "x", "café", "grpc://h:1"},
            {"name", "x", "n".repeat(64), "grpc://h:1"},
            {"endpoints[0]", "x", "orders", "grpc://h"},
            {"endpoints[0]", "x", "orders", "http://admin:pw@h:80"},
        };
        for (String[] c : cases) {
            ServiceInstance i =
                    ServiceInstance.builder().id(c[1]).name(c[2]).endpoint(c[3]).buildLenient();
            assertThatThrownBy(() -> new ServiceInstance(c[1], c[2], "", Map.of(), List.of(URI.create(c[3]))))
                    .as("the constructor is portable: " + String.join(" ", c))
                    .hasMessageStartingWith("ServiceInstance." + c[0]);
            assertThat(i.id()).isEqualTo(c[1]);
            assertThat(i.name()).isEqualTo(c[2]);
            assertThatThrownBy(i::checkPortable)
                    .as(String.join(" ", c))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("ServiceInstance." + c[0]);
        }
        ServiceInstance loose = ServiceInstance.builder()
                .id("x")
                .name("s")
                .version("v".repeat(200))
                .putMetadata("", "empty key")
                .putMetadata("registry4j.id", "reserved")
                .buildLenient();
        assertThat(loose.endpoints()).isEmpty();
        assertThat(loose.metadata()).containsEntry("", "empty key").containsEntry("registry4j.id", "reserved");
        ServiceInstance twice = ServiceInstance.builder()
                .id("x")
                .name("s")
                .endpoint("grpc://h:1")
                .endpoint("grpc://h:1")
                .buildLenient();
        assertThat(twice.endpoints()).hasSize(2);
        assertThatThrownBy(twice::checkPortable).hasMessageContaining("duplicate");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/b", "hello world", "tab\there", "nl\nx", "nbsp\u00a0x"})
    void evenAReadInstanceNeedsANameThatCanBeLookedUp(String name) {
        assertThatThrownBy(() -> ServiceInstance.builder().id("x").name(name).buildLenient())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("ServiceInstance.name");
        assertThatThrownBy(() -> ServiceInstance.checkName(name)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void evenAReadInstanceNeedsAnId() {
        assertThatThrownBy(() -> ServiceInstance.builder().id("").name("s").buildLenient())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("ServiceInstance.id must not be empty");
    }

    @Test
    void lookupNamesAreLenientPortableNamesAreNot() {
        assertThat(ServiceInstance.checkName("my_service")).isEqualTo("my_service");
        assertThat(ServiceInstance.checkName("Grüße:v1")).isEqualTo("Grüße:v1");
        assertThat(ServiceInstance.checkPortableName("my_service")).isEqualTo("my_service");
        assertThatThrownBy(() -> ServiceInstance.checkPortableName("Grüße:v1")).hasMessageContaining("\"Grüße:v1\"");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "grpc://my_service:9000",
                "http://compose_web_1:80/x",
                "grpc://[::1]:9000",
                "grpc://h.example-1:1"
            })
    void endpointHostsAreParsedByTheRegistryNotByUriGetHost(String endpoint) {
        ServiceInstance i = valid().endpoints(List.of(URI.create(endpoint))).build();
        assertThat(Endpoints.host(i.endpoints().get(0))).isNotNull();
        assertThat(Endpoints.port(URI.create("grpc://my_service:9000"))).isEqualTo(9000);
        assertThat(Endpoints.host(URI.create("grpc://my_service:9000"))).isEqualTo("my_service");
        assertThat(Endpoints.host(URI.create("https://[::1]:8443"))).isEqualTo("[::1]");
    }

    @Test
    void endpointsWithCredentialsAreRefusedWithoutPrintingThem() {
        assertThatThrownBy(() -> valid().endpoint("http://admin:pw@h:80").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ServiceInstance.endpoints[1]")
                .hasMessageContaining("user info")
                .hasMessageContaining("\"http://***@h:80\"")
                .hasMessageNotContaining("admin")
                .hasMessageNotContaining("pw@");
    }
}
