package io.registry4j.polaris.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.tencent.polaris.api.pojo.DefaultInstance;
import com.tencent.polaris.api.pojo.Instance;
import io.registry4j.ServiceInstance;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Polaris layout, both ways, without a server; what the server sends back is modelled on Polaris 1.18. */
class PolarisInstanceCodecTest {
    private final PolarisInstanceCodec codec = new PolarisInstanceCodec(false);
    private final List<String> skipped = new ArrayList<>();

    /** What the server sends for a written member: the fields, and the five keys it fills from them. */
    private static Instance served(String service, PolarisInstanceCodec.Member m, String version, boolean healthy) {
        DefaultInstance i = new DefaultInstance();
        i.setId(service + "-" + m.key());
        i.setService(service);
        i.setHost(m.host());
        i.setPort(m.port());
        i.setProtocol(m.protocol());
        i.setVersion(version);
        i.setHealthy(healthy);
        Map<String, String> md = new LinkedHashMap<>(m.metadata());
        md.put("version", version);
        md.put("protocol", m.protocol());
        md.put("region", "");
        md.put("zone", "");
        md.put("campus", "");
        i.setMetadata(md);
        return i;
    }

    private static Instance[] served(ServiceInstance instance, PolarisInstanceCodec codec) {
        return codec.encode(instance).stream()
                .map(m -> served(instance.name(), m, instance.version(), true))
                .toArray(Instance[]::new);
    }

    @Test
    void anInstanceWithSeveralEndpointsAndServerFilledKeysComesBackExactly() {
        ServiceInstance x = ServiceInstance.builder()
                .id("x-1")
                .name("orders")
                .version("2.1")
                .putMetadata("zone", "eu-1a")
                .putMetadata("version", "user's")
                .putMetadata("text", "ünïcödé ✓")
                .endpoint("grpc://127.0.0.1:9000")
                .endpoint("http://[::1]:9001/api?x=1")
                .build();

        List<ServiceInstance> back = codec.decode("orders", served(x, codec), (k, e) -> skipped.add(k));

        assertThat(back).containsExactly(x);
        assertThat(skipped).isEmpty();
    }

    @Test
    void aHostWithAnUnderscoreIsStoredAsWritten() {
        ServiceInstance x = ServiceInstance.builder()
                .id("x-1")
                .name("orders")
                .endpoint("grpc://orders_svc:10900")
                .build();

        assertThat(codec.encode(x)).extracting(PolarisInstanceCodec.Member::key).containsExactly("orders_svc:10900");
        assertThat(codec.decode("orders", served(x, codec), (k, e) -> skipped.add(k)))
                .containsExactly(x);
    }

    @Test
    void anInstanceIsLeftOutUntilAllItsEndpointsAreThereAndHealthy() {
        ServiceInstance x = ServiceInstance.builder()
                .id("x-1")
                .name("orders")
                .endpoint("grpc://127.0.0.1:9000")
                .endpoint("http://127.0.0.1:9001")
                .build();
        List<PolarisInstanceCodec.Member> members = codec.encode(x);
        Instance first = served("orders", members.get(0), "", true);
        Instance second = served("orders", members.get(1), "", false);

        assertThat(codec.decode("orders", new Instance[] {first}, (k, e) -> skipped.add(k)))
                .isEmpty();
        assertThat(codec.decode("orders", new Instance[] {first, second}, (k, e) -> skipped.add(k)))
                .isEmpty();
        assertThat(new PolarisInstanceCodec(true).decode("orders", new Instance[] {first, second}, (k, e) -> {}))
                .containsExactly(x);
    }

    @Test
    void anotherClientsInstanceIsOnePerPolarisInstanceWithItsProtocol() {
        DefaultInstance other = new DefaultInstance();
        other.setId("abc123");
        other.setHost("10.0.0.9");
        other.setPort(8080);
        other.setProtocol("");
        other.setVersion("1.0");
        other.setHealthy(true);
        other.setMetadata(Map.of("team", "payments"));

        assertThat(codec.decode("orders", new Instance[] {other}, (k, e) -> skipped.add(k)))
                .containsExactly(new ServiceInstance(
                        "abc123",
                        "orders",
                        "1.0",
                        Map.of("team", "payments"),
                        List.of(URI.create("http://10.0.0.9:8080"))));
    }

    @Test
    void aBadIndexSkipsThatEntryAndKeepsTheOthers() {
        ServiceInstance good = ServiceInstance.builder()
                .id("good")
                .name("orders")
                .endpoint("grpc://127.0.0.1:9000")
                .build();
        DefaultInstance garbage = new DefaultInstance();
        garbage.setId("garbage");
        garbage.setHost("127.0.0.1");
        garbage.setPort(19999);
        garbage.setHealthy(true);
        garbage.setMetadata(Map.of("registry4j.id", "bad", "registry4j.index", "not a number"));
        List<Instance> all = new ArrayList<>(List.of(served(good, codec)));
        all.add(garbage);

        assertThat(codec.decode("orders", all.toArray(Instance[]::new), (k, e) -> skipped.add(k)))
                .containsExactly(good);
        assertThat(skipped).containsExactly("garbage");
    }

    @Test
    void isolatedInstancesAreHiddenByDefault() {
        DefaultInstance isolated = new DefaultInstance();
        isolated.setId("iso");
        isolated.setHost("10.0.0.9");
        isolated.setPort(8080);
        isolated.setProtocol("grpc");
        isolated.setHealthy(true);
        isolated.setIsolated(true);
        isolated.setMetadata(Map.of());

        assertThat(codec.decode("orders", new Instance[] {isolated}, (k, e) -> skipped.add(k)))
                .isEmpty();
        assertThat(new PolarisInstanceCodec(true).decode("orders", new Instance[] {isolated}, (k, e) -> {}))
                .hasSize(1);
    }
}
