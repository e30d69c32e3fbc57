package io.registry4j.resilience;

import io.registry4j.spi.AbstractServiceRegistry;
import io.registry4j.testservers.EtcdServer;

/** {@link GarbageScenario} on etcd: bad values under {@code /microservices/billing/}. */
class EtcdGarbageTest extends GarbageScenario {
    @Override
    String backend() {
        return "etcd";
    }

    @Override
    Server start() {
        return new EtcdSupport.ServerAdapter(EtcdServer.start());
    }

    @Override
    AbstractServiceRegistry open(String address) {
        return EtcdSupport.registry(address, EtcdSupport.LONG_TTL);
    }
}
