package io.registry4j.benchmarks;

import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.LoopbackPorts;
import io.registry4j.zookeeper.ZooKeeperRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Watcher;

/** ZooKeeper: curator-test's server; the anchor is Curator (create ephemeral, CuratorCache, children + data reads). */
final class ZooKeeperTarget implements Target {
    static final String ROOT = ZooKeeperRegistry.DEFAULT_ROOT_PATH;

    /**
     * ZooKeeper's default tick (2 s): sessions may last up to 40 s. The test harness' server ticks every 100 ms (2 s
     * sessions at most, for fast expiry tests), and on a machine shared by many builds a client starved for 2 s loses
     * its session in the middle of a measure.
     */
    private static final int TICK_MILLIS = 2000;

    private final TestingServer server;
    private final CuratorFramework probe;

    ZooKeeperTarget() throws Exception {
        Path dataDir = Files.createTempDirectory("registry4j-bench-zookeeper");
        server = new TestingServer(
                new InstanceSpec(
                        dataDir.toFile(),
                        LoopbackPorts.freePort(),
                        -1,
                        -1,
                        true,
                        1,
                        TICK_MILLIS,
                        -1,
                        Map.of("clientPortAddress", LoopbackPorts.address().getHostAddress()),
                        LoopbackPorts.host()),
                true);
        probe = curator(server.getConnectString());
    }

    static ServiceRegistry open(String address) {
        return ZooKeeperRegistry.builder().connectString(address).build();
    }

    static CuratorFramework curator(String connectString) throws InterruptedException {
        CuratorFramework client = CuratorFrameworkFactory.newClient(connectString, new RetryOneTime(100));
        client.start();
        if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
            client.close();
            throw new IllegalStateException("Curator could not connect to " + connectString);
        }
        return client;
    }

    @Override
    public String backend() {
        return "ZooKeeper";
    }

    @Override
    public String address() {
        return server.getConnectString();
    }

    @Override
    public ServiceRegistry openRegistry() {
        return open(address());
    }

    @Override
    public Sdk openSdk() throws InterruptedException {
        return new CuratorSdk(curator(address()));
    }

    @Override
    public String registerAnchor() {
        return "Curator create ephemeral";
    }

    @Override
    public String watchAnchor() {
        return "Curator persistent recursive watch + getData";
    }

    @Override
    public String readAnchor() {
        return "Curator children + data of each + Jackson databind";
    }

    @Override
    public boolean fastPropagation() {
        return true;
    }

    @Override
    public List<Integer> readSizes(Profile profile) {
        return List.of(1_000, 10_000);
    }

    @Override
    public long serverResidue(String service) throws Exception {
        String path = ZKPaths.makePath(ROOT, service);
        return probe.checkExists().forPath(path) == null
                ? 0
                : probe.getChildren().forPath(path).size();
    }

    @Override
    public long serverWatches() {
        return -1;
    }

    @Override
    public void close() {
        probe.close();
        try {
            server.close();
        } catch (IOException e) {
            System.err.println("closing the ZooKeeper server: " + e);
        }
    }

    private static final class CuratorSdk implements Sdk {
        private final CuratorFramework client;

        CuratorSdk(CuratorFramework client) {
            this.client = client;
        }

        @Override
        public void register(String service, int i) throws Exception {
            client.create()
                    .creatingParentContainersIfNeeded()
                    .withMode(CreateMode.EPHEMERAL)
                    .forPath(ZKPaths.makePath(ROOT, service, Instances.id(i)), Instances.kratosBytes(service, i));
        }

        @Override
        public void deregister(String service, int i) throws Exception {
            client.delete().forPath(ZKPaths.makePath(ROOT, service, Instances.id(i)));
        }

        @Override
        public AutoCloseable watch(String service, IntConsumer visible) throws Exception {
            String path = ZKPaths.makePath(ROOT, service);
            client.createContainers(path);
            // A persistent recursive watch, then a read of the new node's data, as a ZooKeeper client must.
            Watcher watcher = event -> {
                String node = event.getPath();
                if (event.getType() == Watcher.Event.EventType.NodeCreated && node != null) {
                    try {
                        client.getData()
                                .inBackground((c, read) -> {
                                    if (read.getResultCode() == 0) {
                                        Json.MAPPER.readValue(read.getData(), KratosRecord.class);
                                        visible.accept(Instances.number(ZKPaths.getNodeFromPath(node)));
                                    }
                                })
                                .forPath(node);
                    } catch (Exception e) {
                        throw new IllegalStateException("read " + node, e);
                    }
                }
            };
            client.watchers()
                    .add()
                    .withMode(AddWatchMode.PERSISTENT_RECURSIVE)
                    .usingWatcher(watcher)
                    .forPath(path);
            return () -> client.watchers()
                    .remove(watcher)
                    .ofType(Watcher.WatcherType.Any)
                    .forPath(path);
        }

        @Override
        public void seed(String service, int n) throws Exception {
            String path = ZKPaths.makePath(ROOT, service);
            client.createContainers(path);
            CountDownLatch done = new CountDownLatch(n);
            AtomicReference<Exception> failure = new AtomicReference<>();
            for (int i = 0; i < n; i++) {
                client.create()
                        .withMode(CreateMode.PERSISTENT)
                        .inBackground((c, event) -> {
                            if (event.getResultCode() != 0) {
                                failure.compareAndSet(
                                        null,
                                        new IllegalStateException("create " + event.getPath() + " failed with code "
                                                + event.getResultCode()));
                            }
                            done.countDown();
                        })
                        .forPath(ZKPaths.makePath(path, Instances.id(i)), Instances.kratosBytes(service, i));
            }
            if (!done.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("seeding " + service + " timed out");
            }
            Exception e = failure.get();
            if (e != null) {
                throw e;
            }
        }

        @Override
        public int read(String service) throws Exception {
            String path = ZKPaths.makePath(ROOT, service);
            List<String> children = client.getChildren().forPath(path);
            List<CompletableFuture<byte[]>> reads = new ArrayList<>(children.size());
            for (String child : children) {
                CompletableFuture<byte[]> read = new CompletableFuture<>();
                client.getData()
                        .inBackground((c, event) -> read.complete(event.getData()))
                        .forPath(ZKPaths.makePath(path, child));
                reads.add(read);
            }
            List<KratosRecord> out = new ArrayList<>(children.size());
            for (CompletableFuture<byte[]> read : reads) {
                out.add(Json.MAPPER.readValue(read.get(30, TimeUnit.SECONDS), KratosRecord.class));
            }
            return out.size();
        }

        @Override
        public void close() {
            client.close();
        }
    }
}
