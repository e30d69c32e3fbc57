package io.registry4j.eureka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.registry4j.ServiceInstance;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("EurekaInstanceCodec maps instances to Eureka's JSON and back (no server)")
class EurekaInstanceCodecTest {
    private final List<String> skipped = new ArrayList<>();
    private final EurekaInstanceCodec.Skipper skipper = (key, reason) -> skipped.add(key + ": " + reason.getMessage());

    private static ServiceInstance.Builder instance(String name, String id) {
        return ServiceInstance.builder().id(id).name(name).version("1.2.3");
    }

    /** What a server lists after the given registrations: each document wrapped in an application. */
    private static List<EurekaRecord> served(byte[]... registrations) {
        var instances = new StringBuilder();
        String app = null;
        for (byte[] r : registrations) {
            String json = new String(r, StandardCharsets.UTF_8);
            String inner = json.substring(json.indexOf(':') + 1, json.length() - 1);
            instances.append(instances.length() == 0 ? "" : ",").append(inner);
            int at = json.indexOf("\"app\":\"") + 7;
            app = json.substring(at, json.indexOf('"', at));
        }
        String doc = "{\"application\":{\"name\":\"" + app + "\",\"instance\":[" + instances + "]}}";
        return EurekaInstanceCodec.parseApplication(doc.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("the instance id is id:scheme:host:port when every part is plain")
    void readableInstanceId() {
        ServiceInstance x =
                instance("orders", "orders-1").endpoint("grpc://10.0.0.7:9000").build();
        assertThat(EurekaInstanceCodec.instanceId(x, x.endpoints().get(0))).isEqualTo("orders-1:grpc:10.0.0.7:9000");
    }

    @Test
    @DisplayName("instance ids are stable and unique per name, id and endpoint, and safe in a URL path")
    void instanceIdsAreUniqueAndSafe() {
        List<ServiceInstance> all = List.of(
                instance("orders", "a:b").endpoint("http://h:1").build(),
                instance("orders", "a_b").endpoint("http://h:1").build(),
                instance("orders", "a%2Fb?#;\\\"").endpoint("http://h:1").build(),
                instance("Orders", "a").endpoint("http://h:1").build(),
                instance("ORDERS", "a").endpoint("http://h:1").build(),
                instance("orders", "a").endpoint("http://h:1").build(),
                instance("orders", "a").endpoint("http://h:1/path").build(),
                instance("orders", "a").endpoint("http://[::1]:1").build(),
                instance("orders", "a").endpoint("http://[::2]:1").build(),
                instance("orders", "a").endpoint("https://h:1").build());
        Set<String> ids = new HashSet<>();
        for (ServiceInstance i : all) {
            String id = EurekaInstanceCodec.instanceId(i, i.endpoints().get(0));
            assertThat(id).matches("[A-Za-z0-9._:~-]+");
            assertThat(EurekaInstanceCodec.pathSegment(id)).isEqualTo(id);
            assertThat(EurekaInstanceCodec.instanceId(i, i.endpoints().get(0)))
                    .as("stable")
                    .isEqualTo(id);
            ids.add(id);
        }
        assertThat(ids).hasSize(all.size());
    }

    @Test
    @DisplayName("path segments percent-encode everything but unreserved characters, ':' and '@'")
    void pathSegments() {
        assertThat(EurekaInstanceCodec.pathSegment("a b/c?d#é:@~")).isEqualTo("a%20b%2Fc%3Fd%23%C3%A9:@~");
    }

    @Test
    @DisplayName("an encoded registration reads back into exactly the instance, metadata and endpoint order included")
    void encodeThenDecodeRoundTrips() {
        ServiceInstance x = instance("pay", "p-1")
                .metadata(Map.of("unicode", "Grüße 🚀", "@class", "kept", "empty", "", "q\"k", "v\\"))
                .endpoint("https://[::1]:8443")
                .endpoint("grpc://10.0.0.1:9000")
                .endpoint("http://10.0.0.1:8080/base?x=1")
                .build();
        List<EurekaRecord> records = served(
                EurekaInstanceCodec.encode(x, 2, 7L, 10, 30),
                EurekaInstanceCodec.encode(x, 0, 7L, 10, 30),
                EurekaInstanceCodec.encode(x, 1, 7L, 10, 30));
        assertThat(records).hasSize(3).allSatisfy(r -> {
            assertThat(r.app()).isEqualTo("PAY");
            assertThat(r.isUp()).isTrue();
            assertThat(r.metadata()).doesNotContainKey("@class").containsEntry("registry4j.key.@class", "kept");
        });
        EurekaRecord secure = records.get(1);
        assertThat(secure.ipAddr()).isEqualTo("::1");
        assertThat(secure.securePortEnabled()).isTrue();
        assertThat(secure.securePort()).isEqualTo(8443);
        assertThat(secure.portEnabled()).isFalse();
        assertThat(EurekaInstanceCodec.decode("pay", records, false, skipper)).containsExactly(x);
        assertThat(skipped).isEmpty();
    }

    @Test
    @DisplayName("endpoints left over from an older registration of the same id are not merged in")
    void newestRevisionWins() {
        ServiceInstance v1 = instance("svc", "s-1")
                .endpoint("http://10.0.0.1:1")
                .endpoint("http://10.0.0.1:2")
                .build();
        ServiceInstance v2 = instance("svc", "s-1")
                .version("2")
                .endpoint("http://10.0.0.1:2")
                .build();
        List<EurekaRecord> records =
                served(EurekaInstanceCodec.encode(v1, 0, 5L, 10, 30), EurekaInstanceCodec.encode(v2, 0, 6L, 10, 30));
        assertThat(EurekaInstanceCodec.decode("svc", records, false, skipper)).containsExactly(v2);
    }

    @Test
    @DisplayName("an instance is not listed while only some of its endpoints are written, nor once one is deleted")
    void halfWrittenRegistrationIsNotListed() {
        ServiceInstance x = instance("svc", "s-1")
                .endpoint("http://10.0.0.1:1")
                .endpoint("grpc://10.0.0.1:2")
                .endpoint("https://10.0.0.1:3")
                .build();
        byte[] first = EurekaInstanceCodec.encode(x, 0, 5L, 10, 30);
        byte[] second = EurekaInstanceCodec.encode(x, 1, 5L, 10, 30);
        byte[] third = EurekaInstanceCodec.encode(x, 2, 5L, 10, 30);
        assertThat(EurekaInstanceCodec.decode("svc", served(first), false, skipper))
                .isEmpty();
        assertThat(EurekaInstanceCodec.decode("svc", served(first, second), false, skipper))
                .isEmpty();
        assertThat(EurekaInstanceCodec.decode("svc", served(second, third), false, skipper))
                .isEmpty();
        assertThat(EurekaInstanceCodec.decode("svc", served(third, first, second), false, skipper))
                .containsExactly(x);
        assertThat(skipped).as("a half-written instance is not bad data").isEmpty();
    }

    @Test
    @DisplayName("while an update rewrites the endpoints in place, readers see the new instance, never fewer endpoints")
    void updateInPlaceKeepsEveryEndpoint() {
        ServiceInstance v1 = instance("svc", "s-1")
                .putMetadata("k", "1")
                .endpoint("http://10.0.0.1:1")
                .endpoint("grpc://10.0.0.1:2")
                .build();
        ServiceInstance v2 = instance("svc", "s-1")
                .putMetadata("k", "2")
                .endpoint("http://10.0.0.1:1")
                .endpoint("grpc://10.0.0.1:2")
                .build();
        // The server keys each record by its endpoint: v2's first record has replaced v1's.
        List<EurekaRecord> midway =
                served(EurekaInstanceCodec.encode(v2, 0, 6L, 10, 30), EurekaInstanceCodec.encode(v1, 1, 5L, 10, 30));
        assertThat(EurekaInstanceCodec.decode("svc", midway, false, skipper)).containsExactly(v2);
        assertThat(skipped).isEmpty();
    }

    @Test
    @DisplayName("while an update adds endpoints under new record ids, readers keep the whole older registration")
    void wholeOlderRevisionIsKeptWhileAnUpdateAddsEndpoints() {
        ServiceInstance v1 =
                instance("svc", "s-1").endpoint("http://10.0.0.1:1").build();
        ServiceInstance v2 = instance("svc", "s-1")
                .version("2")
                .endpoint("grpc://10.0.0.2:7")
                .endpoint("http://10.0.0.2:8")
                .build();
        List<EurekaRecord> midway =
                served(EurekaInstanceCodec.encode(v1, 0, 5L, 10, 30), EurekaInstanceCodec.encode(v2, 0, 6L, 10, 30));
        assertThat(EurekaInstanceCodec.decode("svc", midway, false, skipper)).containsExactly(v1);
        List<EurekaRecord> done = served(
                EurekaInstanceCodec.encode(v1, 0, 5L, 10, 30),
                EurekaInstanceCodec.encode(v2, 0, 6L, 10, 30),
                EurekaInstanceCodec.encode(v2, 1, 6L, 10, 30));
        assertThat(EurekaInstanceCodec.decode("svc", done, false, skipper)).containsExactly(v2);
    }

    @Test
    @DisplayName("records written before registry4j.count existed read as whole")
    void recordsWithoutCountReadAsBefore() {
        ServiceInstance x = instance("svc", "s-1")
                .endpoint("http://10.0.0.1:1")
                .endpoint("grpc://10.0.0.1:2")
                .build();
        String json = new String(EurekaInstanceCodec.encode(x, 0, 5L, 10, 30), StandardCharsets.UTF_8)
                .replace("\"registry4j.count\":\"2\",", "");
        assertThat(json).doesNotContain("registry4j.count");
        ServiceInstance first =
                instance("svc", "s-1").endpoint("http://10.0.0.1:1").build();
        assertThat(EurekaInstanceCodec.decode("svc", served(json.getBytes(StandardCharsets.UTF_8)), false, skipper))
                .containsExactly(first);
    }

    @Test
    @DisplayName("a count that is not a positive number, or an index not below it, skips that record, naming both")
    void badCountIsSkipped() {
        ServiceInstance x = instance("svc", "s-1").endpoint("http://10.0.0.1:1").build();
        ServiceInstance y = instance("svc", "s-2").endpoint("http://10.0.0.1:2").build();
        String good = new String(EurekaInstanceCodec.encode(y, 0, 5L, 10, 30), StandardCharsets.UTF_8);
        for (String count : List.of("0", "-3", "x", "4294967297")) {
            skipped.clear();
            String bad = new String(EurekaInstanceCodec.encode(x, 0, 5L, 10, 30), StandardCharsets.UTF_8)
                    .replace("\"registry4j.count\":\"1\"", "\"registry4j.count\":\"" + count + "\"");
            assertThat(EurekaInstanceCodec.decode(
                            "svc",
                            served(bad.getBytes(StandardCharsets.UTF_8), good.getBytes(StandardCharsets.UTF_8)),
                            false,
                            skipper))
                    .containsExactly(y);
            assertThat(skipped).singleElement().asString().contains("registry4j.count", count);
        }
        skipped.clear();
        ServiceInstance two = instance("svc", "s-1")
                .endpoint("http://10.0.0.1:1")
                .endpoint("http://10.0.0.1:3")
                .build();
        String beyond = new String(EurekaInstanceCodec.encode(two, 1, 5L, 10, 30), StandardCharsets.UTF_8)
                .replace("\"registry4j.count\":\"2\"", "\"registry4j.count\":\"1\"");
        assertThat(EurekaInstanceCodec.decode("svc", served(beyond.getBytes(StandardCharsets.UTF_8)), false, skipper))
                .isEmpty();
        assertThat(skipped).singleElement().asString().contains("registry4j.index 1 is not below registry4j.count 1");
    }

    @Test
    @DisplayName("a service reads only its own name: other spellings of the app and other apps are ignored")
    void exactNames() {
        ServiceInstance lower = instance("svc", "a").endpoint("http://h:1").build();
        ServiceInstance upper = instance("SVC", "a").endpoint("http://h:1").build();
        List<EurekaRecord> records =
                served(EurekaInstanceCodec.encode(lower, 0, 1L, 1, 3), EurekaInstanceCodec.encode(upper, 0, 1L, 1, 3));
        assertThat(EurekaInstanceCodec.decode("svc", records, false, skipper)).containsExactly(lower);
        assertThat(EurekaInstanceCodec.decode("SVC", records, false, skipper)).containsExactly(upper);
        assertThat(EurekaInstanceCodec.decode("svc2", records, false, skipper)).isEmpty();
    }

    @Test
    @DisplayName("instances of other Eureka clients read as http(s)://ipAddr:port with their metadata")
    void foreignInstances() {
        String doc = "{\"application\":{\"name\":\"LEGACY\",\"instance\":["
                + "{\"instanceId\":\"h1:legacy:80\",\"app\":\"LEGACY\",\"ipAddr\":\"10.0.0.5\",\"status\":\"UP\","
                + "\"port\":{\"$\":80,\"@enabled\":\"true\"},\"securePort\":{\"$\":443,\"@enabled\":\"true\"},"
                + "\"metadata\":{\"@class\":\"java.util.Collections$EmptyMap\",\"management.port\":\"81\"}},"
                + "{\"instanceId\":\"h2:legacy:80\",\"app\":\"LEGACY\",\"ipAddr\":\"fe80::1\",\"status\":\"UP\","
                + "\"port\":{\"$\":\"80\",\"@enabled\":true}},"
                + "{\"instanceId\":\"h3:legacy:80\",\"app\":\"LEGACY\",\"ipAddr\":\"10.0.0.6\",\"status\":\"DOWN\","
                + "\"port\":{\"$\":80,\"@enabled\":\"true\"}}]}}";
        List<EurekaRecord> records = EurekaInstanceCodec.parseApplication(doc.getBytes(StandardCharsets.UTF_8));
        assertThat(EurekaInstanceCodec.decode("legacy", records, false, skipper))
                .containsExactly(
                        ServiceInstance.builder()
                                .id("h1:legacy:80")
                                .name("legacy")
                                .putMetadata("management.port", "81")
                                .endpoint("https://10.0.0.5:443")
                                .endpoint("http://10.0.0.5:80")
                                .build(),
                        ServiceInstance.builder()
                                .id("h2:legacy:80")
                                .name("legacy")
                                .endpoint("http://[fe80::1]:80")
                                .build());
        assertThat(EurekaInstanceCodec.decode("legacy", records, true, skipper))
                .extracting(ServiceInstance::id)
                .contains("h3:legacy:80");
    }

    @Test
    @DisplayName("documents converted from XML, with one object instead of an array, are read too")
    void xmlConvertedShapes() {
        String doc = "{\"applications\":{\"apps__hashcode\":\"UP_1_\",\"application\":{\"name\":\"ONE\","
                + "\"instance\":{\"instanceId\":\"i1\",\"ipAddr\":\"10.0.0.1\",\"status\":\"UP\","
                + "\"port\":{\"@enabled\":\"true\",\"$\":\"8080\"},\"metadata\":null}}}}";
        EurekaInstanceCodec.Applications apps =
                EurekaInstanceCodec.parseApplications(doc.getBytes(StandardCharsets.UTF_8));
        assertThat(apps.reconcileHash()).isEqualTo("UP_1_");
        assertThat(apps.records()).singleElement().satisfies(r -> {
            assertThat(r.app()).isEqualTo("ONE");
            assertThat(r.port()).isEqualTo(8080);
            assertThat(r.metadata()).isEmpty();
        });
    }

    @Test
    @DisplayName("a bad instance is skipped alone, with the reason, and the others are listed")
    void garbageIsSkippedAlone() {
        ServiceInstance good =
                instance("svc", "good").endpoint("http://10.0.0.1:1").build();
        String goodJson = new String(EurekaInstanceCodec.encode(good, 0, 1L, 1, 3), StandardCharsets.UTF_8);
        String goodInner = goodJson.substring(goodJson.indexOf(':') + 1, goodJson.length() - 1);
        String doc = "{\"application\":{\"name\":\"SVC\",\"instance\":[" + goodInner + ","
                + "{\"instanceId\":\"bad-port\",\"ipAddr\":\"10.0.0.2\",\"status\":\"UP\",\"port\":{\"$\":\"x\"}},"
                + "{\"instanceId\":\"bad-meta\",\"ipAddr\":\"10.0.0.3\",\"status\":\"UP\","
                + "\"metadata\":{\"k\":{\"nested\":1}}},"
                + "{\"ipAddr\":\"10.0.0.4\",\"status\":\"UP\"},"
                + "{\"instanceId\":\"no-ports\",\"ipAddr\":\"10.0.0.5\",\"status\":\"UP\","
                + "\"port\":{\"$\":80,\"@enabled\":\"false\"}},"
                + "{\"instanceId\":\"r4j\",\"ipAddr\":\"10.0.0.6\",\"status\":\"UP\",\"metadata\":{"
                + "\"registry4j.id\":\"r4j\",\"registry4j.name\":\"svc\",\"registry4j.endpoint\":\"grpc://h\","
                + "\"registry4j.index\":\"0\",\"registry4j.rev\":\"1\"}},"
                + "{\"instanceId\":\"reserved\",\"ipAddr\":\"10.0.0.7\",\"status\":\"UP\","
                + "\"port\":{\"$\":80,\"@enabled\":\"true\"},\"metadata\":{\"registry4j.version\":\"1\"}}]}}";
        List<EurekaRecord> records = EurekaInstanceCodec.parseApplication(doc.getBytes(StandardCharsets.UTF_8));
        assertThat(EurekaInstanceCodec.decode("svc", records, false, skipper)).containsExactly(good);
        assertThat(skipped)
                .hasSize(6)
                .anySatisfy(s -> assertThat(s).contains("bad-port").contains("'x' is not a number"))
                .anySatisfy(s -> assertThat(s).contains("bad-meta").contains("'k'"))
                .anySatisfy(s -> assertThat(s).contains("no instanceId"))
                .anySatisfy(s -> assertThat(s).contains("no-ports").contains("neither port nor securePort"))
                .anySatisfy(s -> assertThat(s).contains("registry4j id r4j"))
                .anySatisfy(s -> assertThat(s).contains("reserved"));
    }

    @Test
    @DisplayName("an answer that is not Eureka's JSON fails as a whole, saying what it got")
    void notEurekaJson() {
        assertThatThrownBy(() -> EurekaInstanceCodec.parseApplication("<html>".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an Eureka application document");
        assertThatThrownBy(() -> EurekaInstanceCodec.parseApplications("{\"x\":1}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no \"applications\" object");
    }

    @Test
    @DisplayName("a registration carries Eureka's required fields, lease and per-endpoint metadata")
    void registrationDocument() {
        ServiceInstance x = instance("orders", "o-1")
                .putMetadata("zone", "z")
                .endpoint(URI.create("http://10.0.0.7:8080"))
                .build();
        String json = new String(EurekaInstanceCodec.encode(x, 0, 42L, 10, 30), StandardCharsets.UTF_8);
        assertThat(json)
                .startsWith("{\"instance\":{\"instanceId\":\"o-1:http:10.0.0.7:8080\"")
                .contains("\"app\":\"ORDERS\"", "\"ipAddr\":\"10.0.0.7\"", "\"vipAddress\":\"orders\"")
                .contains("\"status\":\"UP\"", "\"port\":{\"$\":8080,\"@enabled\":\"true\"}")
                .contains("\"securePort\":{\"$\":443,\"@enabled\":\"false\"}")
                .contains("\"dataCenterInfo\":{\"@class\":\"com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo\"")
                .contains("\"leaseInfo\":{\"renewalIntervalInSecs\":10,\"durationInSecs\":30}")
                .contains("\"homePageUrl\":\"http://10.0.0.7:8080/\"")
                .contains("\"zone\":\"z\"", "\"registry4j.id\":\"o-1\"", "\"registry4j.rev\":\"42\"")
                .contains("\"lastDirtyTimestamp\":\"42\"");
    }

    // ---- Kratos (contrib/registry/eureka v2.8.3: register.go Endpoints(), client.go registerEndpoint) ----

    /** Kratos' metadata of one endpoint: the user's pairs plus its five keys. */
    private static Map<String, String> kratosMetadata(
            Map<String, String> user, String id, String name, String version, String endpoint) {
        var m = new LinkedHashMap<>(user);
        m.put("ID", id);
        m.put("Name", name);
        m.put("Version", version);
        m.put("Endpoints", endpoint);
        m.put("agent", "go-eureka-client");
        return m;
    }

    /**
     * An Eureka instance as Kratos' client registers it for {@code endpoint} (listed back by the server as sent):
     * instanceId {@code ip:APP:port}, hostName and vipAddress the app, {@code port} enabled, {@code securePort} 443
     * disabled, {@code homePageUrl} the endpoint plus {@code /}, and the given metadata.
     */
    private static String kratosInstance(String endpoint, String name, Map<String, String> metadata) {
        int start = endpoint.indexOf("//");
        int end = endpoint.lastIndexOf(':');
        String app = name.toUpperCase(java.util.Locale.ROOT);
        String ip = endpoint.substring(start + 2, end);
        String port = endpoint.substring(end + 1);
        var out = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("instanceId", ip + ":" + app + ":" + port);
            g.writeStringField("hostName", app);
            g.writeObjectFieldStart("port");
            g.writeNumberField("$", Integer.parseInt(port));
            g.writeStringField("@enabled", "true");
            g.writeEndObject();
            g.writeStringField("app", app);
            g.writeStringField("ipAddr", ip);
            g.writeStringField("vipAddress", app);
            g.writeStringField("status", "UP");
            g.writeObjectFieldStart("securePort");
            g.writeNumberField("$", 443);
            g.writeStringField("@enabled", "false");
            g.writeEndObject();
            g.writeStringField("homePageUrl", endpoint + "/");
            g.writeStringField("statusPageUrl", endpoint + "/info");
            g.writeStringField("healthCheckUrl", endpoint + "/health");
            g.writeObjectFieldStart("dataCenterInfo");
            g.writeStringField("name", "MyOwn");
            g.writeStringField("@class", "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo");
            g.writeEndObject();
            g.writeObjectFieldStart("metadata");
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static List<EurekaRecord> application(String app, String... instances) {
        String doc = "{\"application\":{\"name\":\"" + app + "\",\"instance\":[" + String.join(",", instances) + "]}}";
        return EurekaInstanceCodec.parseApplication(doc.getBytes(StandardCharsets.UTF_8));
    }

    private static final Map<String, String> USER = Map.of("unicode", "Grüße 🚀 ✓", "zone", "eu-1");

    @Test
    @DisplayName("Kratos' Eureka instances read as one instance per ID, schemes and version kept, its keys dropped")
    void kratosRecordsReadAsOneInstance() {
        List<EurekaRecord> records = application(
                "ORDERS",
                kratosInstance(
                        "http://10.0.0.7:8000",
                        "orders",
                        kratosMetadata(USER, "k-1", "orders", "v1.2", "http://10.0.0.7:8000")),
                kratosInstance(
                        "grpc://10.0.0.7:9000",
                        "orders",
                        kratosMetadata(USER, "k-1", "orders", "v1.2", "grpc://10.0.0.7:9000")),
                kratosInstance(
                        "grpc://10.0.0.8:9000",
                        "orders",
                        kratosMetadata(Map.of(), "k-2", "orders", "", "grpc://10.0.0.8:9000")));
        assertThat(EurekaInstanceCodec.decode("orders", records, false, skipper))
                .containsExactlyInAnyOrder(
                        ServiceInstance.builder()
                                .id("k-1")
                                .name("orders")
                                .version("v1.2")
                                .metadata(USER)
                                .endpoint("grpc://10.0.0.7:9000")
                                .endpoint("http://10.0.0.7:8000")
                                .build(),
                        ServiceInstance.builder()
                                .id("k-2")
                                .name("orders")
                                .endpoint("grpc://10.0.0.8:9000")
                                .build());
        assertThat(skipped).isEmpty();
        assertThat(records)
                .allSatisfy(r -> assertThat(EurekaInstanceCodec.serviceName(r)).isEqualTo("orders"));
    }

    @Test
    @DisplayName("Kratos' shared metadata map (kratos#3818): each endpoint comes from its own address, grpc kept")
    void kratosSharedMetadataMap() {
        // With metadata, Kratos gives all its Eureka instances one map: Endpoints holds the last endpoint everywhere.
        Map<String, String> shared = kratosMetadata(USER, "k-1", "orders", "v2", "http://10.0.0.7:8000");
        List<EurekaRecord> records = application(
                "ORDERS",
                kratosInstance("grpc://10.0.0.7:9000", "orders", shared),
                kratosInstance("http://10.0.0.7:8000", "orders", shared));
        assertThat(EurekaInstanceCodec.decode("orders", records, false, skipper))
                .containsExactly(ServiceInstance.builder()
                        .id("k-1")
                        .name("orders")
                        .version("v2")
                        .metadata(USER)
                        .endpoint("grpc://10.0.0.7:9000")
                        .endpoint("http://10.0.0.7:8000")
                        .build());
        assertThat(skipped).isEmpty();

        // A homePageUrl the user chose (metadata homePageURL) tells nothing either: that endpoint is left out.
        String grpc = kratosInstance("grpc://10.0.0.7:9000", "orders", shared)
                .replace("\"homePageUrl\":\"grpc://10.0.0.7:9000/\"", "\"homePageUrl\":\"http://example.com/\"");
        List<EurekaRecord> unknown =
                application("ORDERS", grpc, kratosInstance("http://10.0.0.7:8000", "orders", shared));
        assertThat(EurekaInstanceCodec.decode("orders", unknown, false, skipper))
                .singleElement()
                .satisfies(i -> assertThat(i.endpoints()).containsExactly(URI.create("http://10.0.0.7:8000")));
        assertThat(skipped)
                .singleElement()
                .asString()
                .contains("10.0.0.7:ORDERS:9000", "kratos#3818", "'http://10.0.0.7:8000'");
    }

    @Test
    @DisplayName("Kratos instances: exact names, IPv6 hosts, and bad ones skipped alone with the reason")
    void kratosNamesAndGarbage() {
        List<EurekaRecord> records = application(
                "SVC",
                kratosInstance(
                        "grpc://[::1]:9000", "svc", kratosMetadata(Map.of(), "ok", "svc", "1", "grpc://[::1]:9000")),
                kratosInstance(
                        "grpc://10.0.0.2:9000",
                        "Svc",
                        kratosMetadata(Map.of(), "other", "Svc", "1", "grpc://10.0.0.2:9000")),
                kratosInstance(
                        "grpc://10.0.0.3:9000",
                        "svc",
                        kratosMetadata(Map.of(), "bad id", "svc", "1", "grpc://10.0.0.3:9000")),
                kratosInstance(
                        "grpc://10.0.0.4:9000",
                        "svc",
                        kratosMetadata(Map.of(), "wrong-app", "pay", "1", "grpc://10.0.0.4:9000")),
                kratosInstance(
                                "grpc://10.0.0.5:9000",
                                "svc",
                                kratosMetadata(Map.of(), "moved", "svc", "1", "grpc://10.0.0.5:9000"))
                        .replace("\"ipAddr\":\"10.0.0.5\"", "\"ipAddr\":\"10.0.0.6\""));
        assertThat(EurekaInstanceCodec.decode("svc", records, false, skipper))
                .containsExactly(ServiceInstance.builder()
                        .id("ok")
                        .name("svc")
                        .version("1")
                        .endpoint("grpc://[::1]:9000")
                        .build());
        assertThat(skipped)
                .hasSize(3)
                .anySatisfy(s -> assertThat(s).contains("Kratos ID bad id"))
                .anySatisfy(s -> assertThat(s).contains("'pay' does not belong to app SVC"))
                .anySatisfy(s -> assertThat(s).contains("10.0.0.5:SVC:9000").contains("'grpc://10.0.0.5:9000'"));
        skipped.clear();
        assertThat(EurekaInstanceCodec.decode("Svc", records, false, skipper))
                .extracting(ServiceInstance::id)
                .containsExactly("other");
    }

    @Test
    @DisplayName("each endpoint carries Kratos' keys in its own map, Endpoints being that endpoint, as Kratos reads it")
    void registrationCarriesKratosKeys() {
        ServiceInstance x = instance("orders", "o-1")
                .version("v3")
                .metadata(Map.of("unicode", "Grüße 🚀", "Version", "user's", "ID", "mine", "agent", "x"))
                .endpoint("grpc://10.0.0.7:9000")
                .endpoint("http://10.0.0.7:8000")
                .endpoint("https://[::1]:8443")
                .build();
        List<EurekaRecord> records = served(
                EurekaInstanceCodec.encode(x, 0, 3L, 10, 30),
                EurekaInstanceCodec.encode(x, 1, 3L, 10, 30),
                EurekaInstanceCodec.encode(x, 2, 3L, 10, 30));
        for (int i = 0; i < 3; i++) {
            // What Kratos' GetService makes of each Eureka instance (register.go): ID, Name, Version, Endpoints.
            Map<String, String> m = records.get(i).metadata();
            assertThat(m)
                    .containsEntry("ID", "o-1")
                    .containsEntry("Name", "orders")
                    .containsEntry("Version", "v3")
                    .containsEntry("Endpoints", x.endpoints().get(i).toString())
                    .containsEntry("agent", "go-eureka-client")
                    .containsEntry("unicode", "Grüße 🚀")
                    .containsEntry("registry4j.key.Version", "user's")
                    .containsEntry("registry4j.key.ID", "mine");
        }
        // Kratos' gRPC resolver dials the grpc endpoint's host:port.
        assertThat(URI.create(records.get(0).metadata().get("Endpoints")).getAuthority())
                .isEqualTo("10.0.0.7:9000");
        assertThat(EurekaInstanceCodec.decode("orders", records, false, skipper))
                .containsExactly(x);
        assertThat(skipped).isEmpty();
        assertThat(records)
                .allSatisfy(r -> assertThat(EurekaInstanceCodec.serviceName(r)).isEqualTo("orders"));
    }

    @Test
    @DisplayName("a registry4j instance wins over a Kratos instance of the same id")
    void registry4jWinsOverKratos() {
        ServiceInstance ours =
                instance("svc", "same").endpoint("http://10.0.0.1:1").build();
        String json = new String(EurekaInstanceCodec.encode(ours, 0, 1L, 1, 3), StandardCharsets.UTF_8);
        List<EurekaRecord> records = application(
                "SVC",
                kratosInstance(
                        "grpc://10.0.0.9:9000",
                        "svc",
                        kratosMetadata(Map.of(), "same", "svc", "", "grpc://10.0.0.9:9000")),
                json.substring(json.indexOf(':') + 1, json.length() - 1));
        assertThat(EurekaInstanceCodec.decode("svc", records, false, skipper)).containsExactly(ours);
    }
}
