package io.registry4j.nacos;

import static io.registry4j.testservers.TestTime.scaled;
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
    @DisplayName("a service registered in Kratos' <name>.<scheme> form is found by default, as Kratos reads it")
    void kratosRegistrationIsFound() throws Exception {
        String name = service("kratos");
        // What go-kratos/contrib/registry/nacos writes for grpc://10.1.0.6:9000 of version v1.
        plain.registerInstance(
                name + ".grpc",
                NacosRegistry.DEFAULT_GROUP,
                nacosInstance("10.1.0.6", 9000, Map.of("kind", "grpc", "version", "v1", "city", "Zürich")));
        try (NacosRegistry r = SharedNacosServer.registry().build();
                Watcher w = r.watch(name)) {
            String instanceId = nacosInstanceId(name + ".grpc", "10.1.0.6", 9000);
            ServiceInstance expected = new ServiceInstance(
                    instanceId,
                    name,
                    "v1",
                    Map.of("kind", "grpc", "version", "v1", "city", "Zürich"),
                    List.of(URI.create("grpc://10.1.0.6:9000")));
            await("getService to find the Kratos instance")
                    .untilAsserted(() -> assertThat(r.getService(name)).containsExactly(expected));
            assertThat(nextMatching(w, l -> !l.isEmpty())).containsExactly(expected);
            assertThat(r.services()).contains(name).doesNotContain(name + ".grpc");
        }
    }

    /** The Nacos instance id the server gave an instance: Kratos' id of it. */
    private String nacosInstanceId(String nacosService, String ip, int port) throws Exception {
        List<Instance> held = plain.getAllInstances(nacosService, NacosRegistry.DEFAULT_GROUP, List.of(), false);
        String id = held.stream()
                .filter(n -> ip.equals(n.getIp()) && n.getPort() == port)
                .map(Instance::getInstanceId)
                .findFirst()
                .orElseThrow(() -> new AssertionError(ip + ":" + port + " not in " + nacosService + ": " + held));
        assertThat(id)
                .as("the instance id of " + ip + ":" + port + " in " + nacosService)
                .isNotBlank();
        return id;
    }

    @Test
    @DisplayName("by default an instance is written as Kratos reads it (<name>.<scheme>, kind, version)")
    void defaultLayoutIsKratos() throws Exception {
        String name = service("kratosw");
        ServiceInstance x = ServiceInstance.builder()
                .id("x1")
                .name(name)
                .version("v2")
                .putMetadata("zone", "z1")
                .endpoint("grpc://10.1.0.7:9000")
                .endpoint("http://10.1.0.7:8000")
                .build();
        try (NacosRegistry writer = SharedNacosServer.registry().build();
                NacosRegistry reader = SharedNacosServer.registry().build()) {
            writer.register(x);
            await("the other registry to read it back exactly")
                    .untilAsserted(() -> assertThat(reader.getService(name)).containsExactly(x));
            List<Instance> grpc = plain.getAllInstances(name + ".grpc", NacosRegistry.DEFAULT_GROUP, List.of(), false);
            assertThat(grpc).singleElement().satisfies(n -> {
                assertThat(n.getIp()).isEqualTo("10.1.0.7");
                assertThat(n.getPort()).isEqualTo(9000);
                assertThat(n.getMetadata())
                        .containsEntry("kind", "grpc")
                        .containsEntry("version", "v2")
                        .containsEntry("zone", "z1")
                        .containsEntry("registry4j.id", "x1");
            });
            List<Instance> http = plain.getAllInstances(name + ".http", NacosRegistry.DEFAULT_GROUP, List.of(), false);
            assertThat(http)
                    .singleElement()
                    .satisfies(n -> assertThat(n.getMetadata()).containsEntry("kind", "http"));
            assertThat(plain.getAllInstances(name, NacosRegistry.DEFAULT_GROUP, List.of(), false))
                    .isEmpty();
            writer.deregister(x);
            await("the deregistration to reach the reader")
                    .untilAsserted(() -> assertThat(reader.getService(name)).isEmpty());
        }
    }

    @Test
    @DisplayName("layout=plain writes the plain <name> service, and a default registry reads it")
    void plainLayoutWritesPlainService() throws Exception {
        String name = service("plainw");
        ServiceInstance x = ServiceInstance.builder()
                .id("x1")
                .name(name)
                .version("v2")
                .putMetadata("kind", "user value")
                .endpoint("grpc://10.1.0.9:9000")
                .build();
        String address = SharedNacosServer.server().serverAddr();
        try (ServiceRegistry writer = Registries.open(
                        URI.create("nacos://" + address + "?layout=plain&dir=" + SharedNacosServer.SDK_DIRECTORY));
                NacosRegistry reader = SharedNacosServer.registry().build()) {
            writer.register(x);
            await("the default registry to read it back exactly")
                    .untilAsserted(() -> assertThat(reader.getService(name)).containsExactly(x));
            assertThat(plain.getAllInstances(name, NacosRegistry.DEFAULT_GROUP, List.of(), false))
                    .singleElement()
                    .satisfies(n -> assertThat(n.getMetadata()).containsEntry("registry4j.id", "x1"));
            assertThat(plain.getAllInstances(name + ".grpc", NacosRegistry.DEFAULT_GROUP, List.of(), false))
                    .isEmpty();
        }
    }

    @Test
    @DisplayName("a Spring Cloud Alibaba instance is found by default: ip:port, https when its metadata says secure")
    void springCloudAlibabaInstanceIsFound() throws Exception {
        String name = service("sca");
        // What spring-cloud-starter-alibaba-nacos-discovery registers for a TLS service on 10.1.2.1:8443.
        Map<String, String> metadata = Map.of("preserved.register.source", "SPRING_CLOUD", "secure", "true");
        plain.registerInstance(name, NacosRegistry.DEFAULT_GROUP, nacosInstance("10.1.2.1", 8443, metadata));
        ServiceInstance expected =
                new ServiceInstance("10.1.2.1:8443", name, "", metadata, List.of(URI.create("https://10.1.2.1:8443")));
        try (NacosRegistry r = SharedNacosServer.registry().build();
                Watcher w = r.watch(name)) {
            await("getService to find the Spring Cloud Alibaba instance")
                    .untilAsserted(() -> assertThat(r.getService(name)).containsExactly(expected));
            assertThat(nextMatching(w, l -> !l.isEmpty())).containsExactly(expected);
        }
    }

    @Test
    @DisplayName("getService and a watcher see both layouts at once, merged: Kratos', ours in each, Spring Cloud's")
    void bothLayoutsAreReadAtOnce() throws Exception {
        String name = service("merge");
        ServiceInstance kratosLayout = ServiceInstance.builder()
                .id("k1")
                .name(name)
                .version("v1")
                .putMetadata("emoji", "🚀")
                .endpoint("grpc://10.1.1.1:9000")
                .endpoint("http://10.1.1.1:8000")
                .build();
        ServiceInstance plainLayout = ServiceInstance.builder()
                .id("p1")
                .name(name)
                .version("v1")
                .endpoint("grpc://10.1.1.2:9000")
                .build();
        // What go-kratos writes (one endpoint) and what Spring Cloud Alibaba registers (secure: https).
        plain.registerInstance(
                name + ".grpc",
                NacosRegistry.DEFAULT_GROUP,
                nacosInstance("10.1.1.3", 9000, Map.of("kind", "grpc", "version", "v9")));
        Map<String, String> springCloud = Map.of("preserved.register.source", "SPRING_CLOUD", "secure", "true");
        plain.registerInstance(name, NacosRegistry.DEFAULT_GROUP, nacosInstance("10.1.1.4", 8443, springCloud));
        String address = SharedNacosServer.server().serverAddr();
        try (NacosRegistry kratosWriter = SharedNacosServer.registry().build();
                ServiceRegistry plainWriter = Registries.open(
                        URI.create("nacos://" + address + "?layout=plain&dir=" + SharedNacosServer.SDK_DIRECTORY));
                NacosRegistry reader = SharedNacosServer.registry().build();
                Watcher w = reader.watch(name)) {
            kratosWriter.register(kratosLayout);
            plainWriter.register(plainLayout);
            ServiceInstance kratosGo = new ServiceInstance(
                    nacosInstanceId(name + ".grpc", "10.1.1.3", 9000),
                    name,
                    "v9",
                    Map.of("kind", "grpc", "version", "v9"),
                    List.of(URI.create("grpc://10.1.1.3:9000")));
            ServiceInstance springCloudAlibaba = new ServiceInstance(
                    "10.1.1.4:8443", name, "", springCloud, List.of(URI.create("https://10.1.1.4:8443")));
            List<ServiceInstance> all = List.of(kratosLayout, plainLayout, kratosGo, springCloudAlibaba);
            await("getService to see all four, each once")
                    .untilAsserted(() -> assertThat(reader.getService(name)).containsExactlyInAnyOrderElementsOf(all));
            assertThat(nextMatching(w, l -> l.size() >= all.size())).containsExactlyInAnyOrderElementsOf(all);
            assertThat(reader.skippedEntries()).isZero();
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
