package io.registry4j.resilience;

import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.ZooKeeperServer;
import org.jspecify.annotations.Nullable;

/** {@link PauseScenario} on ZooKeeper: the paused owner's session expires. */
class ZooKeeperPauseTest extends PauseScenario {
    @Override
    String backend() {
        return "zookeeper";
    }

    @Override
    AutoCloseable startServer() {
        return ZooKeeperServer.start();
    }

    @Override
    String address(AutoCloseable server) {
        return ((ZooKeeperServer) server).connectString();
    }

    @Override
    ServiceRegistry open(String address) {
        return ZooKeeperSupport.registry(address);
    }

    @Override
    @Nullable
    String holder(String address, String id) throws Exception {
        return ZooKeeperSupport.holder(address, SERVICE, id);
    }
}
