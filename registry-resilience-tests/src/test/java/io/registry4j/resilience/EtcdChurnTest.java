package io.registry4j.resilience;

import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.EtcdServer;

/** {@link ChurnScenario} on etcd; server side: live leases and watch streams. */
class EtcdChurnTest extends ChurnScenario {
    @Override
    String backend() {
        return "etcd";
    }

    @Override
    Server start() {
        return new EtcdSupport.ServerAdapter(EtcdServer.start());
    }

    @Override
    ServiceRegistry open(String address) {
        return EtcdSupport.registry(address, EtcdSupport.LONG_TTL);
    }
}
