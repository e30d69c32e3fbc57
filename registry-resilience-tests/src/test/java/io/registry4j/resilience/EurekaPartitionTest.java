package io.registry4j.resilience;

import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.EurekaServer;
import io.registry4j.testservers.NetworkNamespace;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link PartitionScenario} on the shared Eureka server (a single node without peers: the partition cuts the clients
 * off that one server) in its network namespace.
 */
@ExtendWith(SharedServers.class)
class EurekaPartitionTest extends PartitionScenario {
    static final Duration RENEW = Duration.ofSeconds(1);
    static final Duration LEASE = Duration.ofSeconds(2);

    private static final Pattern REGISTERED_AT = Pattern.compile("\"registrationTimestamp\"\\s*:\\s*(\\d+)");

    @Override
    String backend() {
        return "eureka";
    }

    @Override
    Server start(NetworkNamespace namespace) {
        throw new UnsupportedOperationException("the Eureka server is shared: see setUp()");
    }

    @Override
    Setup setUp() {
        SharedServers.Shared<EurekaServer> shared = SharedServers.eureka();
        return new Setup(shared.namespace(), new EurekaSupport.ServerAdapter(shared.server), false);
    }

    @Override
    ServiceRegistry open(Server server) {
        return EurekaSupport.registry(SharedServers.eureka().server, RENEW, LEASE);
    }

    @Override
    @Nullable
    String holder(Server server, String id) {
        String body = EurekaSupport.get(EurekaSupport.app(SharedServers.eureka().server, SERVICE));
        if (body == null || !EurekaSupport.ids(body).contains(id)) {
            return null;
        }
        Matcher m = REGISTERED_AT.matcher(body);
        return m.find() ? "lease registered at " + m.group(1) : "a lease without registrationTimestamp";
    }

    @Override
    String lossLearnedOnlyOnReturn() {
        return "a Eureka lease is the server's alone: the client learns that it expired from the first renewal the "
                + "server answers (404); renewals that time out say nothing about the lease";
    }

    @Override
    boolean heldWhileCut(Setup setup, String id) {
        String body = InsideNamespace.get(
                setup.namespace(), EurekaSupport.app(SharedServers.eureka().server, SERVICE), "application/json");
        return EurekaSupport.ids(body).contains(id);
    }

    @Override
    String documentedBound() {
        return "lease " + LEASE.toSeconds() + " s, renewals every " + RENEW.toSeconds() + " s: Netflix's server "
                + "evicts after twice the lease (its known off-by-one-duration), eviction task every 1 s here; "
                + "RESTORED after the first renewal answered 404 once the link is back";
    }
}
