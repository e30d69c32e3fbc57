package io.registry4j.resilience;

import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.NetworkNamespace;
import io.registry4j.testservers.ZooKeeperProcess;
import org.jspecify.annotations.Nullable;

/** {@link PartitionScenario} on a ZooKeeper server (child JVM) in its own network namespace. */
class ZooKeeperPartitionTest extends PartitionScenario {
    @Override
    String backend() {
        return "zookeeper";
    }

    @Override
    Server start(NetworkNamespace namespace) {
        ZooKeeperProcess zookeeper = ZooKeeperProcess.start(namespace);
        return new Server() {
            @Override
            public void close() {
                zookeeper.close();
            }

            @Override
            public String toString() {
                return zookeeper.connectString();
            }
        };
    }

    @Override
    ServiceRegistry open(Server server) {
        return ZooKeeperSupport.registry(server.toString());
    }

    @Override
    @Nullable
    String holder(Server server, String id) throws Exception {
        return ZooKeeperSupport.holder(server.toString(), SERVICE, id);
    }

    @Override
    String documentedBound() {
        return "session timeout " + ZooKeeperSupport.SESSION_TIMEOUT.toSeconds()
                + " s: LOST when Curator declares the session lost; RESTORED in the new session after the link returns";
    }
}
