package io.registry4j.resilience;

import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.ZooKeeperServer;

/** {@link ChurnScenario} on ZooKeeper; server side: client connections (one per session) and nodes. */
class ZooKeeperChurnTest extends ChurnScenario {
    @Override
    String backend() {
        return "zookeeper";
    }

    @Override
    Server start() {
        return new ZooKeeperSupport.ServerAdapter(ZooKeeperServer.start());
    }

    @Override
    ServiceRegistry open(String address) {
        return ZooKeeperSupport.registry(address);
    }
}
