package io.registry4j.eureka;

import static org.assertj.core.api.Assertions.assertThat;

import io.registry4j.Backoff;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.eureka.internal.EurekaInstanceCodec;
import io.registry4j.spi.Scheduler;
import io.registry4j.testkit.Capabilities;
import io.registry4j.testkit.Fault;
import io.registry4j.testkit.Faults;
import io.registry4j.testkit.InjectedClient;
import io.registry4j.testkit.InjectedHttpClient;
import io.registry4j.testkit.KitServer;
import io.registry4j.testkit.RegistryCompatibilityKit;
import io.registry4j.testservers.EurekaServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole compatibility kit against the real Netflix Eureka server ({@code eureka-core-jersey3} in Jetty, in a JVM
 * of its own), faults included: a server restart (it comes back empty, and every instance is registered again after
 * its first renewal answered 404), an instance deleted behind the registry's back, a lease that the server drops
 * (Eureka's form of session expiry), and garbage metadata.
 *
 * <p>Timings: renew every 2 s, poll every 100 ms, so a watcher sees a change well before the registry that lost an
 * instance has renewed it.
 */
@DisplayName("EurekaRegistry passes the compatibility kit against the real Netflix Eureka server")
class EurekaRegistryCompatibilityTest extends RegistryCompatibilityKit {
    static final Duration RENEW = Duration.ofSeconds(2);
    static final Duration LEASE = Duration.ofSeconds(10);
    static final Duration REFRESH = Duration.ofMillis(100);
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(3);

    /** The server, and what each registry made by {@link #newRegistry()} has registered, to cancel its leases there. */
    @RegisterExtension
    static final KitServer<EurekaServer> SERVER = new KitServer<>("Eureka server", EurekaServer::start);

    private static @Nullable EurekaAdmin admin;

    @BeforeAll
    static void startAdmin() {
        admin = new EurekaAdmin(server().baseUri());
    }

    static EurekaServer server() {
        return SERVER.get();
    }

    static EurekaAdmin admin() {
        EurekaAdmin a = admin;
        assertThat(a).as("Eureka admin client").isNotNull();
        return java.util.Objects.requireNonNull(a);
    }

    static EurekaRegistry.Builder builder() {
        return EurekaRegistry.builder()
                .servers(server().baseUris())
                .renewInterval(RENEW)
                .leaseDuration(LEASE)
                .refreshInterval(REFRESH)
                .callTimeout(CALL_TIMEOUT)
                .backoff(Backoff.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2.0));
    }

    @Override
    protected ServiceRegistry newRegistry() {
        return SERVER.track(builder().build());
    }

    @Override
    protected ServiceRegistry newRegistryWithBackoff(Backoff backoff, Scheduler scheduler) {
        return builder().backoff(backoff).scheduler(scheduler).build();
    }

    @Override
    protected Capabilities capabilities() {
        var c = Capabilities.builder()
                .unsupported(
                        Fault.LATE_UPDATE,
                        "Eureka has no watch stream: discovery polls the REST API one request at a time, so no replaced stream can answer late")
                .propagation(Duration.ofSeconds(3))
                .reRegistration(RENEW.plusSeconds(4))
                .supports(Fault.SESSION_EXPIRY, Fault.DELETE_BEHIND_BACK, Fault.GARBAGE_ENTRY, Fault.WATCH_COUNT)
                .unsupported(
                        Fault.DROP_WATCH,
                        "Eureka has no watch stream to drop: discovery polls the REST API every refresh interval, "
                                + "and a failed poll is an outage, covered by SERVER_RESTART");
        if (server().supportsRestart()) {
            c.supports(Fault.SERVER_RESTART);
        } else {
            c.unsupported(
                    Fault.SERVER_RESTART,
                    "the server comes from " + "REGISTRY4J_TEST_EUREKA and the harness cannot restart it");
        }
        return c.build();
    }

    @Override
    protected Faults faults() {
        return new Faults() {
            @Override
            public void stopServer() {
                server().stop();
            }

            @Override
            public void startServer() {
                server().restart(); // Eureka keeps nothing on disk: the registry comes back empty
            }

            /**
             * Eureka has no session: the server expires a lease by evicting the instance, which is the same internal
             * cancel as a {@code DELETE}. So every lease the registry holds is cancelled on the server.
             */
            @Override
            public void expireSession(ServiceRegistry registry) {
                for (ServiceInstance i : SERVER.registered(registry)) {
                    for (URI endpoint : i.endpoints()) {
                        admin().delete(EurekaInstanceCodec.appName(i.name()), EurekaRegistry.instanceIdOf(i, endpoint));
                    }
                }
            }

            /**
             * Deletes right after the registry renewed the instance, as an operator's delete could land at any
             * moment: this moment leaves watchers a whole renew interval to see the deletion before the next renewal
             * answers 404 and the registry puts the instance back.
             */
            @Override
            public void deleteBehindBack(ServiceRegistry registry, ServiceInstance instance) {
                String app = EurekaInstanceCodec.appName(instance.name());
                for (URI endpoint : instance.endpoints()) {
                    String id = EurekaRegistry.instanceIdOf(instance, endpoint);
                    long seen = admin().lastRenewal(app, id);
                    Awaitility.await("a renewal of " + id)
                            .atMost(RENEW.multipliedBy(3))
                            .pollInterval(Duration.ofMillis(10))
                            .until(() -> admin().lastRenewal(app, id) != seen);
                    assertThat(admin().delete(app, id)).as("deleted " + id).isTrue();
                }
            }

            @Override
            public void writeGarbage(String service, String id) {
                String app = EurekaInstanceCodec.appName(service);
                admin().register(
                                app,
                                "{\"instance\":{\"instanceId\":\"" + id + "\",\"hostName\":\"127.0.0.1\",\"app\":\""
                                        + app + "\",\"ipAddr\":\"127.0.0.1\",\"status\":\"UP\","
                                        + "\"port\":{\"$\":7001,\"@enabled\":\"true\"},"
                                        + "\"dataCenterInfo\":{\"@class\":"
                                        + "\"com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo\","
                                        + "\"name\":\"MyOwn\"},"
                                        + "\"leaseInfo\":{\"renewalIntervalInSecs\":30,\"durationInSecs\":300},"
                                        + "\"metadata\":{\"registry4j.id\":\"" + id + "\",\"registry4j.name\":\""
                                        + service + "\",\"registry4j.endpoint\":\"::not a uri::\","
                                        + "\"registry4j.index\":\"first\",\"registry4j.rev\":\"1\"}}}");
            }

            @Override
            public void removeGarbage(String service, String id) {
                admin().delete(EurekaInstanceCodec.appName(service), id);
            }
        };
    }

    @Override
    protected String takeoverUndetectable() {
        return "Eureka keeps no owner per instance: registering an existing app/instance id replaces it (the server "
                + "answers 204 either way) and both clients then renew the same lease, so a takeover looks like an update";
    }

    @Override
    protected InjectedClient newRegistryOnInjectedClient() {
        return InjectedHttpClient.of(
                client -> builder().httpClient(client).build(),
                HttpRequest.newBuilder(URI.create(server().baseUri() + "/apps"))
                        .header("Accept", "application/json")
                        .timeout(Duration.ofSeconds(5))
                        .build());
    }
}
