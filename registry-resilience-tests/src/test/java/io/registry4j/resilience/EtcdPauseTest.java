package io.registry4j.resilience;

import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.EtcdServer;
import org.jspecify.annotations.Nullable;

/** {@link PauseScenario} on etcd: the paused owner's lease expires. */
class EtcdPauseTest extends PauseScenario {
    @Override
    String backend() {
        return "etcd";
    }

    @Override
    AutoCloseable startServer() {
        return EtcdServer.start();
    }

    @Override
    String address(AutoCloseable server) {
        return ((EtcdServer) server).endpoints();
    }

    @Override
    ServiceRegistry open(String address) {
        return EtcdSupport.registry(address, TTL);
    }

    @Override
    @Nullable
    String holder(String address, String id) throws Exception {
        return EtcdSupport.holder(address, SERVICE, id);
    }
}
