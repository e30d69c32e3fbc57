package io.registry4j.resilience;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.EtcdServer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
        try (Client client = Client.builder().endpoints(address.split(",")).build()) {
            ByteSequence key =
                    ByteSequence.from(EtcdSupport.NAMESPACE + "/" + SERVICE + "/" + id, StandardCharsets.UTF_8);
            List<KeyValue> kvs =
                    client.getKVClient().get(key).get(5, TimeUnit.SECONDS).getKvs();
            return kvs.isEmpty() ? null : "lease " + Long.toHexString(kvs.get(0).getLease());
        }
    }
}
