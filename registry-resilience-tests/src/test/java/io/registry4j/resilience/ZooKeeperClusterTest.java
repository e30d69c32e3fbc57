package io.registry4j.resilience;

import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.ZooKeeperEnsemble;
import java.util.List;
import java.util.OptionalInt;

/** {@link ClusterScenario} on a three-server ZooKeeper ensemble (curator-test, in this JVM). */
class ZooKeeperClusterTest extends ClusterScenario {
    @Override
    String backend() {
        return "zookeeper";
    }

    @Override
    Cluster startCluster() {
        ZooKeeperEnsemble ensemble = ZooKeeperEnsemble.start(3);
        return new Cluster() {
            @Override
            public int size() {
                return ensemble.size();
            }

            @Override
            public OptionalInt leader() {
                return ensemble.leader();
            }

            @Override
            public void kill(int member) {
                ensemble.kill(member);
            }

            @Override
            public void restart(int member) {
                ensemble.restart(member);
            }

            @Override
            public void close() {
                ensemble.close();
            }

            @Override
            public String toString() {
                return ensemble.connectString();
            }
        };
    }

    @Override
    ServiceRegistry open(Cluster cluster) {
        return ZooKeeperSupport.registry(cluster.toString());
    }

    @Override
    List<String> stored(Cluster cluster) throws Exception {
        return ZooKeeperSupport.storedIds(cluster.toString(), SERVICE);
    }

    @Override
    String registrationBound() {
        return "session timeout (" + ZooKeeperSupport.SESSION_TIMEOUT.toSeconds()
                + " s granted) after the quorum returns, then re-created at once, then backoff";
    }

    @Override
    String watchBound() {
        return "stale at Curator SUSPENDED (connection loss, ~2/3 of the session timeout); recovered at the next sync";
    }
}
