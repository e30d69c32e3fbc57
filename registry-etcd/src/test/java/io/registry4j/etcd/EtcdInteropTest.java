package io.registry4j.etcd;

import static io.registry4j.etcd.EtcdTestSupport.await;
import static io.registry4j.etcd.EtcdTestSupport.bytes;
import static io.registry4j.etcd.EtcdTestSupport.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.registry4j.ServiceInstance;
import io.registry4j.Watcher;
import io.registry4j.testservers.EtcdServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A Go Kratos service and a registry4j service on one real etcd server: what Kratos writes (key
 * {@code <namespace>/<name>/<id>}, Go's {@code encoding/json} of its {@code ServiceInstance}, on a lease) is written
 * here byte for byte with a plain jetcd client, and what registry4j writes is read back the same way.
 */
@DisplayName("etcd interoperability with Go Kratos on a real etcd server")
class EtcdInteropTest {
    private static EtcdServer server;
    private static Client kratos;

    @BeforeAll
    static void startServer() {
        server = EtcdServer.start();
        kratos = EtcdTestSupport.plainClient(server);
    }

    @AfterAll
    static void stopServer() {
        if (kratos != null) {
            kratos.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static EtcdRegistry registry() {
        return EtcdRegistry.builder().endpoints(server.endpoints().split(",")).build();
    }

    /** Does what Kratos' Register does: Grant(TTL), then Put(key, json, WithLease). */
    private static long kratosRegister(String key, String json) throws Exception {
        long lease = await(kratos.getLeaseClient().grant(15)).getID();
        await(kratos.getKVClient()
                .put(
                        bytes(key),
                        bytes(json),
                        PutOption.builder().withLeaseId(lease).build()));
        return lease;
    }

    @Test
    @DisplayName("an instance written by Kratos (plain jetcd, Kratos' key and JSON) is discovered by get and watch")
    void kratosEntryIsDiscovered() throws Exception {
        // Exactly what Go's json.Marshal writes for Kratos' registry.ServiceInstance.
        String json = "{\"id\":\"kratos-7f9c\",\"name\":\"helloworld\",\"version\":\"v2.1.0\","
                + "\"metadata\":{\"app\":\"shop\\u0026co\",\"region\":\"eu-west-1\"},"
                + "\"endpoints\":[\"grpc://10.0.0.7:9000\",\"http://10.0.0.7:8000\"]}";
        long lease = kratosRegister("/microservices/helloworld/kratos-7f9c", json);
        ServiceInstance expected = ServiceInstance.builder()
                .id("kratos-7f9c")
                .name("helloworld")
                .version("v2.1.0")
                .metadata(Map.of("app", "shop&co", "region", "eu-west-1"))
                .endpoint("grpc://10.0.0.7:9000")
                .endpoint("http://10.0.0.7:8000")
                .build();
        try (EtcdRegistry registry = registry();
                Watcher watcher = registry.watch("helloworld")) {
            assertThat(registry.getService("helloworld")).containsExactly(expected);
            assertThat(watcher.next()).containsExactly(expected);
            assertThat(registry.services()).contains("helloworld");

            // Kratos' Deregister deletes the key; its lease then just expires.
            await(kratos.getKVClient().delete(bytes("/microservices/helloworld/kratos-7f9c")));
            assertThat(watcher.next()).isEmpty();
            assertThat(registry.getService("helloworld")).isEmpty();
        } finally {
            await(kratos.getLeaseClient().revoke(lease));
        }
    }

    @Test
    @DisplayName("a Kratos instance with nil metadata (JSON null) and no version is discovered with empty ones")
    void kratosNilMetadataIsEmpty() throws Exception {
        String json = "{\"id\":\"n1\",\"name\":\"nilmeta\",\"version\":\"\",\"metadata\":null,"
                + "\"endpoints\":[\"grpc://10.0.0.8:9000\"]}";
        long lease = kratosRegister("/microservices/nilmeta/n1", json);
        try (EtcdRegistry registry = registry()) {
            assertThat(registry.getService("nilmeta"))
                    .containsExactly(ServiceInstance.builder()
                            .id("n1")
                            .name("nilmeta")
                            .endpoint("grpc://10.0.0.8:9000")
                            .build());
        } finally {
            await(kratos.getLeaseClient().revoke(lease));
        }
    }

    @Test
    @DisplayName("an instance registered by registry4j reads back as exactly the JSON Kratos writes, on a lease")
    void registeredInstanceIsKratosJson() throws Exception {
        ServiceInstance x = ServiceInstance.builder()
                .id("java-1")
                .name("payments")
                .version("1.4.0")
                .putMetadata("zone", "Zürich")
                .putMetadata("cluster", "a<b>&c")
                .putMetadata("quote", "say \"hi\"")
                .endpoint(URI.create("grpcs://10.0.0.9:9443"))
                .endpoint(URI.create("http://[::1]:8080"))
                .build();
        try (EtcdRegistry registry = registry()) {
            registry.register(x);
            List<KeyValue> kvs = await(kratos.getKVClient().get(bytes("/microservices/payments/java-1")))
                    .getKvs();
            assertThat(kvs).hasSize(1);
            // Go sorts map keys and escapes <, > and & as \\u003c, \\u003e, \\u0026; other text stays UTF-8.
            assertThat(text(kvs.get(0).getValue()))
                    .isEqualTo("{\"id\":\"java-1\",\"name\":\"payments\",\"version\":\"1.4.0\","
                            + "\"metadata\":{\"cluster\":\"a\\u003cb\\u003e\\u0026c\",\"quote\":\"say \\\"hi\\\"\","
                            + "\"zone\":\"Zürich\"},"
                            + "\"endpoints\":[\"grpcs://10.0.0.9:9443\",\"http://[::1]:8080\"]}");
            long lease = kvs.get(0).getLease();
            assertThat(lease).as("the key is attached to a lease").isNotZero();
            long ttl = await(kratos.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT))
                    .getGrantedTTL();
            assertThat(ttl).isEqualTo(EtcdRegistry.DEFAULT_TTL.toSeconds());
        }
    }

    @Test
    @DisplayName("a Kratos watcher of the service sees a registry4j registration and deregistration")
    void kratosWatcherSeesRegistration() throws Exception {
        ServiceInstance x = ServiceInstance.builder()
                .id("j2")
                .name("inventory")
                .endpoint("grpc://10.0.0.10:9000")
                .build();
        try (EtcdRegistry registry = registry()) {
            registry.register(x);
            // Kratos' GetService: a prefix read of <namespace>/<name>.
            Awaitility.await()
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> await(kratos.getKVClient()
                                            .get(
                                                    bytes("/microservices/inventory"),
                                                    GetOption.builder()
                                                            .isPrefix(true)
                                                            .build()))
                                    .getCount()
                            == 1);
            registry.deregister(x);
            assertThat(await(kratos.getKVClient().get(bytes("/microservices/inventory/j2")))
                            .getCount())
                    .isZero();
        }
    }

    @Test
    @DisplayName("a custom namespace is Kratos' Namespace option: both sides use <namespace>/<name>/<id>")
    void customNamespace() throws Exception {
        String json = "{\"id\":\"k1\",\"name\":\"search\",\"version\":\"v1\",\"metadata\":{},"
                + "\"endpoints\":[\"grpc://10.0.0.11:9000\"]}";
        long lease = kratosRegister("/shop/services/search/k1", json);
        ServiceInstance mine = ServiceInstance.builder()
                .id("j1")
                .name("search")
                .endpoint("grpc://10.0.0.12:9000")
                .build();
        try (EtcdRegistry inShop = EtcdRegistry.builder()
                        .endpoints(server.endpoints().split(","))
                        .namespace("/shop/services/")
                        .build();
                EtcdRegistry inDefault = registry()) {
            inShop.register(mine);
            assertThat(inShop.getService("search"))
                    .extracting(ServiceInstance::id)
                    .containsExactly("j1", "k1");
            assertThat(inDefault.getService("search")).isEmpty();
            assertThat(await(kratos.getKVClient().get(bytes("/shop/services/search/j1")))
                            .getCount())
                    .isEqualTo(1);
        } finally {
            await(kratos.getLeaseClient().revoke(lease));
        }
    }
}
