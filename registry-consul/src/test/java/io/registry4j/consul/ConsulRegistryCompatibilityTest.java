package io.registry4j.consul;

import static org.assertj.core.api.Assertions.assertThat;

import io.registry4j.Backoff;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.consul.internal.ConsulInstanceCodec;
import io.registry4j.spi.Scheduler;
import io.registry4j.testkit.Capabilities;
import io.registry4j.testkit.Fault;
import io.registry4j.testkit.Faults;
import io.registry4j.testkit.InjectedClient;
import io.registry4j.testkit.InjectedHttpClient;
import io.registry4j.testkit.KitServer;
import io.registry4j.testkit.RegistryCompatibilityKit;
import io.registry4j.testservers.ConsulServer;
import io.registry4j.testservers.FakeConsul;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole compatibility kit on the fake Consul agent ({@link FakeConsul}; Consul's own server is BSL and not used),
 * faults included: an agent restarted with empty state (every instance registered again after its heartbeat answered
 * 404), a service reaped by the agent (the form a lost session takes in Consul), a service deleted behind the
 * registry's back, blocked queries dropped without an answer, and a garbage entry with a malformed {@code Meta} key and
 * tagged address. With {@code REGISTRY4J_TEST_CONSUL=host:port} it runs on a real agent, without the faults.
 *
 * <p>Timings: heartbeat every 1 s (TTL 2 s), call timeout 10 s, blocking queries of 5 s; the fake's spurious wake-ups
 * are frequent.
 */
@DisplayName("ConsulRegistry passes the compatibility kit on the fake Consul agent")
class ConsulRegistryCompatibilityTest extends RegistryCompatibilityKit {
    /** The server, and what each registry made by {@link #newRegistry()} has registered, to remove it there. */
    @RegisterExtension
    static final KitServer<ConsulServer> SERVER = new KitServer<>("Consul agent", ConsulTestSupport::startServer);

    static ConsulServer server() {
        return SERVER.get();
    }

    @Override
    protected ServiceRegistry newRegistry() {
        return SERVER.track(ConsulTestSupport.builder(server()).build());
    }

    @Override
    protected ServiceRegistry newRegistryWithBackoff(Backoff backoff, Scheduler scheduler) {
        return SERVER.track(ConsulTestSupport.builder(server())
                .backoff(backoff)
                .scheduler(scheduler)
                .build());
    }

    /**
     * Consul's agent API has no compare-and-set: {@code PUT /v1/agent/service/register} replaces a service of the
     * same id, whoever registered it, and Kratos' Consul registry relies on that to update.
     */
    @Override
    protected String takeoverUndetectable() {
        return "Consul's PUT /v1/agent/service/register replaces a service of the same id, with no compare-and-set";
    }

    @Override
    protected Capabilities capabilities() {
        var c = Capabilities.builder()
                .unsupported(
                        Fault.LATE_UPDATE,
                        "a Consul watch is one blocking-query loop that has one query in flight at a time, retries itself after a failure instead of being replaced, and drops an answer that comes after it was closed")
                .propagation(Duration.ofSeconds(3))
                .reRegistration(ConsulTestSupport.HEARTBEAT.plusSeconds(5));
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

            /** A Consul agent without a data directory comes back empty, with a lower index. */
            @Override
            public void startServer() {
                server().requireFake().restartEmpty();
            }

            /**
             * Consul has no session: an instance whose heartbeats stopped turns critical and is reaped by the agent,
             * which is the same deregistration as this; the registry learns of it at its next heartbeat (404).
             */
            @Override
            public void expireSession(ServiceRegistry registry) {
                for (ServiceInstance i : SERVER.registered(registry)) {
                    server().requireFake().removeService(i.id());
                }
            }

            /**
             * Deletes right after a heartbeat, as an operator's deregister could land at any moment: this moment
             * leaves watchers a whole heartbeat interval to see the deletion before the registry puts it back.
             */
            @Override
            public void deleteBehindBack(ServiceRegistry registry, ServiceInstance instance) {
                FakeConsul fake = server().requireFake();
                String pass = "/v1/agent/check/pass/service:" + instance.id() + "?";
                fake.awaitNextRequest(
                        "a heartbeat of " + instance.id(),
                        r -> r.contains(pass),
                        ConsulTestSupport.HEARTBEAT.multipliedBy(4));
                assertThat(fake.removeService(instance.id()))
                        .as("deleted " + instance.id())
                        .isTrue();
            }

            @Override
            public void dropWatches(ServiceRegistry registry) {
                server().requireFake().dropBlockedQueries();
            }

            @Override
            public void writeGarbage(String service, String id) {
                server().requireFake()
                        .putRawService(
                                "{\"ID\":\"" + id + "\",\"Service\":\"" + service + "\",\"Tags\":[\"version=1\"],"
                                        + "\"Address\":\"\",\"Port\":0,\"Meta\":{\"" + ConsulInstanceCodec.ESCAPED_KEY
                                        + "not-hex\":\"x\"},\"TaggedAddresses\":{\"grpc\":{\"Address\":\"::not a uri::\","
                                        + "\"Port\":0}}}");
            }

            @Override
            public void removeGarbage(String service, String id) {
                server().requireFake().removeService(id);
            }
        };
    }

    @Override
    protected InjectedClient newRegistryOnInjectedClient() {
        return InjectedHttpClient.of(
                client -> ConsulTestSupport.builder(server()).httpClient(client).build(),
                HttpRequest.newBuilder(URI.create(server().baseUri() + "/v1/catalog/services"))
                        .timeout(Duration.ofSeconds(5))
                        .build());
    }
}
