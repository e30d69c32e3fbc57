package io.registry4j.nacos.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.alibaba.nacos.api.naming.pojo.Instance;
import io.registry4j.ServiceInstance;
import io.registry4j.nacos.NacosLayout;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The layout of instances in Nacos, without a server. */
@DisplayName("NacosInstanceCodec (no server)")
class NacosInstanceCodecTest {
    private static final String GROUP = "DEFAULT_GROUP";

    private final List<String> skipped = new ArrayList<>();

    private static NacosInstanceCodec plain() {
        return new NacosInstanceCodec(
                NacosLayout.PLAIN, List.of("grpc", "http"), "http", "DEFAULT", 100, false, Set.of());
    }

    private static NacosInstanceCodec kratos() {
        return new NacosInstanceCodec(
                NacosLayout.KRATOS, List.of("grpc", "http"), "http", "DEFAULT", 100, false, Set.of());
    }

    /** What both layouts read for a logical service, every Nacos service empty. */
    private static Map<String, List<Instance>> empty(String name) {
        Map<String, List<Instance>> read = new LinkedHashMap<>();
        for (String s : plain().servicesOf(name)) {
            read.put(s, new ArrayList<>());
        }
        return read;
    }

    private List<ServiceInstance> roundTrip(NacosInstanceCodec codec, ServiceInstance x) {
        Map<String, List<Instance>> read = new LinkedHashMap<>();
        for (String s : codec.servicesOf(x.name())) {
            read.put(s, new ArrayList<>());
        }
        codec.encode(x).forEach((s, list) -> at(read, s).addAll(list));
        return codec.decode(x.name(), read, GROUP, (key, e) -> skipped.add(key + ": " + e.getMessage()));
    }

    private static List<Instance> at(Map<String, List<Instance>> byService, String service) {
        return Objects.requireNonNull(byService.get(service), service);
    }

    private static Instance foreign(String ip, int port, Map<String, String> metadata) {
        Instance n = new Instance();
        n.setIp(ip);
        n.setPort(port);
        n.setClusterName("DEFAULT");
        n.setWeight(1);
        n.setMetadata(new HashMap<>(metadata));
        return n;
    }

    @Test
    @DisplayName("one endpoint becomes one Nacos instance in the service named like the logical one")
    void oneEndpointIsOneNacosInstance() {
        ServiceInstance x = ServiceInstance.builder()
                .id("a1")
                .name("orders")
                .version("1.2")
                .putMetadata("zone", "z1")
                .endpoint("grpc://10.0.0.7:9000")
                .build();
        Map<String, List<Instance>> encoded = plain().encode(x);
        assertThat(encoded).containsOnlyKeys("orders");
        Instance n = at(encoded, "orders").get(0);
        assertThat(n.getIp()).isEqualTo("10.0.0.7");
        assertThat(n.getPort()).isEqualTo(9000);
        assertThat(n.getWeight()).isEqualTo(100);
        assertThat(n.getClusterName()).isEqualTo("DEFAULT");
        assertThat(n.isEphemeral()).isTrue();
        assertThat(n.getMetadata())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "zone", "z1",
                        "registry4j.id", "a1",
                        "registry4j.version", "1.2",
                        "registry4j.scheme", "grpc"));
        assertThat(roundTrip(plain(), x)).containsExactly(x);
    }

    @Test
    @DisplayName("several endpoints, IPv6 and a path round-trip exactly and in order, with no reserved key leaking")
    void multiEndpointRoundTrip() {
        ServiceInstance x = ServiceInstance.builder()
                .id("a1")
                .name("orders")
                .version("")
                .putMetadata("unicode", "Grüße 🚀")
                .endpoint("https://10.0.0.7:8443")
                .endpoint("grpc://[::1]:9000")
                .endpoint("http://host.example:8080/api?x=1")
                .build();
        List<ServiceInstance> back = roundTrip(plain(), x);
        assertThat(back).containsExactly(x);
        assertThat(back.get(0).metadata()).containsOnlyKeys("unicode");
        assertThat(at(plain().encode(x), "orders").get(2).getMetadata())
                .containsEntry("registry4j.endpoint", "http://host.example:8080/api?x=1")
                .containsEntry("registry4j.index", "2");
        assertThat(at(plain().encode(x), "orders").get(1).getIp()).isEqualTo("::1");
    }

    @Test
    @DisplayName("Kratos naming puts each endpoint in <name>.<scheme> with kind and version, and reads it back exactly")
    void kratosLayoutRoundTrip() {
        ServiceInstance x = ServiceInstance.builder()
                .id("a1")
                .name("helloworld")
                .version("v1")
                .putMetadata("zone", "z1")
                .endpoint("grpc://10.0.0.7:9000")
                .endpoint("http://10.0.0.7:8000")
                .build();
        Map<String, List<Instance>> encoded = kratos().encode(x);
        assertThat(encoded).containsOnlyKeys("helloworld.grpc", "helloworld.http");
        assertThat(at(encoded, "helloworld.http").get(0).getMetadata())
                .containsEntry("kind", "http")
                .containsEntry("version", "v1");
        assertThat(roundTrip(kratos(), x)).containsExactly(x);
        assertThat(skipped).isEmpty();
    }

    /** What readers find when the given Nacos services hold what {@code codec} writes for the given instances. */
    private List<ServiceInstance> read(NacosInstanceCodec codec, String name, Map<String, ServiceInstance> writtenTo) {
        Map<String, List<Instance>> read = new LinkedHashMap<>();
        for (String s : codec.servicesOf(name)) {
            read.put(s, new ArrayList<>());
        }
        writtenTo.forEach((service, x) -> at(read, service).addAll(at(codec.encode(x), service)));
        return codec.decode(name, read, GROUP, (key, e) -> skipped.add(key + ": " + e.getMessage()));
    }

    @Test
    @DisplayName("an instance spread over several Nacos services is not listed until all its endpoints are written")
    void halfWrittenInstanceIsNotListed() {
        ServiceInstance x = ServiceInstance.builder()
                .id("a1")
                .name("helloworld")
                .version("v1")
                .endpoint("grpc://10.0.0.7:9000")
                .endpoint("http://10.0.0.7:8000")
                .build();
        assertThat(at(kratos().encode(x), "helloworld.http").get(0).getMetadata())
                .containsEntry("registry4j.index", "1")
                .containsEntry("registry4j.count", "2");
        assertThat(read(kratos(), "helloworld", Map.of("helloworld.grpc", x))).isEmpty();
        assertThat(read(kratos(), "helloworld", Map.of("helloworld.http", x))).isEmpty();
        assertThat(read(kratos(), "helloworld", Map.of("helloworld.grpc", x, "helloworld.http", x)))
                .containsExactly(x);
        assertThat(skipped).as("a half-written instance is not bad data").isEmpty();
    }

    @Test
    @DisplayName("while an update is written service by service, readers see the old or the new instance, whole")
    void updateIsSeenWhole() {
        ServiceInstance v1 = ServiceInstance.builder()
                .id("a1")
                .name("helloworld")
                .version("v1")
                .putMetadata("rev", "1")
                .endpoint("grpc://10.0.0.7:9000")
                .endpoint("http://10.0.0.7:8000")
                .build();
        ServiceInstance v2 =
                v1.toBuilder().version("v2").putMetadata("rev", "2").build();
        // Services are written in name order: grpc (the first endpoint) has the new registration, http the old.
        assertThat(read(kratos(), "helloworld", Map.of("helloworld.grpc", v2, "helloworld.http", v1)))
                .containsExactly(v2);
        ServiceInstance reordered = v1.toBuilder()
                .endpoints(List.of(URI.create("http://10.0.0.7:8000"), URI.create("grpc://10.0.0.7:9000")))
                .build();
        ServiceInstance reorderedV2 =
                reordered.toBuilder().putMetadata("rev", "2").build();
        assertThat(read(kratos(), "helloworld", Map.of("helloworld.grpc", reorderedV2, "helloworld.http", reordered)))
                .containsExactly(reordered);
        // An update that drops the gRPC endpoint writes http first; gRPC still holds the old, partial registration.
        ServiceInstance httpOnly = v1.toBuilder()
                .endpoints(List.of(URI.create("http://10.0.0.7:8000")))
                .build();
        assertThat(read(kratos(), "helloworld", Map.of("helloworld.grpc", v1, "helloworld.http", httpOnly)))
                .containsExactly(httpOnly);
        assertThat(skipped).isEmpty();
    }

    @Test
    @DisplayName("several endpoints written before registry4j.count existed read as before")
    void partsWithoutCountReadAsBefore() {
        ServiceInstance x = ServiceInstance.builder()
                .id("a1")
                .name("s")
                .endpoint("grpc://10.0.0.1:1")
                .endpoint("http://10.0.0.1:2")
                .build();
        List<Instance> legacy = new ArrayList<>();
        for (Instance n : at(plain().encode(x), "s")) {
            Map<String, String> m = new HashMap<>(n.getMetadata());
            m.remove("registry4j.count");
            n.setMetadata(m);
            legacy.add(n);
        }
        assertThat(plain().decode("s", Map.of("s", legacy), GROUP, (k, e) -> skipped.add(k)))
                .containsExactly(x);
        assertThat(plain().decode("s", Map.of("s", List.of(legacy.get(1))), GROUP, (k, e) -> skipped.add(k)))
                .singleElement()
                .extracting(ServiceInstance::endpoints)
                .isEqualTo(List.of(URI.create("http://10.0.0.1:2")));
        assertThat(skipped).isEmpty();
    }

    @Test
    @DisplayName("a count that is not a number, or an index not below it, skips that entry with its key")
    void badCountIsSkipped() {
        ServiceInstance x = ServiceInstance.builder()
                .id("a1")
                .name("s")
                .endpoint("grpc://10.0.0.1:1")
                .build();
        List<Instance> read = new ArrayList<>(at(plain().encode(x), "s"));
        read.add(foreign(
                "10.0.0.2", 2, Map.of("registry4j.id", "g1", "registry4j.scheme", "grpc", "registry4j.count", "two")));
        read.add(foreign(
                "10.0.0.3",
                3,
                Map.of(
                        "registry4j.id",
                        "g2",
                        "registry4j.scheme",
                        "grpc",
                        "registry4j.index",
                        "2",
                        "registry4j.count",
                        "2")));
        List<String> reasons = new ArrayList<>();
        assertThat(plain().decode("s", Map.of("s", read), GROUP, (k, e) -> reasons.add(k + ": " + e.getMessage())))
                .containsExactly(x);
        assertThat(reasons)
                .containsExactlyInAnyOrder(
                        "DEFAULT_GROUP@@s/10.0.0.2:2: registry4j.count is not a number: 'two'",
                        "DEFAULT_GROUP@@s/10.0.0.3:3: registry4j.index 2 is not below registry4j.count 2");
    }

    @Test
    @DisplayName("Kratos naming rejects the metadata keys kind and version, which the layout writes itself")
    void kratosLayoutReservesItsKeys() {
        ServiceInstance x = ServiceInstance.builder()
                .id("a1")
                .name("helloworld")
                .putMetadata("kind", "http")
                .endpoint("grpc://10.0.0.7:9000")
                .build();
        assertThatThrownBy(() -> kratos().checkWritable(x))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'kind'")
                .hasMessageContaining("layout=plain");
        plain().checkWritable(x);
    }

    @Test
    @DisplayName("an instance of another Nacos client gets the id ip:port and its scheme from kind or the default")
    void foreignInstances() {
        Map<String, List<Instance>> read = empty("orders");
        at(read, "orders")
                .addAll(List.of(
                        foreign("10.0.0.8", 8080, Map.of("version", "3", "team", "a")),
                        foreign("10.0.0.9", 9000, Map.of("kind", "grpc")),
                        foreign("fe80::1", 9001, Map.of())));
        List<ServiceInstance> out = plain().decode("orders", read, GROUP, (k, e) -> skipped.add(k));
        assertThat(out)
                .extracting(ServiceInstance::id)
                .containsExactlyInAnyOrder("10.0.0.8:8080", "10.0.0.9:9000", "[fe80::1]:9001");
        ServiceInstance first = out.stream()
                .filter(i -> i.id().equals("10.0.0.8:8080"))
                .findFirst()
                .orElseThrow();
        assertThat(first.endpoints()).containsExactly(URI.create("http://10.0.0.8:8080"));
        assertThat(first.version()).isEqualTo("3");
        assertThat(first.metadata()).isEqualTo(Map.of("version", "3", "team", "a"));
        assertThat(out)
                .filteredOn(i -> i.id().equals("10.0.0.9:9000"))
                .flatExtracting(ServiceInstance::endpoints)
                .containsExactly(URI.create("grpc://10.0.0.9:9000"));
    }

    @Test
    @DisplayName("a Kratos instance in <name>.<scheme> is read as Kratos reads it: Nacos instance id, kind://ip:port")
    void foreignKratosInstance() {
        Map<String, List<Instance>> read = empty("helloworld");
        // What go-kratos' Nacos registry writes for grpc://10.0.0.9:9000 and http://10.0.0.9:8000 of version v2.
        Instance grpc = foreign("10.0.0.9", 9000, Map.of("kind", "grpc", "version", "v2", "region", "Zürich"));
        grpc.setInstanceId("10.0.0.9#9000#DEFAULT#DEFAULT_GROUP@@helloworld.grpc");
        Instance http = foreign("10.0.0.9", 8000, Map.of("kind", "http", "version", "v2", "region", "Zürich"));
        http.setInstanceId("10.0.0.9#8000#DEFAULT#DEFAULT_GROUP@@helloworld.http");
        Instance noKind = foreign("10.0.0.10", 9000, Map.of());
        at(read, "helloworld.grpc").addAll(List.of(grpc, noKind));
        at(read, "helloworld.http").add(http);
        List<ServiceInstance> out = kratos().decode("helloworld", read, GROUP, (k, e) -> skipped.add(k));
        assertThat(out)
                .containsExactlyInAnyOrder(
                        new ServiceInstance(
                                "10.0.0.9#9000#DEFAULT#DEFAULT_GROUP@@helloworld.grpc",
                                "helloworld",
                                "v2",
                                Map.of("kind", "grpc", "version", "v2", "region", "Zürich"),
                                List.of(URI.create("grpc://10.0.0.9:9000"))),
                        new ServiceInstance(
                                "10.0.0.9#8000#DEFAULT#DEFAULT_GROUP@@helloworld.http",
                                "helloworld",
                                "v2",
                                Map.of("kind", "http", "version", "v2", "region", "Zürich"),
                                List.of(URI.create("http://10.0.0.9:8000"))),
                        new ServiceInstance(
                                "10.0.0.10:9000",
                                "helloworld",
                                "",
                                Map.of(),
                                List.of(URI.create("grpc://10.0.0.10:9000"))));
        assertThat(skipped).isEmpty();
    }

    @Test
    @DisplayName("the default Kratos layout writes <name>.<scheme> with kind and version; plain writes <name>")
    void layoutDecidesTheServices() {
        ServiceInstance x = ServiceInstance.builder()
                .id("a1")
                .name("orders")
                .version("v3")
                .endpoint("grpc://10.0.0.7:9000")
                .endpoint("https://10.0.0.7:8443")
                .build();
        assertThat(kratos().encode(x)).containsOnlyKeys("orders.grpc", "orders.https");
        assertThat(plain().encode(x)).containsOnlyKeys("orders");
        assertThat(at(plain().encode(x), "orders").get(0).getMetadata()).doesNotContainKeys("kind", "version");
        assertThat(kratos().servicesOf("orders"))
                .as("both layouts are read whatever the written one")
                .containsExactly("orders", "orders.grpc", "orders.http")
                .isEqualTo(plain().servicesOf("orders"));
    }

    @Test
    @DisplayName("reads merge both layouts on the id: each instance once, Kratos and plain writers' alike")
    void bothLayoutsMerge() {
        ServiceInstance k = ServiceInstance.builder()
                .id("k1")
                .name("orders")
                .version("v1")
                .putMetadata("zone", "z1")
                .endpoint("grpc://10.0.0.7:9000")
                .endpoint("http://10.0.0.7:8000")
                .build();
        ServiceInstance p = ServiceInstance.builder()
                .id("p1")
                .name("orders")
                .version("v1")
                .putMetadata("kind", "mine")
                .endpoint("grpc://10.0.0.8:9000")
                .build();
        Map<String, List<Instance>> read = empty("orders");
        kratos().encode(k).forEach((s, list) -> at(read, s).addAll(list));
        plain().encode(p).forEach((s, list) -> at(read, s).addAll(list));
        // The same Kratos-layout instance seen again (a second registry of the same id): still one instance.
        kratos().encode(k).forEach((s, list) -> at(read, s).addAll(list));
        assertThat(plain().decode("orders", read, GROUP, (key, e) -> skipped.add(key)))
                .containsExactlyInAnyOrder(k, p);
        assertThat(kratos().decode("orders", read, GROUP, (key, e) -> skipped.add(key)))
                .containsExactlyInAnyOrder(k, p);
        assertThat(skipped).isEmpty();
    }

    @Test
    @DisplayName(
            "an instance of the other layout for another logical name (plain orders.grpc, Kratos orders) is ignored")
    void otherLayoutOfAnotherNameIsIgnored() {
        ServiceInstance kratosOrders = ServiceInstance.builder()
                .id("k1")
                .name("orders")
                .endpoint("grpc://10.0.0.7:9000")
                .build();
        ServiceInstance plainOrdersGrpc = ServiceInstance.builder()
                .id("p1")
                .name("orders.grpc")
                .endpoint("grpc://10.0.0.8:9000")
                .build();
        // Both live in the Nacos service orders.grpc.
        List<Instance> ordersGrpc = new ArrayList<>(at(kratos().encode(kratosOrders), "orders.grpc"));
        ordersGrpc.addAll(at(plain().encode(plainOrdersGrpc), "orders.grpc"));
        Map<String, List<Instance>> asOrders = empty("orders");
        asOrders.put("orders.grpc", ordersGrpc);
        Map<String, List<Instance>> asOrdersGrpc = empty("orders.grpc");
        asOrdersGrpc.put("orders.grpc", ordersGrpc);
        assertThat(kratos().decode("orders", asOrders, GROUP, (key, e) -> skipped.add(key)))
                .containsExactly(kratosOrders);
        assertThat(kratos().decode("orders.grpc", asOrdersGrpc, GROUP, (key, e) -> skipped.add(key)))
                .containsExactly(plainOrdersGrpc);
        assertThat(skipped).isEmpty();
    }

    @Test
    @DisplayName("a Spring Cloud Alibaba instance in <name> is ip:port, http, or https when its metadata says secure")
    void springCloudAlibabaInstances() {
        Map<String, List<Instance>> read = empty("orders");
        Map<String, String> sca = Map.of("preserved.register.source", "SPRING_CLOUD");
        Map<String, String> secure = Map.of("preserved.register.source", "SPRING_CLOUD", "secure", "true");
        at(read, "orders").addAll(List.of(foreign("10.0.0.5", 8080, sca), foreign("10.0.0.6", 8443, secure)));
        assertThat(kratos().decode("orders", read, GROUP, (key, e) -> skipped.add(key)))
                .containsExactlyInAnyOrder(
                        new ServiceInstance(
                                "10.0.0.5:8080", "orders", "", sca, List.of(URI.create("http://10.0.0.5:8080"))),
                        new ServiceInstance(
                                "10.0.0.6:8443", "orders", "", secure, List.of(URI.create("https://10.0.0.6:8443"))));
        assertThat(skipped).isEmpty();
    }

    @Test
    @DisplayName("what another client wrote that cannot be represented is skipped with the reason")
    void unrepresentableForeignEntriesAreSkippedWithTheReason() {
        Map<String, List<Instance>> read = empty("helloworld");
        Instance longId = foreign("10.0.0.9", 9000, Map.of("kind", "grpc"));
        longId.setInstanceId("x".repeat(200));
        at(read, "helloworld.grpc").add(longId);
        List<String> reasons = new ArrayList<>();
        assertThat(kratos().decode("helloworld", read, GROUP, (key, e) -> reasons.add(key + ": " + e.getMessage())))
                .isEmpty();
        assertThat(reasons)
                .singleElement()
                .asString()
                .startsWith("DEFAULT_GROUP@@helloworld.grpc/10.0.0.9:9000: ")
                .contains("Kratos' helloworld.grpc")
                .contains("ServiceInstance.id");
    }

    @Test
    @DisplayName("unhealthy, disabled and zero-weight instances are left out unless all are included")
    void healthPolicy() {
        Instance healthy = foreign("10.0.0.1", 1, Map.of());
        Instance unhealthy = foreign("10.0.0.2", 2, Map.of());
        unhealthy.setHealthy(false);
        Instance disabled = foreign("10.0.0.3", 3, Map.of());
        disabled.setEnabled(false);
        Instance zero = foreign("10.0.0.4", 4, Map.of());
        zero.setWeight(0);
        Map<String, List<Instance>> read = empty("s");
        at(read, "s").addAll(List.of(healthy, unhealthy, disabled, zero));
        assertThat(plain().decode("s", read, GROUP, (k, e) -> skipped.add(k)))
                .extracting(ServiceInstance::id)
                .containsExactly("10.0.0.1:1");
        NacosInstanceCodec all =
                new NacosInstanceCodec(NacosLayout.PLAIN, List.of("grpc"), "http", "DEFAULT", 100, true, Set.of());
        assertThat(all.decode("s", read, GROUP, (k, e) -> skipped.add(k))).hasSize(4);
    }

    @Test
    @DisplayName("a cluster filter reads only the clusters named")
    void clusterFilter() {
        Instance a = foreign("10.0.0.1", 1, Map.of());
        Instance b = foreign("10.0.0.2", 2, Map.of());
        b.setClusterName("other");
        NacosInstanceCodec onlyOther = new NacosInstanceCodec(
                NacosLayout.PLAIN, List.of("grpc"), "http", "DEFAULT", 100, false, Set.of("other"));
        assertThat(onlyOther.decode("s", Map.of("s", List.of(a, b)), GROUP, (k, e) -> skipped.add(k)))
                .extracting(ServiceInstance::id)
                .containsExactly("10.0.0.2:2");
    }

    @Test
    @DisplayName("entries that make no valid instance are skipped with their key; the rest is listed")
    void garbageIsSkipped() {
        ServiceInstance x = ServiceInstance.builder()
                .id("a1")
                .name("s")
                .endpoint("grpc://10.0.0.1:1")
                .build();
        List<Instance> read = new ArrayList<>(at(plain().encode(x), "s"));
        read.add(foreign("10.0.0.2", 2, Map.of("registry4j.id", "g1", "registry4j.index", "x")));
        read.add(foreign("10.0.0.3", 3, Map.of("registry4j.id", "bad/id", "registry4j.scheme", "grpc")));
        read.add(foreign("10.0.0.4", 4, Map.of("registry4j.id", "g3")));
        read.add(foreign("10.0.0.5", 5, Map.of("registry4j.other", "v")));
        List<ServiceInstance> out = plain().decode("s", Map.of("s", read), GROUP, (k, e) -> skipped.add(k));
        assertThat(out).containsExactly(x);
        assertThat(skipped)
                .containsExactlyInAnyOrder(
                        "DEFAULT_GROUP@@s/10.0.0.2:2",
                        "DEFAULT_GROUP@@s/10.0.0.3:3",
                        "DEFAULT_GROUP@@s/10.0.0.4:4",
                        "DEFAULT_GROUP@@s/10.0.0.5:5");
    }

    @Test
    @DisplayName("containsAll matches a held Nacos instance on address, cluster, id and endpoint position")
    void containsAllMatchesOnIdentity() {
        ServiceInstance x = ServiceInstance.builder()
                .id("a1")
                .name("s")
                .endpoint("grpc://10.0.0.1:1")
                .endpoint("http://10.0.0.1:2")
                .build();
        List<Instance> mine = at(plain().encode(x), "s");
        assertThat(NacosInstanceCodec.containsAll(mine, mine)).isTrue();
        assertThat(NacosInstanceCodec.containsAll(List.of(mine.get(0)), mine)).isFalse();
        ServiceInstance other = x.toBuilder().id("b1").build();
        assertThat(NacosInstanceCodec.containsAll(at(plain().encode(other), "s"), mine))
                .isFalse();
    }

    @Test
    @DisplayName("logical names: a <name>.<scheme> service of a read scheme is <name>, any other is itself")
    void logicalNames() {
        assertThat(plain().logicalName("orders")).isEqualTo("orders");
        assertThat(plain().logicalName("orders.grpc")).isEqualTo("orders");
        assertThat(kratos().logicalName("orders.grpc")).isEqualTo("orders");
        assertThat(kratos().logicalName("orders.v2")).isEqualTo("orders.v2");
        assertThat(kratos().logicalName("orders")).isEqualTo("orders");
    }
}
