package io.registry4j.etcd;

import static io.registry4j.etcd.EtcdTestSupport.await;
import static io.registry4j.etcd.EtcdTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.registry4j.Registries;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.Watcher;
import io.registry4j.testservers.EtcdServer;
import io.registry4j.testservers.LoopbackPorts;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Behaviour specific to the etcd backend, beyond the compatibility kit, on a real etcd server. */
@DisplayName("etcd registry specifics on a real etcd server")
class EtcdRegistryTest {
    private static EtcdServer server;
    private static Client plain;

    @BeforeAll
    static void startServer() {
        server = EtcdServer.start();
        plain = EtcdTestSupport.plainClient(server);
    }

    @AfterAll
    static void stopServer() {
        if (plain != null) {
            plain.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static EtcdRegistry registry() {
        return EtcdRegistry.builder()
                .endpoints(server.endpoints().split(","))
                .backoff(EtcdTestSupport.FAST)
                .build();
    }

    private static ServiceInstance instance(String service, String id) {
        return ServiceInstance.builder()
                .id(id)
                .name(service)
                .endpoint("grpc://127.0.0.1:9000")
                .build();
    }

    private static void put(String key, ByteSequence value) throws Exception {
        await(plain.getKVClient().put(bytes(key), value));
    }

    @Test
    @DisplayName("entries that are not instances are skipped and counted, never failing a read or a watch")
    void garbageIsSkippedEverywhere() throws Exception {
        String s = "garbled";
        put("/microservices/garbled/bad-json", bytes("{\"id\":"));
        put("/microservices/garbled/not-utf8", ByteSequence.from(new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'}));
        put(
                "/microservices/garbled/other",
                bytes("{\"id\":\"other\",\"name\":\"elsewhere\",\"endpoints\":[\"grpc://127.0.0.1:1\"]}"));
        put(
                "/microservices/garbled/renamed",
                bytes("{\"id\":\"original\",\"name\":\"garbled\",\"endpoints\":[\"grpc://127.0.0.1:1\"]}"));
        put(
                "/microservices/garbled/not-a-uri",
                bytes("{\"id\":\"not-a-uri\",\"name\":\"garbled\",\"endpoints\":[\"grpc://bad host:1\"]}"));
        put(
                "/microservices/garbled/nested/key",
                bytes("{\"id\":\"key\",\"name\":\"garbled\",\"endpoints\":[\"grpc://127.0.0.1:1\"]}"));
        put("/microservices/garbled", bytes("the service key itself, not an instance"));
        try (EtcdRegistry a = registry();
                EtcdRegistry b = registry()) {
            ServiceInstance x = instance(s, "x1");
            a.register(x);
            assertThat(b.getService(s)).containsExactly(x);
            assertThat(b.skippedEntries()).isEqualTo(6);

            Watcher w = b.watch(s);
            assertThat(w.next()).containsExactly(x);
            // A valid entry turned into garbage leaves the list; the watch goes on.
            put("/microservices/garbled/x1", bytes("garbage now"));
            assertThat(w.next()).isEmpty();
            ServiceInstance y = instance(s, "y1");
            a.register(y);
            assertThat(w.next()).containsExactly(y);
            assertThat(b.skippedEntries()).isGreaterThan(6);
        } finally {
            await(plain.getKVClient()
                    .delete(
                            bytes("/microservices/garbled"),
                            DeleteOption.builder().isPrefix(true).build()));
        }
    }

    @Test
    @DisplayName("Kratos records registry4j would not register are read by getService and watch, not skipped")
    void kratosRecordsAreReadAsKratosReadsThem() throws Exception {
        String s = "lenient";
        // As Kratos' Go registry writes them: an id with '/' and a space, a port-less endpoint, a Compose host name.
        String json = "{\"id\":\"pod 7/a\",\"name\":\"lenient\",\"version\":\"\",\"metadata\":{\"\":\"e\"},"
                + "\"endpoints\":[\"grpc://my_service:9000\",\"http://10.0.0.7\"]}";
        put("/microservices/lenient/pod 7/a", bytes(json));
        try (EtcdRegistry b = registry()) {
            ServiceInstance expected = ServiceInstance.builder()
                    .id("pod 7/a")
                    .name(s)
                    .putMetadata("", "e")
                    .endpoint("grpc://my_service:9000")
                    .endpoint("http://10.0.0.7")
                    .buildLenient();
            assertThat(b.getService(s)).containsExactly(expected);
            try (Watcher w = b.watch(s)) {
                assertThat(w.next()).containsExactly(expected);
            }
            assertThat(b.skippedEntries()).isZero();
            assertThatThrownBy(() -> b.register(expected))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("ServiceInstance.id");
        } finally {
            await(plain.getKVClient()
                    .delete(
                            bytes("/microservices/lenient"),
                            DeleteOption.builder().isPrefix(true).build()));
        }
    }

    @Test
    @DisplayName("services() lists the names under the namespace that have instance-shaped keys")
    void servicesAreListed() throws Exception {
        try (EtcdRegistry a = registry()) {
            a.register(instance("catalog-a", "1"));
            a.register(instance("catalog-b", "1"));
            a.register(instance("catalog-b", "2"));
            put("/microservices/catalog-c", bytes("not under a service"));
            put("/microservices/bad name/1", bytes("{}"));
            assertThat(a.services()).contains("catalog-a", "catalog-b").doesNotContain("catalog-c", "bad name");
        }
    }

    @Test
    @DisplayName("close() revokes the leases of the registry's instances, which removes their keys")
    void closeRevokesLeases() throws Exception {
        EtcdRegistry a = registry();
        a.register(instance("closing", "1"));
        a.register(instance("closing", "2"));
        List<Long> leases = a.leaseIds();
        assertThat(leases).hasSize(2);
        a.close();
        assertThat(await(plain.getKVClient()
                                .get(
                                        bytes("/microservices/closing/"),
                                        GetOption.builder().isPrefix(true).build()))
                        .getCount())
                .isZero();
        for (long lease : leases) {
            assertThat(await(plain.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT))
                            .getTTL())
                    .isEqualTo(-1);
        }
    }

    @Test
    @DisplayName("a compaction of the history does not disturb a live watch")
    void compactionLeavesLiveWatchAlone() throws Exception {
        try (EtcdRegistry a = registry();
                EtcdRegistry b = registry()) {
            Watcher w = b.watch("compacted");
            assertThat(w.next()).isEmpty();
            ServiceInstance x = instance("compacted", "x1");
            a.register(x);
            assertThat(w.next()).containsExactly(x);
            long revision =
                    await(plain.getKVClient().get(bytes("/"))).getHeader().getRevision();
            await(plain.getKVClient().compact(revision));
            ServiceInstance y = instance("compacted", "y1");
            a.register(y);
            assertThat(w.next()).containsExactly(x, y);
            assertThat(w.isStale()).isFalse();
        }
    }

    @Test
    @DisplayName("Registries.open builds the registry from an etcd:// URL with its options")
    void opensFromUrl() {
        String hostPort = server.clientEndpoint().getHost() + ":"
                + server.clientEndpoint().getPort();
        try (ServiceRegistry r = Registries.open("etcd://" + hostPort + "?namespace=/url-test&ttl=7s&timeout=5s");
                EtcdRegistry other = registry()) {
            assertThat(r).isInstanceOf(EtcdRegistry.class);
            EtcdRegistry etcd = (EtcdRegistry) r;
            assertThat(etcd.namespace()).isEqualTo("/url-test");
            assertThat(etcd.ttl()).isEqualTo(Duration.ofSeconds(7));
            ServiceInstance x = instance("by-url", "1");
            r.register(x);
            assertThat(r.getService("by-url")).containsExactly(x);
            assertThat(other.getService("by-url")).as("another namespace").isEmpty();
        }
    }

    @Test
    @DisplayName("an instance of the same name and id written by another process is not deleted by deregister")
    void anotherProcessesEntryIsLeftAlone() throws Exception {
        try (EtcdRegistry a = registry()) {
            ServiceInstance x = instance("shared", "x1");
            a.register(x);
            // Another process overwrites the key with its own lease, as a second Kratos instance with our id would.
            long theirs = await(plain.getLeaseClient().grant(30)).getID();
            await(plain.getKVClient()
                    .put(
                            bytes("/microservices/shared/x1"),
                            bytes("{\"id\":\"x1\",\"name\":\"shared\",\"endpoints\":[\"grpc://10.9.9.9:1\"]}"),
                            PutOption.builder().withLeaseId(theirs).build()));
            a.deregister(x);
            assertThat(await(plain.getKVClient().get(bytes("/microservices/shared/x1")))
                            .getKvs())
                    .singleElement()
                    .satisfies(kv -> assertThat(kv.getLease()).isEqualTo(theirs));
            await(plain.getLeaseClient().revoke(theirs));
            Awaitility.await()
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> a.getService("shared").isEmpty());
        }
    }

    @Test
    @Timeout(30)
    @DisplayName("a port with nothing listening and an unknown host fail at once as UNAVAILABLE, not as a timeout")
    void deadAddressesFailAtOnce() {
        String dead = "http://" + LoopbackPorts.host() + ":" + LoopbackPorts.freePort();
        for (String[] endpointAndWords :
                new String[][] {{dead, "connection refused"}, {"http://no-such-host.invalid:2379", "unknown host"}}) {
            try (EtcdRegistry r = EtcdRegistry.builder()
                    .endpoints(endpointAndWords[0])
                    .callTimeout(Duration.ofSeconds(60))
                    .build()) {
                assertThatThrownBy(() -> r.getService("orders"))
                        .isInstanceOfSatisfying(
                                RegistryException.class,
                                e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNAVAILABLE))
                        .hasMessageContaining(endpointAndWords[1]);
            }
        }
    }
}
