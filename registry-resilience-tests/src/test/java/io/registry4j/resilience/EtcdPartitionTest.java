package io.registry4j.resilience;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.EtcdCluster;
import io.registry4j.testservers.NetworkNamespace;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
        try (Client client = Client.builder().endpoints(server.toString()).build()) {
            ByteSequence key =
                    ByteSequence.from(EtcdSupport.NAMESPACE + "/" + SERVICE + "/" + id, StandardCharsets.UTF_8);
            List<KeyValue> kvs =
                    client.getKVClient().get(key).get(5, TimeUnit.SECONDS).getKvs();
            return kvs.isEmpty() ? null : "lease " + Long.toHexString(kvs.get(0).getLease());
        }
    }

    @Override
    String documentedBound() {
        return "lease TTL " + TTL.toSeconds() + " s: LOST once unreachable past the TTL; RESTORED at the first "
                + "retry after the link returns (backoff ≤ 0.5 s here)";
    }
}
