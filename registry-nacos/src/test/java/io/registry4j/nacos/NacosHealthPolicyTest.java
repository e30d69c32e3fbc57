package io.registry4j.nacos;

import static io.registry4j.testservers.TestTime.scaled;
import static org.assertj.core.api.Assertions.assertThat;

import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.pojo.Instance;
import io.registry4j.RegistrationEvent;
import io.registry4j.ServiceInstance;
import io.registry4j.Watcher;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
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

/** One health policy for getService and watchers alike, against a real Nacos 3.1 server. */
@DisplayName("NacosRegistry health policy on a real Nacos 3.1 server")
@ExtendWith(SharedNacosServer.class)
class NacosHealthPolicyTest {
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

    private static Instance instance(String ip, int port) {
        Instance n = new Instance();
        n.setIp(ip);
        n.setPort(port);
        n.setWeight(1);
        n.setClusterName(NacosRegistry.DEFAULT_CLUSTER);
        n.setMetadata(Map.of("role", ip));
        return n;
    }

    /** Waits for the first snapshot of the watcher that satisfies the condition. */
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

    private static List<String> ids(List<ServiceInstance> list) {
        return list.stream().map(ServiceInstance::id).toList();
    }

    @Test
    @DisplayName("unhealthy, disabled and zero-weight instances are hidden from getService and watchers alike")
    void unhealthyAreHiddenInGetAndWatch() throws Exception {
        String s = service("health");
        Instance healthy = instance("10.0.0.1", 8080);
        Instance unhealthy = instance("10.0.0.2", 8080);
        unhealthy.setHealthy(false);
        Instance disabled = instance("10.0.0.3", 8080);
        disabled.setEnabled(false);
        Instance zeroWeight = instance("10.0.0.4", 8080);
        zeroWeight.setWeight(0);
        plain.batchRegisterInstance(s, NacosRegistry.DEFAULT_GROUP, List.of(healthy, unhealthy, disabled, zeroWeight));
        try (NacosRegistry r = SharedNacosServer.registry().build();
                Watcher w = r.watch(s)) {
            await("getService to list the healthy instance")
                    .untilAsserted(() -> assertThat(ids(r.getService(s))).containsExactly("10.0.0.1:8080"));
            assertThat(ids(nextMatching(w, l -> !l.isEmpty()))).containsExactly("10.0.0.1:8080");
        }
    }

    @Test
    @DisplayName("includeUnhealthy shows unhealthy and zero-weight instances in getService and watchers alike")
    void includeUnhealthyShowsThemEverywhere() throws Exception {
        String s = service("all");
        Instance healthy = instance("10.0.0.1", 8080);
        Instance unhealthy = instance("10.0.0.2", 8080);
        unhealthy.setHealthy(false);
        Instance zeroWeight = instance("10.0.0.4", 8080);
        zeroWeight.setWeight(0);
        plain.batchRegisterInstance(s, NacosRegistry.DEFAULT_GROUP, List.of(healthy, unhealthy, zeroWeight));
        List<String> all = List.of("10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.4:8080");
        try (NacosRegistry r =
                        SharedNacosServer.registry().includeUnhealthy(true).build();
                Watcher w = r.watch(s)) {
            await("getService to list all three")
                    .untilAsserted(() -> assertThat(ids(r.getService(s))).containsExactlyElementsOf(all));
            assertThat(ids(nextMatching(w, l -> l.size() == 3))).containsExactlyElementsOf(all);
        }
    }

    @Test
    @DisplayName(
            "an instance an operator disables leaves get and watch, and is not registered again behind the operator")
    void operatorDisableIsRespected() throws Exception {
        String s = service("offline");
        ServiceInstance x = ServiceInstance.builder()
                .id("x1")
                .name(s)
                .endpoint("grpc://127.0.0.1:10001")
                .build();
        try (NacosRegistry a = SharedNacosServer.registry().build();
                NacosRegistry b = SharedNacosServer.registry().build();
                Watcher w = b.watch(s)) {
            List<RegistrationEvent> events = new CopyOnWriteArrayList<>();
            a.addRegistrationListener(Runnable::run, events::add);
            a.register(x);
            assertThat(nextMatching(w, l -> !l.isEmpty())).containsExactly(x);

            setEnabled(s, false);
            assertThat(nextMatching(w, List::isEmpty)).isEmpty();
            assertThat(b.getService(s)).isEmpty();
            // Several instance checks pass (1 s apart): none may fight the operator by registering x again.
            Awaitility.await("no re-registration while disabled")
                    .during(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(4))
                    .until(() -> events.stream().allMatch(e -> e.state() == RegistrationEvent.State.REGISTERED));

            setEnabled(s, true);
            assertThat(nextMatching(w, l -> !l.isEmpty())).containsExactly(x);
        }
    }

    /** Enables or disables x's one endpoint, in Kratos' layout (the default) the Nacos service {@code <name>.grpc}. */
    private static void setEnabled(String service, boolean enabled) {
        String body = SharedNacosServer.server()
                .put(
                        "/v3/admin/ns/instance/partial",
                        "groupName=" + NacosRegistry.DEFAULT_GROUP + "&serviceName=" + service + ".grpc"
                                + "&ip=127.0.0.1&port=10001&clusterName=" + NacosRegistry.DEFAULT_CLUSTER
                                + "&ephemeral=true&enabled=" + enabled);
        assertThat(body).contains("\"code\":0");
    }
}
