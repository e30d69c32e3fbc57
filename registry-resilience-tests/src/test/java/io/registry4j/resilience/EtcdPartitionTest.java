package io.registry4j.resilience;

import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.EtcdCluster;
import io.registry4j.testservers.NetworkNamespace;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** {@link PartitionScenario} on one etcd in its own network namespace. */
class EtcdPartitionTest extends PartitionScenario {
    static final Duration TTL = Duration.ofSeconds(2);

    @Override
    String backend() {
        return "etcd";
    }

    @Override
    Server start(NetworkNamespace namespace) {
        EtcdCluster etcd = EtcdCluster.start(1, namespace);
        return new Server() {
            @Override
            public void close() {
                etcd.close();
            }

            @Override
            public String toString() {
                return etcd.endpoints();
            }
        };
    }

    @Override
    ServiceRegistry open(Server server) {
        return EtcdSupport.registry(server.toString(), TTL);
    }

    @Override
    @Nullable
    String holder(Server server, String id) throws Exception {
        return EtcdSupport.holder(server.toString(), SERVICE, id);
    }

    @Override
    String documentedBound() {
        return "lease TTL " + TTL.toSeconds() + " s: LOST once unreachable past the TTL; RESTORED at the first "
                + "retry after the link returns (backoff ≤ 0.5 s here)";
    }
}
