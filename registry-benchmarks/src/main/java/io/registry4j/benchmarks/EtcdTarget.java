package io.registry4j.benchmarks;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.support.CloseableClient;
import io.etcd.jetcd.watch.WatchEvent;
import io.grpc.stub.StreamObserver;
import io.registry4j.ServiceRegistry;
import io.registry4j.etcd.EtcdRegistry;
import io.registry4j.testservers.EtcdServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/** etcd: the etcd binary; the anchor is jetcd (lease grant + put, prefix watch, prefix get + Jackson). */
final class EtcdTarget implements Target {
    static final String NAMESPACE = EtcdRegistry.DEFAULT_NAMESPACE;

    private final EtcdServer server;
    private final Client probe;
    private final HttpClient http = HttpClient.newHttpClient();

    EtcdTarget() {
        server = EtcdServer.start();
        probe = Client.builder().endpoints(server.clientEndpoint()).build();
    }

    static ServiceRegistry open(String address) {
        return EtcdRegistry.builder().endpoints(address).build();
    }

    @Override
    public String backend() {
        return "etcd";
    }

    @Override
    public String address() {
        return server.clientEndpoint().toString();
    }

    @Override
    public ServiceRegistry openRegistry() {
        return open(address());
    }

    @Override
    public Sdk openSdk() {
        return new JetcdSdk(Client.builder().endpoints(server.clientEndpoint()).build());
    }

    @Override
    public String registerAnchor() {
        return "jetcd lease grant + keep-alive + put";
    }

    @Override
    public String watchAnchor() {
        return "jetcd prefix watch";
    }

    @Override
    public String readAnchor() {
        return "jetcd prefix get + Jackson databind";
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
        // jetcd has no lease listing: etcd's JSON gateway has (LeaseLeases).
        HttpResponse<byte[]> response = http.send(
                HttpRequest.newBuilder(URI.create(address() + "/v3/lease/leases"))
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("etcd lease listing answered HTTP " + response.statusCode());
        }
        return Json.MAPPER.readTree(response.body()).path("leases").size();
    }

    @Override
    public long serverWatches() throws Exception {
        URI metrics = URI.create(address() + "/metrics");
        String body = http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString())
                .body();
        return body.lines()
                .filter(line -> line.startsWith("etcd_debugging_mvcc_watcher_total "))
                .mapToLong(line -> (long)
                        Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim()))
                .findFirst()
                .orElse(-1);
    }

    @Override
    public void close() {
        probe.close();
        server.close();
    }

    static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    static String prefix(String service) {
        return NAMESPACE + "/" + service + "/";
    }

    private static final class JetcdSdk implements Sdk {
        private final Client client;
        private static final StreamObserver<LeaseKeepAliveResponse> IGNORE = new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse value) {}

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
        };

        private final Map<String, Long> leases = new ConcurrentHashMap<>();
        private final Map<Long, CloseableClient> keepAlives = new ConcurrentHashMap<>();

        JetcdSdk(Client client) {
            this.client = client;
        }

        @Override
        public void register(String service, int i) throws Exception {
            long lease =
                    client.getLeaseClient().grant(15).get(30, TimeUnit.SECONDS).getID();
            // A registration that outlives its TTL keeps its lease alive, as registry4j does.
            keepAlives.put(lease, client.getLeaseClient().keepAlive(lease, IGNORE));
            client.getKVClient()
                    .put(
                            bytes(prefix(service) + Instances.id(i)),
                            ByteSequence.from(Instances.kratosBytes(service, i)),
                            PutOption.builder().withLeaseId(lease).build())
                    .get(30, TimeUnit.SECONDS);
            leases.put(service + "/" + i, lease);
        }

        @Override
        public void deregister(String service, int i) throws Exception {
            Long lease = leases.remove(service + "/" + i);
            if (lease != null) {
                CloseableClient keepAlive = keepAlives.remove(lease);
                if (keepAlive != null) {
                    keepAlive.close();
                }
                client.getLeaseClient().revoke(lease).get(30, TimeUnit.SECONDS);
            }
        }

        @Override
        public AutoCloseable watch(String service, IntConsumer visible) {
            String prefix = prefix(service);
            Watch.Watcher watcher = client.getWatchClient()
                    .watch(bytes(prefix), WatchOption.builder().isPrefix(true).build(), Watch.listener(response -> {
                        for (WatchEvent event : response.getEvents()) {
                            if (event.getEventType() == WatchEvent.EventType.PUT) {
                                String key = event.getKeyValue().getKey().toString(StandardCharsets.UTF_8);
                                visible.accept(Instances.number(key.substring(prefix.length())));
                            }
                        }
                    }));
            return watcher;
        }

        @Override
        public void seed(String service, int n) throws Exception {
            List<CompletableFuture<?>> pending = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                pending.add(client.getKVClient()
                        .put(
                                bytes(prefix(service) + Instances.id(i)),
                                ByteSequence.from(Instances.kratosBytes(service, i))));
                if (pending.size() == 500) {
                    CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0]))
                            .get(60, TimeUnit.SECONDS);
                    pending.clear();
                }
            }
            CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0]))
                    .get(60, TimeUnit.SECONDS);
        }

        @Override
        public int read(String service) throws Exception {
            List<KeyValue> kvs = client.getKVClient()
                    .get(
                            bytes(prefix(service)),
                            GetOption.builder().isPrefix(true).build())
                    .get(30, TimeUnit.SECONDS)
                    .getKvs();
            List<KratosRecord> out = new ArrayList<>(kvs.size());
            for (KeyValue kv : kvs) {
                out.add(Json.MAPPER.readValue(kv.getValue().getBytes(), KratosRecord.class));
            }
            return out.size();
        }

        @Override
        public void close() {
            keepAlives.values().forEach(CloseableClient::close);
            client.close();
        }
    }
}
