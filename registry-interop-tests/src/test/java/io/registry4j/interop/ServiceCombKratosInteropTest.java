package io.registry4j.interop;

import io.registry4j.Backoff;
import io.registry4j.ServiceInstance;
import io.registry4j.http.internal.Json;
import io.registry4j.servicecomb.ServiceCombRegistry;
import io.registry4j.servicecomb.internal.ServiceCombCodec;
import io.registry4j.testkit.KitServer;
import io.registry4j.testservers.FakeServiceCenter;
import io.registry4j.testservers.KratosPeer;
import io.registry4j.testservers.KratosPeer.Instance;
import io.registry4j.testservers.KratosPeer.Snapshot;
import io.registry4j.testservers.ServiceCenterServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ServiceComb: registry4j's {@link ServiceCombRegistry} and Kratos' {@code contrib/registry/servicecomb} (on
 * go-chassis {@code sc-client}) on the <b>fake service-center</b> ({@link FakeServiceCenter}; the real server's Go module
 * is not served here; {@code REGISTRY4J_TEST_SERVICECOMB=host:port} runs it on a real one). Kratos' Go client is also
 * the fake's independent Go client.
 *
 * <p>What Kratos' layout and code lose, allowed for here and not hidden:
 *
 * <ul>
 *   <li>Versions: service-center takes only {@code x[.y[.z[.w]]]}, from Kratos as from anyone, so both sides register
 *       {@code 1.0.0}/{@code 2.0.0} for the contract's {@code v1.0.0}/{@code v2.0.0} (registry4j would register
 *       {@code v1.0.0} under microservice version {@code 0.0.0} and keep it in a property; Kratos' register fails).
 *   <li>Kratos → registry4j: Kratos stores no metadata (its instance {@code properties} are {@code appId} and
 *       {@code environment}), so registry4j reads those two as the metadata, and the user metadata is lost.
 *   <li>registry4j → Kratos: Kratos' {@code GetService} reports the microservice id as the version (its watcher reports
 *       the right one), so versions are left out of the comparison in this direction; registry4j's own
 *       {@code registry4j.id} property shows in Kratos' metadata and is left out of the comparison. Kratos' watcher
 *       has no initial list and delivers one instance per event (a deletion as a list of the deleted instance), so its
 *       first snapshot is provoked by an update of the instance's properties ({@code PUT .../properties}, an event
 *       like any other), and "none left" is asked of Kratos' {@code GetService} in a fresh process.
 *   <li>Kratos declares no health check, so service-center applies its default lease (30 s × 4); the fake here
 *       shortens that default to 10 s × 4 (Kratos' heartbeat is every 30 s), so a dead Kratos process leaves within
 *       40 s rather than 2 min.
 * </ul>
 */
@DisplayName("registry4j and Kratos interoperate on the fake service-center")
class ServiceCombKratosInteropTest extends KratosInteropContract {
    private static final Duration HEARTBEAT = Duration.ofSeconds(1);

    @RegisterExtension
    static final KitServer<ServiceCenterServer> SERVER = new KitServer<>(
            "service-center",
            () -> ServiceCenterServer.start(FakeServiceCenter.builder()
                    .minHealthCheck(1, 3)
                    .defaultHealthCheck(10, 3)
                    .tickInterval(Duration.ofMillis(100))));

    private final HttpClient http = HttpClient.newHttpClient();

    private static ServiceCenterServer server() {
        return SERVER.get();
    }

    @Override
    protected KratosPeer.Backend kratosBackend() {
        return KratosPeer.Backend.of("servicecomb", server().address());
    }

    @Override
    protected String version(String version) {
        return version.startsWith("v") ? version.substring(1) : version;
    }

    @Override
    protected Registry4jProcess openRegistry4j() {
        return Registry4jProcess.withDyingTimers(
                "servicecomb",
                dying -> ServiceCombRegistry.builder()
                        .address(server().baseUri().toString())
                        .heartbeatInterval(HEARTBEAT)
                        .pollInterval(Duration.ofSeconds(2))
                        .callTimeout(Duration.ofSeconds(3))
                        .scheduler(dying)
                        .backoff(Backoff.exponential(Duration.ofMillis(50), Duration.ofMillis(500), 2.0))
                        .build());
    }

    @Override
    protected Duration deathTimeout() {
        // Kratos' lease here is 10 s × 4 (registry4j's 1 s × 4); the fake checks leases every 100 ms.
        return scaled(Duration.ofSeconds(50));
    }

    /** Kratos stores {@code appId} and {@code environment} as the instance's properties, and no metadata. */
    @Override
    protected List<ServiceInstance> expectedInRegistry4j(Instance registeredByKratos) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("appId", "default");
        properties.put("environment", "");
        return List.of(toServiceInstance(new Instance(
                registeredByKratos.id(),
                registeredByKratos.name(),
                registeredByKratos.version(),
                properties,
                registeredByKratos.endpoints())));
    }

    /** Without the version (Kratos' GetService reports the microservice id) and registry4j's id property. */
    @Override
    protected Instance comparable(Instance reportedByKratos) {
        Map<String, String> metadata =
                new LinkedHashMap<>(Objects.requireNonNullElse(reportedByKratos.metadata(), Map.<String, String>of()));
        metadata.remove(ServiceCombCodec.ID_KEY);
        return new Instance(reportedByKratos.id(), reportedByKratos.name(), "", metadata, reportedByKratos.endpoints());
    }

    /** Kratos' watcher has no initial list: an update of the instances' properties gives it an event to deliver. */
    @Override
    protected KratosPeer.Watch startKratosWatch(String name) {
        KratosPeer.Watch watch = super.startKratosWatch(name);
        Awaitility.await("Kratos' watcher of " + name + " to deliver an event")
                .atMost(changeTimeout())
                .pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    touch(name);
                    return watch.latest().isPresent();
                });
        return watch;
    }

    /** {@code PUT .../instances/{id}/properties} with the properties each instance has: an UPDATE event each. */
    private void touch(String name) throws Exception {
        String base = server().baseUri() + "/v4/default/registry";
        HttpResponse<byte[]> found = http.send(
                HttpRequest.newBuilder(URI.create(base + "/instances?appId=default&serviceName=" + name))
                        .header("x-domain-name", "default")
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (!(Json.parse(found.body()) instanceof Map<?, ?> doc) || !(doc.get("instances") instanceof List<?> list)) {
            return;
        }
        for (Object o : list) {
            if (o instanceof Map<?, ?> i && i.get("properties") instanceof Map<?, ?> properties) {
                http.send(
                        HttpRequest.newBuilder(URI.create(base + "/microservices/" + i.get("serviceId") + "/instances/"
                                        + i.get("instanceId") + "/properties"))
                                .header("x-domain-name", "default")
                                .header("Content-Type", "application/json")
                                .PUT(HttpRequest.BodyPublishers.ofByteArray(
                                        Json.write(Map.of("properties", properties))))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
            }
        }
    }

    /** Kratos' watcher never delivers an empty list: a fresh Kratos client's {@code GetService} is asked. */
    @Override
    protected void awaitKratosSeesNone(KratosPeer.Watch watch, String name, Duration timeout) {
        Snapshot[] last = new Snapshot[1];
        Awaitility.await("Kratos' GetService of " + name + " to list nothing")
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    last[0] = peer().get(kratosBackend(), kratosServiceName(name));
                    return last[0].instances().isEmpty();
                });
    }
}
