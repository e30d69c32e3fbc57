package io.registry4j.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.Watcher;
import io.registry4j.testkit.RegistryLeakCheck;
import io.registry4j.testservers.FakeConsul;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the compatibility kit does not cover: Consul's wire details, on the fake Consul agent. */
@DisplayName("ConsulRegistry on the fake Consul agent")
@ExtendWith(RegistryLeakCheck.class)
class ConsulRegistryTest {
    private final List<AutoCloseable> open = new ArrayList<>();

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

    private FakeConsul fake(FakeConsul.Builder b) {
        return later(b.start());
    }

    private ConsulRegistry registry(FakeConsul fake) {
        return later(ConsulRegistry.builder()
                .address(fake.baseUri().toString())
                .heartbeatInterval(Duration.ofMillis(300))
                .wait(Duration.ofSeconds(2))
                .callTimeout(Duration.ofSeconds(3))
                .build());
    }

    private static ServiceInstance instance(String id) {
        return ServiceInstance.builder()
                .id(id)
                .name("orders")
                .version("1.4.2")
                .putMetadata("zone", "z1")
                .endpoint("grpc://127.0.0.1:9000")
                .endpoint("http://127.0.0.1:8000")
                .build();
    }

    @Test
    @DisplayName("fake Consul: registers in Kratos' layout, passing at once")
    void registersInKratosLayout() {
        FakeConsul fake = fake(FakeConsul.builder());
        registry(fake).register(instance("o1"));
        assertThat(fake.serviceJson("o1"))
                .contains("\"ID\":\"o1\"", "\"Service\":\"orders\"", "\"Meta\":{\"zone\":\"z1\"}")
                .contains("\"Address\":\"127.0.0.1\"", "\"Port\":9000")
                .contains("\"grpc\":{\"Address\":\"grpc://127.0.0.1:9000\",\"Port\":9000}")
                .contains("\"http\":{\"Address\":\"http://127.0.0.1:8000\",\"Port\":8000}")
                .contains("\"Tags\":[\"version=1.4.2\",\"registry4j-endpoints=grpc,http\"]");
        assertThat(fake.checkStatus("service:o1")).isEqualTo("passing");
    }

    @Test
    @DisplayName("fake Consul: the ACL token goes only in the X-Consul-Token header and never into messages")
    void tokenOnlyInHeader() {
        FakeConsul fake = fake(FakeConsul.builder().aclToken("t0ps3cret"));
        ConsulRegistry r = later(ConsulRegistry.builder()
                .address(fake.baseUri().toString())
                .token("t0ps3cret")
                .build());
        r.register(instance("o1"));
        assertThat(r.getService("orders")).hasSize(1);
        assertThat(r.services()).contains("orders").doesNotContain("consul");
        assertThat(fake.tokenForms()).containsExactly("header");
        assertThat(fake.requests()).noneMatch(q -> q.contains("t0ps3cret"));

        ConsulRegistry wrong = later(ConsulRegistry.builder()
                .address(fake.baseUri().toString())
                .token("not-the-t0ps3cret")
                .build());
        assertThatThrownBy(() -> wrong.register(instance("o2")))
                .isInstanceOfSatisfying(
                        RegistryException.class,
                        e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.PERMISSION_DENIED))
                .hasMessageContaining("403")
                .hasMessageNotContaining("t0ps3cret");
        assertThat(wrong.toString()).doesNotContain("t0ps3cret");
    }

    @Test
    @DisplayName("fake Consul: services of other clients, without tagged addresses, read as http://Address:Port")
    void readsOtherClients() throws Exception {
        FakeConsul fake = fake(FakeConsul.builder());
        HttpResponse<String> put = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(fake.baseUri() + "/v1/agent/service/register"))
                                .PUT(HttpRequest.BodyPublishers.ofString(
                                        "{\"ID\":\"web-1\",\"Name\":\"web\",\"Address\":\"10.0.0.8\",\"Port\":8080,"
                                                + "\"Check\":{\"TTL\":\"30s\",\"Status\":\"passing\"}}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).isEqualTo(200);
        List<ServiceInstance> web = registry(fake).getService("web");
        assertThat(web).hasSize(1);
        assertThat(web.get(0).endpoints()).containsExactly(URI.create("http://10.0.0.8:8080"));
        assertThat(web.get(0).version()).isEmpty();
    }

    @Test
    @DisplayName("fake Consul: many watchers of one service share one blocking query")
    void oneLongPollPerService() throws Exception {
        FakeConsul fake = fake(FakeConsul.builder().spuriousWakeUps(0));
        ConsulRegistry r = registry(fake);
        List<Watcher> watchers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            watchers.add(later(r.watch("orders")));
        }
        for (Watcher w : watchers) {
            assertThat(w.next()).isEmpty();
        }
        r.register(instance("o1"));
        for (Watcher w : watchers) {
            assertThat(w.next()).extracting(ServiceInstance::id).containsExactly("o1");
        }
        long reads = fake.requests().stream()
                .filter(q -> q.startsWith("GET /v1/health/service/orders"))
                .count();
        // One immediate read, one blocked query answered by the change, the next one blocked: not one per watcher.
        assertThat(reads).isLessThan(watchers.size());
    }

    @Test
    @DisplayName("fake Consul: after the index goes backwards the watch starts over without an index, and sees changes")
    void indexGoingBackwardsResetsTheWatch() {
        FakeConsul fake = fake(FakeConsul.builder().spuriousWakeUps(0));
        ConsulRegistry r = registry(fake);
        ConsulRegistry other = registry(fake);
        Watcher w = later(r.watch("orders"));
        other.register(instance("o1"));
        Awaitility.await().untilAsserted(() -> assertThat(w.next()).hasSize(1));
        int before = fake.requests().size();

        fake.lowerIndex(3);

        // The blocked query waits out its 2 s (its index is above the agent's now), answers the lower index, and the
        // watch reads again without an index.
        Awaitility.await("a read without index after the restore")
                .atMost(Duration.ofSeconds(10))
                .until(() -> fake.requests().subList(before, fake.requests().size()).stream()
                        .anyMatch(q -> q.equals("GET /v1/health/service/orders?passing")));
        other.register(instance("o2"));
        Awaitility.await()
                .untilAsserted(() -> assertThat(r.getService("orders")).hasSize(2));
    }

    @Test
    @DisplayName("fake Consul: an instance whose TCP check fails is hidden, unless unhealthy ones are included")
    void failingTcpCheckHidesTheInstance() {
        FakeConsul fake = fake(FakeConsul.builder().tickInterval(Duration.ofMillis(20)));
        ConsulRegistry r = later(ConsulRegistry.builder()
                .address(fake.baseUri().toString())
                .heartbeatInterval(Duration.ofMillis(200))
                .tcpCheck(true)
                .build());
        ServiceInstance dead = ServiceInstance.builder()
                .id("d1")
                .name("dead")
                .endpoint("grpc://127.0.0.1:1") // nothing listens on port 1
                .build();
        r.register(dead);
        Awaitility.await().until(() -> "critical".equals(fake.checkStatus("service:d1:endpoint-1")));
        assertThat(r.getService("dead")).isEmpty();
        ConsulRegistry all = later(ConsulRegistry.builder()
                .address(fake.baseUri().toString())
                .includeUnhealthy(true)
                .build());
        assertThat(all.getService("dead")).containsExactly(dead);
    }

    @Test
    @DisplayName("fake Consul: the agent reaps an instance whose heartbeats stopped; a live registry puts it back")
    void reapedThenRegisteredAgain() throws Exception {
        FakeConsul fake = fake(FakeConsul.builder()
                .tickInterval(Duration.ofMillis(20))
                .reapInterval(Duration.ofMillis(100))
                .deregisterFloor(Duration.ofMillis(200)));
        ConsulRegistry r = later(ConsulRegistry.builder()
                .address(fake.baseUri().toString())
                .heartbeatInterval(Duration.ofSeconds(1))
                .deregisterCriticalServiceAfter(Duration.ofMillis(200))
                .build());
        List<String> events = new CopyOnWriteArrayList<>();
        r.addRegistrationListener(Runnable::run, e -> events.add(e.state().name()));
        r.register(instance("o1"));
        String pass = "PUT /v1/agent/check/pass/service:o1?";
        long seen = fake.requests().stream().filter(q -> q.startsWith(pass)).count();
        Awaitility.await("a heartbeat")
                .pollInterval(Duration.ofMillis(10))
                .until(() ->
                        fake.requests().stream().filter(q -> q.startsWith(pass)).count() > seen);
        // Right after a heartbeat, the check fails on the agent (as a missed TTL would make it): the reaper removes the
        // service once it has been critical longer than DeregisterCriticalServiceAfter, before the next heartbeat.
        HttpResponse<String> fail = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(fake.baseUri() + "/v1/agent/check/fail/service:o1"))
                                .PUT(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(fail.statusCode()).isEqualTo(200);
        Awaitility.await("the reaper").until(() -> !fake.serviceIds().contains("o1"));
        Awaitility.await("the registration back").until(() -> fake.serviceIds().contains("o1"));
        // The agent holds the service again as soon as the re-registration's PUT is answered; RESTORED is delivered
        // after that answer, on the registry's thread.
        Awaitility.await("RESTORED")
                .untilAsserted(() -> assertThat(events).containsSubsequence("REGISTERED", "LOST", "RESTORED"));
        assertThat(fake.checkStatus("service:o1")).isEqualTo("passing");
    }

    @Test
    @DisplayName("fake Consul: an agent that does not answer makes calls fail as UNAVAILABLE naming the agent")
    void unreachableAgent() {
        FakeConsul fake = fake(FakeConsul.builder());
        ConsulRegistry r = registry(fake);
        fake.stop();
        assertThatThrownBy(() -> r.register(instance("o1")))
                .isInstanceOfSatisfying(
                        RegistryException.class,
                        e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNAVAILABLE))
                .hasMessageContaining(fake.baseUri().toString());
    }
}
