package io.registry4j.testservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.testservers.KratosPeer.Backend;
import io.registry4j.testservers.KratosPeer.Instance;
import io.registry4j.testservers.KratosPeer.ResolvedAddress;
import io.registry4j.testservers.KratosPeer.Snapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KratosPeerTest {
    private static KratosPeer peer;
    private static EtcdServer etcd;

    @BeforeAll
    static void start() {
        peer = KratosPeer.start();
        etcd = EtcdServer.start();
    }

    @AfterAll
    static void stop() {
        if (etcd != null) {
            etcd.close();
        }
        if (peer != null) {
            peer.close();
        }
    }

    private static Instance orders(String id, String version, String zone) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("zone", zone);
        return new Instance(id, "orders", version, metadata, List.of("grpc://127.0.0.1:9000", "http://127.0.0.1:8000"));
    }

    @Test
    void buildsThePeerIntoTheUserCacheOutsideTheSourceTree() {
        Path binary = peer.binary();

        assertThat(binary).isExecutable().startsWith(KratosPeer.BUILD.cacheRoot());
        assertThat(Objects.requireNonNull(binary.getParent()).getFileName().toString())
                .isEqualTo(KratosPeer.BUILD.sourceHash(KratosPeer.BUILD.findSource()));
    }

    @Test
    void theSourceHashChangesWithTheSource(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("go.mod"), "module example.com/p\n");
        Files.writeString(dir.resolve("main.go"), "package main\n");
        String before = KratosPeer.BUILD.sourceHash(dir);

        Files.writeString(dir.resolve("main.go"), "package main\n\nfunc main() {}\n");

        assertThat(KratosPeer.BUILD.sourceHash(dir)).isNotEqualTo(before);
    }

    @Test
    void kratosRegistersGetsAndWatchesOnEtcd() {
        Backend backend = Backend.etcd(etcd, "--etcd-ttl", "2s");
        Instance first = orders("peer-test-1", "v1", "東京");
        Instance second = orders("peer-test-1", "v2", "b");
        try (KratosPeer.Watch watch = peer.watch(backend, "orders");
                KratosPeer.Registration registration = peer.register(backend)) {
            watch.await(s -> s.instances().isEmpty());

            registration.register(first);

            Snapshot got = peer.get(backend, "orders");
            assertThat(got.instances()).containsExactly(first);
            assertThat(got.resolved()).containsExactly(new ResolvedAddress("127.0.0.1:9000", "orders"));
            assertThat(watch.await(s -> s.instances().contains(first)).resolved())
                    .containsExactly(new ResolvedAddress("127.0.0.1:9000", "orders"));

            registration.register(second);
            watch.await(s -> s.instances().equals(List.of(second)));

            registration.deregister(second.id());
            watch.await(s -> s.instances().isEmpty());
        }
    }

    @Test
    void closingTheRegistrationDeregistersAndKillingItLeavesTheLeaseToExpire() {
        Backend backend = Backend.etcd(etcd, "--etcd-ttl", "1s");
        Instance closed = orders("peer-test-closed", "v1", "a");
        Instance killed = orders("peer-test-killed", "v1", "a");
        try (KratosPeer.Watch watch = peer.watch(backend, "orders")) {
            KratosPeer.Registration registration = peer.register(backend);
            registration.register(closed);
            watch.await(s -> s.ids().contains(closed.id()));
            registration.close();
            watch.await(s -> !s.ids().contains(closed.id()));

            KratosPeer.Registration dying = peer.register(backend);
            dying.register(killed);
            watch.await(s -> s.ids().contains(killed.id()));
            dying.kill();

            assertThat(peer.get(backend, "orders").ids()).contains(killed.id());
            watch.await(s -> !s.ids().contains(killed.id()));
        }
    }

    @Test
    void anInstanceWithoutAGrpcEndpointResolvesToNothing() {
        Backend backend = Backend.etcd(etcd, "--etcd-namespace", "/http-only");
        Instance httpOnly = new Instance("h-1", "web", "v1", null, List.of("http://127.0.0.1:8000"));
        try (KratosPeer.Registration registration = peer.register(backend)) {
            registration.register(httpOnly);

            Snapshot got = peer.get(backend, "web");

            assertThat(got.instances()).containsExactly(httpOnly);
            assertThat(got.resolved()).isEmpty();
        }
    }

    @Test
    void kratosRegistersAndWatchesOnZooKeeper() {
        try (ZooKeeperServer zookeeper = ZooKeeperServer.start()) {
            Backend backend = Backend.zookeeper(zookeeper, "--zk-session-timeout", "1s");
            Instance instance = orders("zk-1", "v1", "東京");
            try (KratosPeer.Registration registration = peer.register(backend)) {
                registration.register(instance);

                assertThat(peer.get(backend, "orders").instances()).containsExactly(instance);
                try (KratosPeer.Watch watch = peer.watch(backend, "orders")) {
                    watch.await(s -> s.instances().equals(List.of(instance)));
                    registration.kill();
                    watch.await(s -> s.instances().isEmpty());
                }
            }
        }
    }

    @Test
    void errorsOfThePeerCarryItsMessage() {
        Backend unknown = Backend.of("no-such-backend", "127.0.0.1:1");

        assertThatThrownBy(() -> peer.get(unknown, "orders"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("unknown backend \"no-such-backend\"");
    }
}
