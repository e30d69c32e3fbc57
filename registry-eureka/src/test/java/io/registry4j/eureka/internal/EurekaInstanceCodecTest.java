package io.registry4j.eureka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.ServiceInstance;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
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
}
