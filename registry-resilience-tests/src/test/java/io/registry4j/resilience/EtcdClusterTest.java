package io.registry4j.resilience;

import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.EtcdCluster;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

/** {@link ClusterScenario} on a three-member etcd cluster (three etcd processes on loopback). */
class EtcdClusterTest extends ClusterScenario {
    static final Duration TTL = Duration.ofSeconds(2);

    @Override
    String backend() {
        return "etcd";
    }

    @Override
    Cluster startCluster() {
        EtcdCluster etcd = EtcdCluster.start(3);
        return new Cluster() {
            @Override
            public int size() {
                return etcd.size();
            }

            @Override
            public OptionalInt leader() {
                return etcd.leader();
            }

            @Override
            public void kill(int member) {
                etcd.kill(member);
            }

            @Override
            public void restart(int member) {
                etcd.restart(member);
            }

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
    ServiceRegistry open(Cluster cluster) {
        return EtcdSupport.registry(cluster.toString(), TTL);
    }

    @Override
    List<String> stored(Cluster cluster) throws Exception {
        return EtcdSupport.storedIds(cluster.toString(), SERVICE);
    }

    @Override
    String registrationBound() {
        return "lease TTL (" + TTL.toSeconds() + " s) after the last renewal, then re-granted at once, then backoff";
    }

    @Override
    String watchBound() {
        return "stale when etcd cancels a leaderless watch (requireLeader); recovered after backoff (≤ 0.5 s here)";
    }
}
