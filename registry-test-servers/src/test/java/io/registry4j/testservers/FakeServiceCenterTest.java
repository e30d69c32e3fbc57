package io.registry4j.testservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.common.eventbus.EventBus;
import com.google.common.eventbus.Subscribe;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.servicecomb.http.client.common.HttpConfiguration;
import org.apache.servicecomb.service.center.client.DiscoveryEvents;
import org.apache.servicecomb.service.center.client.ServiceCenterAddressManager;
import org.apache.servicecomb.service.center.client.ServiceCenterClient;
import org.apache.servicecomb.service.center.client.ServiceCenterWatch;
import org.apache.servicecomb.service.center.client.model.FindMicroserviceInstancesResponse;
import org.apache.servicecomb.service.center.client.model.Microservice;
import org.apache.servicecomb.service.center.client.model.MicroserviceInstance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The fake service-center driven by ServiceComb's own Java client ({@code service-center-client} 2.8.30, an
 * independent client: its requests and its reading of the answers are not ours). Kratos' Go client drives it in the
 * interop tests.
 */
@DisplayName("fake service-center, driven by service-center-client")
class FakeServiceCenterTest {
    private static FakeServiceCenter fake;
    private static EventBus bus;
    private static ServiceCenterAddressManager addresses;
    private static HttpConfiguration.SSLProperties ssl;
    private static ServiceCenterClient client;

    @BeforeAll
    static void start() {
        fake = FakeServiceCenter.builder().minHealthCheck(1, 1).start();
        bus = new EventBus();
        addresses = new ServiceCenterAddressManager(
                "default", List.of(fake.baseUri().toString()), null, null, bus);
        ssl = new HttpConfiguration.SSLProperties();
        ssl.setEnabled(false);
        client = new ServiceCenterClient(addresses, ssl, request -> Map.of(), "default", Map.of(), null);
    }

    @AfterAll
    static void stop() {
        fake.close();
    }

    private static Microservice service(String name) {
        Microservice m = new Microservice();
        m.setAppId("app");
        m.setServiceName(name);
        m.setVersion("1.0.0");
        return m;
    }

    private static MicroserviceInstance instance(String serviceId, int port) {
        MicroserviceInstance i = new MicroserviceInstance();
        i.setServiceId(serviceId);
        i.setHostName("h" + port);
        i.setEndpoints(List.of("rest://127.0.0.1:" + port));
        i.setProperties(Map.of("k", "v"));
        return i;
    }

    @Test
    @DisplayName("fake service-center: register, find with revision and 304, heartbeat, delete, 400017 after")
    void theClientsCallSequence() {
        String sid = client.registerMicroservice(service("probe")).getServiceId();
        assertThat(sid).isNotBlank();
        assertThat(client.registerMicroservice(service("probe")).getServiceId())
                .as("the same key gives the same id")
                .isEqualTo(sid);
        assertThat(client.queryServiceId(service("probe")).getServiceId()).isEqualTo(sid);
        assertThat(client.queryServiceId(service("absent")))
                .as("no such microservice")
                .isNull();

        String iid = client.registerMicroserviceInstance(instance(sid, 8080)).getInstanceId();
        FakeServiceCenterTest.assertThatFound(client.findMicroserviceInstance(sid, "app", "probe", "0+", null), 1);
        FindMicroserviceInstancesResponse first = client.findMicroserviceInstance(sid, "app", "probe", "0+", null);
        MicroserviceInstance got =
                first.getMicroserviceInstancesResponse().getInstances().get(0);
        assertThat(got.getInstanceId()).isEqualTo(iid);
        assertThat(got.getVersion()).as("the microservice's version").isEqualTo("1.0.0");
        assertThat(got.getProperties()).containsEntry("k", "v");
        assertThat(got.getEndpoints()).containsExactly("rest://127.0.0.1:8080");
        assertThat(client.findMicroserviceInstance(sid, "app", "probe", "0+", first.getRevision())
                        .isModified())
                .as("304 with the current revision")
                .isFalse();

        assertThat(client.sendHeartBeat(sid, iid)).isTrue();
        client.deleteMicroserviceInstance(sid, iid);
        FakeServiceCenterTest.assertThatFound(
                client.findMicroserviceInstance(sid, "app", "probe", "0+", first.getRevision()), 0);
        assertThatThrownBy(() -> client.sendHeartBeat(sid, iid)).hasMessageContaining("400017");
    }

    private static void assertThatFound(FindMicroserviceInstancesResponse r, int count) {
        assertThat(r.isModified()).isTrue();
        assertThat(r.getRevision()).isNotBlank();
        List<MicroserviceInstance> instances =
                r.getMicroserviceInstancesResponse().getInstances();
        assertThat(instances == null ? List.of() : instances).hasSize(count);
    }

    @Test
    @DisplayName("fake service-center: an instance without heartbeats expires after interval × (times + 1)")
    void leasesExpire() {
        String sid = client.registerMicroservice(service("lease")).getServiceId();
        MicroserviceInstance i = instance(sid, 8081);
        var hc = new org.apache.servicecomb.service.center.client.model.HealthCheck();
        hc.setMode(org.apache.servicecomb.service.center.client.model.HealthCheckMode.push);
        hc.setInterval(1);
        hc.setTimes(1);
        i.setHealthCheck(hc);
        String iid = client.registerMicroserviceInstance(i).getInstanceId();
        assertThat(fake.instancesOf(sid)).hasSize(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> fake.instancesOf(sid).isEmpty());
        assertThatThrownBy(() -> client.sendHeartBeat(sid, iid)).hasMessageContaining("400017");
    }

    /** Collects the pull requests the client's websocket watch posts. */
    public static final class Pulls {
        final List<String> services = new CopyOnWriteArrayList<>();

        @Subscribe
        public void on(DiscoveryEvents.PullInstanceEvent e) {
            services.add(e.getAppId() + "/" + e.getServiceName());
        }
    }

    @Test
    @DisplayName("fake service-center: the watch websocket tells a consumer of its providers' changes")
    void theWatchSocketTellsTheConsumer() {
        String provider = client.registerMicroservice(service("provider")).getServiceId();
        String consumer = client.registerMicroservice(service("consumer")).getServiceId();
        client.findMicroserviceInstance(consumer, "app", "provider", "0+", null); // records the dependency
        Pulls pulls = new Pulls();
        EventBus events = new EventBus();
        events.register(pulls);
        ServiceCenterWatch watch =
                new ServiceCenterWatch(addresses, ssl, request -> Map.of(), "default", Map.of(), events);
        try {
            watch.startWatch("app", consumer);
            await().atMost(Duration.ofSeconds(10)).until(() -> fake.webSockets() == 1);
            client.registerMicroserviceInstance(instance(provider, 8082));
            await().atMost(Duration.ofSeconds(10)).until(() -> pulls.services.contains("app/provider"));
            String unrelated = client.registerMicroservice(service("unrelated")).getServiceId();
            client.registerMicroserviceInstance(instance(unrelated, 8083));
            client.registerMicroserviceInstance(instance(provider, 8084));
            await().atMost(Duration.ofSeconds(10)).until(() -> pulls.services.size() >= 2);
            assertThat(pulls.services).doesNotContain("app/unrelated");
        } finally {
            watch.stop();
        }
    }
}
