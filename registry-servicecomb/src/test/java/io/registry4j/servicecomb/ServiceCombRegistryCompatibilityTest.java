package io.registry4j.servicecomb;

import static org.assertj.core.api.Assertions.assertThat;

import io.registry4j.Backoff;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.servicecomb.internal.ServiceCombCodec;
import io.registry4j.spi.Scheduler;
import io.registry4j.testkit.Capabilities;
import io.registry4j.testkit.Fault;
import io.registry4j.testkit.Faults;
import io.registry4j.testkit.InjectedClient;
import io.registry4j.testkit.InjectedHttpClient;
import io.registry4j.testkit.KitServer;
import io.registry4j.testkit.RegistryCompatibilityKit;
import io.registry4j.testservers.FakeServiceCenter;
import io.registry4j.testservers.ServiceCenterServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole compatibility kit on the fake service-center ({@link FakeServiceCenter}; the real server's Go module is not
 * served here), faults included: a server restarted on empty state (microservices, instances and the watch consumer
 * created again after heartbeats answered {@code 400012}/{@code 400017}), an instance deleted behind the registry's
 * back, watch websockets cut, and a garbage instance (an endpoint that is not a URI). With
 * {@code REGISTRY4J_TEST_SERVICECOMB=host:port} it runs on a real service-center, without the faults.
 *
 * <p>Timings: heartbeat every 1 s, revision poll every 2 s.
 */
@DisplayName("ServiceCombRegistry passes the compatibility kit on the fake service-center")
class ServiceCombRegistryCompatibilityTest extends RegistryCompatibilityKit {
    /** The server, and what each registry made by {@link #newRegistry()} has registered, to remove it there. */
    @RegisterExtension
    static final KitServer<ServiceCenterServer> SERVER =
            new KitServer<>("service-center", ServiceCombTestSupport::startServer);

    static ServiceCenterServer server() {
        return SERVER.get();
    }

    @Override
    protected ServiceRegistry newRegistry() {
        return SERVER.track(ServiceCombTestSupport.builder(server()).build());
    }

    @Override
    protected ServiceRegistry newRegistryWithBackoff(Backoff backoff) {
        return SERVER.track(
                ServiceCombTestSupport.builder(server()).backoff(backoff).build());
    }

    @Override
    protected ServiceRegistry newRegistryWithBackoff(Backoff backoff, Scheduler scheduler) {
        return SERVER.track(ServiceCombTestSupport.builder(server())
                .backoff(backoff)
                .scheduler(scheduler)
                .build());
    }

    /** An instance registered again with its id replaces the stored one: service-center has no compare-and-set. */
    @Override
    protected String takeoverUndetectable() {
        return "service-center's POST .../instances with an existing instanceId replaces it, with no compare-and-set";
    }

    @Override
    protected Capabilities capabilities() {
        var c = Capabilities.builder()
                .unsupported(
                        Fault.LATE_UPDATE,
                        "a service-center websocket message carries no list, it only makes the watched service be read "
                                + "again, and each service has one read in flight at a time: no replaced source can answer late")
                .propagation(Duration.ofSeconds(3))
                .reRegistration(ServiceCombTestSupport.HEARTBEAT.plusSeconds(5));
        if (server().fake().isPresent()) {
            c.supports(
                    Fault.SERVER_RESTART,
                    Fault.SESSION_EXPIRY,
                    Fault.DELETE_BEHIND_BACK,
                    Fault.DROP_WATCH,
                    Fault.GARBAGE_ENTRY,
                    Fault.WATCH_COUNT);
        } else {
            c.unsupportedAll(server().externalReason());
        }
        return c.build();
    }

    @Override
    protected Faults faults() {
        return new Faults() {
            @Override
            public void stopServer() {
                server().requireFake().stop();
            }

            /** A service-center on an empty etcd: every microservice, instance and dependency is gone. */
            @Override
            public void startServer() {
                server().requireFake().restartEmpty();
            }

            /**
             * service-center has no session: an instance whose heartbeats stopped is deleted when its lease runs out,
             * which is this deletion; the registry learns of it at its next heartbeat ({@code 400017}).
             */
            @Override
            public void expireSession(ServiceRegistry registry) {
                for (ServiceInstance i : SERVER.registered(registry)) {
                    server().requireFake().deleteInstancesWithProperty(ServiceCombCodec.ID_KEY, i.id());
                }
            }

            /** Deletes right after a heartbeat, so that watchers have a whole interval to see the deletion. */
            @Override
            public void deleteBehindBack(ServiceRegistry registry, ServiceInstance instance) {
                FakeServiceCenter fake = server().requireFake();
                String beat = "/instances/" + ServiceCombCodec.instanceId(instance.id()) + "/heartbeat";
                fake.awaitNextRequest(
                        "a heartbeat of " + instance.id(),
                        r -> r.endsWith(beat),
                        ServiceCombTestSupport.HEARTBEAT.multipliedBy(4));
                assertThat(fake.deleteInstancesWithProperty(ServiceCombCodec.ID_KEY, instance.id()))
                        .as("deleted " + instance.id())
                        .isEqualTo(1);
            }

            @Override
            public void dropWatches(ServiceRegistry registry) {
                server().requireFake().dropWebSockets();
            }

            @Override
            public void writeGarbage(String service, String id) {
                FakeServiceCenter fake = server().requireFake();
                String sid = fake.createService("default", service, "1.0.0");
                fake.putRawInstance(
                        sid,
                        "{\"instanceId\":\"" + id + "\",\"hostName\":\"h\",\"status\":\"UP\","
                                + "\"endpoints\":[\"::not a uri::\"],\"properties\":{\"k\":\"v\"}}");
            }

            @Override
            public void removeGarbage(String service, String id) {
                FakeServiceCenter fake = server().requireFake();
                String sid = fake.createService("default", service, "1.0.0");
                assertThat(fake.deleteInstance(sid, id)).as("garbage removed").isTrue();
            }
        };
    }

    @Override
    protected InjectedClient newRegistryOnInjectedClient() {
        return InjectedHttpClient.of(
                client -> ServiceCombTestSupport.builder(server())
                        .httpClient(client)
                        .build(),
                HttpRequest.newBuilder(URI.create(server().baseUri() + "/v4/default/registry/health"))
                        .timeout(Duration.ofSeconds(5))
                        .build());
    }
}
