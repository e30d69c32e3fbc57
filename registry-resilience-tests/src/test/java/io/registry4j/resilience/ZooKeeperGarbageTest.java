package io.registry4j.resilience;

import io.registry4j.spi.AbstractServiceRegistry;
import io.registry4j.testservers.ZooKeeperServer;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;

/** {@link GarbageScenario} on ZooKeeper: persistent nodes with bad data under {@code /microservices/billing}. */
class ZooKeeperGarbageTest extends GarbageScenario {
    @Override
    String backend() {
        return "zookeeper";
    }

    @Override
    Server start() {
        ZooKeeperServer zookeeper = ZooKeeperServer.start();
        return new Server() {
            @Override
            public String address() {
                return zookeeper.connectString();
            }

            @Override
            public void writeGarbage(List<byte[]> values) throws Exception {
                try (CuratorFramework client = ZooKeeperSupport.plainClient(zookeeper.connectString())) {
                    List<CuratorOp> creates = new ArrayList<>(values.size());
                    for (int i = 0; i < values.size(); i++) {
                        creates.add(client.transactionOp()
                                .create()
                                .forPath(ZooKeeperSupport.ROOT + "/" + SERVICE + "/g-" + i, values.get(i)));
                    }
                    client.transaction().forOperations(creates);
                }
            }

            @Override
            public void close() {
                zookeeper.close();
            }
        };
    }

    @Override
    AbstractServiceRegistry open(String address) {
        return ZooKeeperSupport.registry(address);
    }
}
