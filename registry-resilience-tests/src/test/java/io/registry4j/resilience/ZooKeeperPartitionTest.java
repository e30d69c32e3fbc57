package io.registry4j.resilience;

import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.NetworkNamespace;
import io.registry4j.testservers.ZooKeeperProcess;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.data.Stat;
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
        try (CuratorFramework client = ZooKeeperSupport.plainClient(server.toString())) {
            Stat stat = client.checkExists().forPath(ZooKeeperSupport.ROOT + "/" + SERVICE + "/" + id);
            return stat == null ? null : "session " + Long.toHexString(stat.getEphemeralOwner());
        }
    }

    @Override
    String documentedBound() {
        return "session timeout " + ZooKeeperSupport.SESSION_TIMEOUT.toSeconds()
                + " s: LOST when Curator declares the session lost; RESTORED in the new session after the link returns";
    }
}
