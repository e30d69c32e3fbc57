package io.registry4j.nacos;

import static org.assertj.core.api.Assertions.assertThat;

import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.pojo.Instance;
import io.registry4j.Registries;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.Watcher;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Interop with other Nacos clients on a real Nacos 3.1 server: plain {@code NamingService} registrations, and Kratos'
 * {@code <name>.<scheme>} layout as the Go registry writes it (registered here through the same SDK calls).
 */
@DisplayName("NacosRegistry interop with other Nacos clients on a real Nacos 3.1 server")
@ExtendWith(SharedNacosServer.class)
class NacosInteropTest {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final Duration PROPAGATION = scaled(Duration.ofSeconds(5));

    private NamingService plain;
    private ExecutorService pool;

    @BeforeEach
    void open() throws Exception {
        plain = SharedNacosServer.plainClient();
        pool = Executors.newCachedThreadPool();
    }

    @AfterEach
    void close() throws Exception {
        plain.shutDown();
        pool.shutdownNow();
    }

    private static Duration scaled(Duration d) {
        double scale = Math.max(1, Double.parseDouble(System.getProperty("registry4j.test.timeScale", "1")));
        return Duration.ofMillis((long) (d.toMillis() * scale));
    }

    private static ConditionFactory await(String what) {
        return Awaitility.await(what).atMost(PROPAGATION).pollInterval(Duration.ofMillis(25));
    }

    private static String service(String hint) {
        return hint + "-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
    }

    private List<ServiceInstance> nextMatching(Watcher w, Predicate<List<ServiceInstance>> condition) throws Exception {
        long deadline = System.nanoTime() + PROPAGATION.toNanos();
        while (true) {
            Future<List<ServiceInstance>> f = pool.submit(w::next);
            List<ServiceInstance> list = f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (condition.test(list)) {
                return list;
            }
        }
    }

    private static Instance nacosInstance(String ip, int port, Map<String, String> metadata) {
        Instance n = new Instance();
        n.setIp(ip);
        n.setPort(port);
        n.setMetadata(new HashMap<>(metadata));
        return n;
    }

    @Test
    @DisplayName("a service registered by a plain NamingService is found by default, with the id ip:port")
    void plainRegistrationIsFound() throws Exception {
        String s = service("plain");
        plain.registerInstance(
                s, NacosRegistry.DEFAULT_GROUP, nacosInstance("10.1.0.5", 8080, Map.of("team", "payments")));
        ServiceInstance expected = ServiceInstance.builder()
                .id("10.1.0.5:8080")
                .name(s)
                .putMetadata("team", "payments")
                .endpoint("http://10.1.0.5:8080")
                .build();
        try (NacosRegistry r = SharedNacosServer.registry().build();
                Watcher w = r.watch(s)) {
            await("getService to find the plain instance")
                    .untilAsserted(() -> assertThat(r.getService(s)).containsExactly(expected));
            assertThat(nextMatching(w, l -> !l.isEmpty())).containsExactly(expected);
        }
    }

    @Test
    @DisplayName("a service registered in Kratos' <name>.<scheme> form is found with kratosNaming")
    void kratosRegistrationIsFound() throws Exception {
        String name = service("kratos");
        // What go-kratos/contrib/registry/nacos writes for grpc://10.1.0.6:9000 of version v1.
        plain.registerInstance(
                name + ".grpc",
                NacosRegistry.DEFAULT_GROUP,
                nacosInstance("10.1.0.6", 9000, Map.of("kind", "grpc", "version", "v1")));
        try (NacosRegistry kratos =
                        SharedNacosServer.registry().kratosNaming(true).build();
                NacosRegistry byDefault = SharedNacosServer.registry().build();
                Watcher w = kratos.watch(name)) {
            await("getService to find the Kratos instance")
                    .untilAsserted(() -> assertThat(kratos.getService(name))
                            .singleElement()
                            .satisfies(i -> {
                                assertThat(i.id()).isEqualTo("10.1.0.6:9000");
                                assertThat(i.version()).isEqualTo("v1");
                                assertThat(i.endpoints()).containsExactly(URI.create("grpc://10.1.0.6:9000"));
                            }));
            assertThat(nextMatching(w, l -> !l.isEmpty())).isEqualTo(kratos.getService(name));
            // Without Kratos naming the logical name is the Nacos service itself: the suffixed one is another service.
            assertThat(byDefault.getService(name)).isEmpty();
        }
    }

    @Test
    @DisplayName("with kratosNaming, an instance is written as Kratos reads it and round-trips between registries")
    void kratosNamingWritesKratosLayout() throws Exception {
        String name = service("kratosw");
        ServiceInstance x = ServiceInstance.builder()
                .id("x1")
                .name(name)
                .version("v2")
                .putMetadata("zone", "z1")
                .endpoint("grpc://10.1.0.7:9000")
                .endpoint("http://10.1.0.7:8000")
                .build();
        try (NacosRegistry writer =
                        SharedNacosServer.registry().kratosNaming(true).build();
                NacosRegistry reader =
                        SharedNacosServer.registry().kratosNaming(true).build()) {
            writer.register(x);
            await("the other registry to read it back exactly")
                    .untilAsserted(() -> assertThat(reader.getService(name)).containsExactly(x));
            List<Instance> grpc = plain.getAllInstances(name + ".grpc", NacosRegistry.DEFAULT_GROUP, List.of(), false);
            assertThat(grpc).singleElement().satisfies(n -> {
                assertThat(n.getIp()).isEqualTo("10.1.0.7");
                assertThat(n.getPort()).isEqualTo(9000);
                assertThat(n.getMetadata()).containsEntry("kind", "grpc").containsEntry("version", "v2");
            });
            List<Instance> http = plain.getAllInstances(name + ".http", NacosRegistry.DEFAULT_GROUP, List.of(), false);
            assertThat(http)
                    .singleElement()
                    .satisfies(n -> assertThat(n.getMetadata()).containsEntry("kind", "http"));
            writer.deregister(x);
            await("the deregistration to reach the reader")
                    .untilAsserted(() -> assertThat(reader.getService(name)).isEmpty());
        }
    }

    @Test
    @DisplayName("a nacos:// URL opens a registry with its group, and groups keep services apart")
    void urlOpensRegistryInItsGroup() {
        String s = service("url");
        String address = SharedNacosServer.server().serverAddr();
        ServiceInstance x = ServiceInstance.builder()
                .id("x1")
                .name(s)
                .endpoint("grpc://10.1.0.8:9000")
                .build();
        try (ServiceRegistry inGroup = Registries.open(URI.create("nacos://" + address
                        + "?group=TEAM_A&timeout=5s&check=1s&dir=" + SharedNacosServer.SDK_DIRECTORY));
                NacosRegistry defaultGroup = SharedNacosServer.registry().build()) {
            assertThat(inGroup)
                    .isInstanceOfSatisfying(
                            NacosRegistry.class, r -> assertThat(r.group()).isEqualTo("TEAM_A"));
            inGroup.register(x);
            await("the registry of the group to see it")
                    .untilAsserted(() -> assertThat(inGroup.getService(s)).containsExactly(x));
            assertThat(defaultGroup.getService(s)).isEmpty();
            assertThat(((NacosRegistry) inGroup).services()).contains(s);
        }
    }
}
