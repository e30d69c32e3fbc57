package io.registry4j.resilience;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.registry4j.spi.AbstractServiceRegistry;
import io.registry4j.testservers.EtcdServer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** {@link GarbageScenario} on etcd: bad values under {@code /microservices/billing/}. */
class EtcdGarbageTest extends GarbageScenario {
    @Override
    String backend() {
        return "etcd";
    }

    @Override
    Server start() {
        EtcdServer etcd = EtcdServer.start();
        return new Server() {
            @Override
            public String address() {
                return etcd.endpoints();
            }

            @Override
            public void writeGarbage(List<byte[]> values) throws Exception {
                try (Client client =
                        Client.builder().endpoints(etcd.endpoints().split(",")).build()) {
                    KV kv = client.getKVClient();
                    List<CompletableFuture<?>> puts = new ArrayList<>(values.size());
                    for (int i = 0; i < values.size(); i++) {
                        ByteSequence key = ByteSequence.from(
                                EtcdSupport.NAMESPACE + "/" + SERVICE + "/g-" + i, StandardCharsets.UTF_8);
                        puts.add(kv.put(key, ByteSequence.from(values.get(i))));
                    }
                    CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new))
                            .get(60, TimeUnit.SECONDS);
                }
            }

            @Override
            public void close() {
                etcd.close();
            }
        };
    }

    @Override
    AbstractServiceRegistry open(String address) {
        return EtcdSupport.registry(address, EtcdSupport.LONG_TTL);
    }
}
