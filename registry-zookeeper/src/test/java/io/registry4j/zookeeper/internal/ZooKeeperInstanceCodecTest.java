package io.registry4j.zookeeper.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.ServiceInstance;
import io.registry4j.testkit.KratosInstanceCodecContract;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Kratos' ZooKeeper layout, in memory; the cases every Kratos JSON codec passes come from the contract. */
class ZooKeeperInstanceCodecTest extends KratosInstanceCodecContract {
    private final ZooKeeperInstanceCodec codec = new ZooKeeperInstanceCodec("/microservices");

    private static ServiceInstance orders() {
        return ServiceInstance.builder()
                .id("orders-1")
                .name("orders")
                .version("v1.2.0")
                .putMetadata("zone", "eu<1>&")
                .putMetadata("app", "shop")
                .endpoint("grpc://10.0.0.7:9000")
                .endpoint("http://10.0.0.7:8000")
                .build();
    }

    @Test
    void encodesExactlyTheBytesKratosWrites() {
        // What Go's encoding/json writes for Kratos' ServiceInstance: fields in order, map keys sorted, <>& escaped.
        String kratos = "{\"id\":\"orders-1\",\"name\":\"orders\",\"version\":\"v1.2.0\","
                + "\"metadata\":{\"app\":\"shop\",\"zone\":\"eu\\u003c1\\u003e\\u0026\"},"
                + "\"endpoints\":[\"grpc://10.0.0.7:9000\",\"http://10.0.0.7:8000\"]}";
        assertThat(new String(ZooKeeperInstanceCodec.encode(orders()), StandardCharsets.UTF_8))
                .isEqualTo(kratos);
    }

    @Test
    void decodesWhatItEncodes() {
        assertThat(ZooKeeperInstanceCodec.decode("orders", "orders-1", ZooKeeperInstanceCodec.encode(orders())))
                .isEqualTo(orders());
    }

    @Test
    void decodesKratosNullMetadataAsEmpty() {
        byte[] go =
                "{\"id\":\"k1\",\"name\":\"orders\",\"version\":\"\",\"metadata\":null,\"endpoints\":[\"grpc://h:1\"]}"
                        .getBytes(StandardCharsets.UTF_8);
        assertThat(ZooKeeperInstanceCodec.decode("orders", "k1", go).metadata()).isEmpty();
    }

    @Test
    void placesInstancesUnderRootNameAndId() {
        assertThat(codec.servicePath("orders")).isEqualTo("/microservices/orders");
        assertThat(codec.instancePath(orders())).isEqualTo("/microservices/orders/orders-1");
    }

    @Test
    void refusesIdsThatAreNotNodeNames() {
        assertThatThrownBy(
                        () -> codec.instancePath(orders().toBuilder().id("..").build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"..\"");
    }

    @Test
    void findsTheDirectChildAnEventPointsAt() {
        assertThat(ZooKeeperInstanceCodec.childOf("/m/orders", "/m/orders/x1")).isEqualTo("x1");
        assertThat(ZooKeeperInstanceCodec.childOf("/m/orders", "/m/orders")).isNull();
        assertThat(ZooKeeperInstanceCodec.childOf("/m/orders", "/m/orders/x1/deeper"))
                .isNull();
        assertThat(ZooKeeperInstanceCodec.childOf("/m/orders", "/m/ordersx/x1")).isNull();
        assertThat(ZooKeeperInstanceCodec.childOf("/m/orders", null)).isNull();
    }

    @Test
    void rejectsDataThatIsNotAnInstanceOfThisNodeSayingWhy() {
        byte[] good = ZooKeeperInstanceCodec.encode(orders());
        assertThatThrownBy(() -> ZooKeeperInstanceCodec.decode("orders", "orders-1", new byte[0]))
                .hasMessageContaining("no data");
        assertThatThrownBy(() -> ZooKeeperInstanceCodec.decode("orders", "orders-1", null))
                .hasMessageContaining("no data");
        assertThatThrownBy(() -> ZooKeeperInstanceCodec.decode("orders", "orders-1", new byte[] {'{', (byte) 0xC3}))
                .hasMessageContaining("not UTF-8");
        assertThatThrownBy(() ->
                        ZooKeeperInstanceCodec.decode("orders", "orders-1", "[1]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ZooKeeperInstanceCodec.decode("payments", "orders-1", good))
                .hasMessageContaining("\"orders\"")
                .hasMessageContaining("\"payments\"");
        assertThatThrownBy(() -> ZooKeeperInstanceCodec.decode("orders", "other", good))
                .hasMessageContaining("\"orders-1\"")
                .hasMessageContaining("\"other\"");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    protected ServiceInstance decode(String service, String id, String json) {
        return ZooKeeperInstanceCodec.decode(service, id, utf8(json));
    }

    @Override
    protected String encode(ServiceInstance instance) {
        return new String(ZooKeeperInstanceCodec.encode(instance), StandardCharsets.UTF_8);
    }

    /** An id with '/' cannot be a ZooKeeper node name, so Kratos cannot write one here. */
    @Override
    protected boolean kratosIdsMayHoldSlash() {
        return false;
    }

    @Test
    void rejectsARecordWithoutIdSayingWhy() {
        assertThatThrownBy(() -> ZooKeeperInstanceCodec.decode(
                        "s", "1", utf8("{\"name\":\"s\",\"endpoints\":[\"grpc://h:1\"]}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"id\"");
    }
}
