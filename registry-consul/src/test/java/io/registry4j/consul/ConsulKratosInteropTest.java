package io.registry4j.consul;

import static org.assertj.core.api.Assertions.assertThat;

import io.registry4j.ServiceInstance;
import io.registry4j.Watcher;
import io.registry4j.spi.Scheduler;
import io.registry4j.testservers.ConsulServer;
import io.registry4j.testservers.FakeConsul;
import io.registry4j.testservers.KratosPeer;
import io.registry4j.testservers.KratosPeer.Backend;
import io.registry4j.testservers.KratosPeer.Instance;
import io.registry4j.testservers.KratosPeer.ResolvedAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Live interop with Kratos' own Consul registry ({@code contrib/registry/consul} on {@code hashicorp/consul/api}),
 * through the Kratos peer, on the fake Consul agent: both directions, register, update, deregister and process death,
 * with endpoints of two schemes in {@code TaggedAddresses}. This also drives the fake with a second client that is not
 * ours, Consul's own Go API.
 */
@DisplayName("registry4j and Kratos interoperate on the fake Consul agent")
class ConsulKratosInteropTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static @Nullable ConsulServer server;
    private static @Nullable KratosPeer peer;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void start() {
        server = ConsulTestSupport.startServer();
        peer = KratosPeer.start();
    }

    @AfterAll
    static void stop() {
        if (peer != null) {
            peer.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T later(T t) {
        open.add(t);
        return t;
    }

    private static ConsulServer server() {
        return Objects.requireNonNull(server, "server");
    }

    private static KratosPeer peer() {
        return Objects.requireNonNull(peer, "peer");
    }

    /** Kratos' client as Kratos' docs set it up, with a 1 s heartbeat (TTL 2 s) and no TCP checks (nothing listens). */
    private static Backend kratos() {
        return Backend.of(
                "consul",
                server().address(),
                "--consul-health-check=false", // a Go boolean flag takes its value after "="
                "--consul-health-check-interval",
                "1",
                "--consul-deregister-after",
                "60");
    }

    private static ServiceInstance java(String id, String name, String version) {
        return ServiceInstance.builder()
                .id(id)
                .name(name)
                .version(version)
                .metadata(Map.of("zone", "eu-1a", "owner", "team_a"))
                .endpoint("grpc://127.0.0.1:9000")
                .endpoint("http://127.0.0.1:8000")
                .build();
    }

    private static Instance kratosInstance(String id, String name, String version) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("zone", "東京");
        return new Instance(id, name, version, metadata, List.of("grpc://127.0.0.1:9100", "http://127.0.0.1:8100"));
    }

    /** What Kratos' {@code GetService} lists; Kratos answers an error, not an empty list, for an unknown service. */
    private static List<Instance> kratosGet(String name) {
        try {
            return peer().get(kratos(), name).instances();
        } catch (IllegalStateException e) {
            if (String.valueOf(e.getMessage()).contains("not resolved in registry")) {
                return List.of();
            }
            throw e;
        }
    }

    private static void assertSameAsKratos(ServiceInstance java, Instance kratos) {
        assertThat(kratos.id()).isEqualTo(java.id());
        assertThat(kratos.name()).isEqualTo(java.name());
        assertThat(kratos.version()).isEqualTo(java.version());
        assertThat(kratos.metadata()).isEqualTo(java.metadata());
        // Kratos reads TaggedAddresses from a Go map: the order is Go's, not the registration's.
        assertThat(Objects.requireNonNull(kratos.endpoints()))
                .containsExactlyInAnyOrderElementsOf(
                        java.endpoints().stream().map(URI::toString).toList());
    }

    @Test
    @DisplayName("fake Consul: Kratos sees what registry4j registers, updates and deregisters, both schemes included")
    void kratosSeesRegistry4j() {
        String name = "k-sees-j";
        ConsulRegistry registry = later(ConsulTestSupport.builder(server()).build());
        try (KratosPeer.Watch watch = peer().watch(kratos(), name)) {
            ServiceInstance v1 = java("j-1", name, "v1");
            registry.register(v1);

            List<Instance> got = kratosGet(name);
            assertThat(got).hasSize(1);
            assertSameAsKratos(v1, got.get(0));
            assertThat(peer().get(kratos(), name).resolved())
                    .containsExactly(new ResolvedAddress("127.0.0.1:9000", name));
            watch.await(s -> s.ids().equals(List.of("j-1")));

            ServiceInstance v2 = java("j-1", name, "v2");
            registry.register(v2);
            var updated = watch.await(
                    s -> s.instance("j-1").map(i -> i.version().equals("v2")).orElse(false));
            assertSameAsKratos(v2, updated.instance("j-1").orElseThrow());

            registry.deregister(v2);
            Awaitility.await("Kratos' GetService without j-1")
                    .atMost(WAIT)
                    .until(() -> kratosGet(name).isEmpty());
        }
    }

    @Test
    @DisplayName("fake Consul: when a registry4j process dies, Kratos stops listing it once its TTL check expires")
    void kratosSeesRegistry4jProcessDeath() {
        String name = "k-sees-j-death";
        // A process that dies runs no more timers: its scheduler stops, so no heartbeat is sent again.
        AtomicBoolean dead = new AtomicBoolean();
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "test-dying-process");
            t.setDaemon(true);
            return t;
        });
        later(timers::shutdownNow);
        Scheduler real = Scheduler.of(timers);
        Scheduler dying = (delay, task) -> real.schedule(delay, () -> {
            if (!dead.get()) {
                task.run();
            }
        });
        ConsulRegistry registry =
                later(ConsulTestSupport.builder(server()).scheduler(dying).build());
        ServiceInstance x = java("j-dead", name, "v1");
        registry.register(x);
        Awaitility.await().atMost(WAIT).until(() -> kratosGet(name).size() == 1);

        dead.set(true);

        Awaitility.await("Kratos' GetService without the dead instance")
                .atMost(WAIT)
                .until(() -> kratosGet(name).isEmpty());
        assertThat(server().requireFake().checkStatus("service:j-dead")).isEqualTo("critical");
    }

    @Test
    @DisplayName("fake Consul: registry4j sees what Kratos registers, updates and deregisters, both schemes included")
    void registry4jSeesKratos() throws Exception {
        String name = "j-sees-k";
        ConsulRegistry registry = later(ConsulTestSupport.builder(server()).build());
        Watcher watcher = later(registry.watch(name));
        assertThat(watcher.next()).isEmpty();
        try (KratosPeer.Registration kratos = peer().register(kratos())) {
            Instance v1 = kratosInstance("k-1", name, "v1");
            kratos.register(v1);
            ServiceInstance seen = awaitOne(watcher, "v1");
            assertSameAsKratos(seen, v1);
            assertThat(registry.getService(name)).containsExactly(seen);

            Instance v2 = kratosInstance("k-1", name, "v2");
            kratos.register(v2); // Kratos has no update: the peer deregisters and registers again
            assertSameAsKratos(awaitOne(watcher, "v2"), v2);

            kratos.deregister("k-1");
            Awaitility.await("registry4j's watcher sees the service empty")
                    .atMost(WAIT)
                    .until(() -> watcher.next().isEmpty());
        }
    }

    @Test
    @DisplayName("fake Consul: when a Kratos process dies, registry4j stops listing it once its TTL check expires")
    void registry4jSeesKratosProcessDeath() throws Exception {
        String name = "j-sees-k-death";
        ConsulRegistry registry = later(ConsulTestSupport.builder(server()).build());
        Watcher watcher = later(registry.watch(name));
        assertThat(watcher.next()).isEmpty();
        KratosPeer.Registration kratos = later(peer().register(kratos()));
        kratos.register(kratosInstance("k-dead", name, "v1"));
        awaitOne(watcher, "v1");

        kratos.kill();

        Awaitility.await("registry4j's watcher sees the dead instance go")
                .atMost(WAIT)
                .until(() -> watcher.next().isEmpty());
        assertThat(server().requireFake().checkStatus("service:k-dead")).isEqualTo("critical");
    }

    /** Waits for a snapshot of exactly one instance of this version. */
    private static ServiceInstance awaitOne(Watcher watcher, String version) {
        ServiceInstance[] found = new ServiceInstance[1];
        Awaitility.await("one instance of version " + version).atMost(WAIT).until(() -> {
            List<ServiceInstance> now = watcher.next();
            if (now.size() == 1 && now.get(0).version().equals(version)) {
                found[0] = now.get(0);
                return true;
            }
            return false;
        });
        return Objects.requireNonNull(found[0]);
    }

    static FakeConsul fake() {
        return server().requireFake();
    }
}
