package io.registry4j.resilience;

import io.registry4j.spi.AbstractServiceRegistry;
import io.registry4j.testservers.ZooKeeperServer;

/** {@link GarbageScenario} on ZooKeeper: persistent nodes with bad data under {@code /microservices/billing}. */
class ZooKeeperGarbageTest extends GarbageScenario {
    @Override
    String backend() {
        return "zookeeper";
    }

    @Override
    Server start() {
        return new ZooKeeperSupport.ServerAdapter(ZooKeeperServer.start());
    }

    @Override
    AbstractServiceRegistry open(String address) {
        return ZooKeeperSupport.registry(address);
    }
}
