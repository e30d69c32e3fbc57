package io.registry4j.resilience;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.registry4j.etcd.EtcdRegistry;
import io.registry4j.testservers.EtcdServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * etcd helpers of the scenarios: registries with short leases, the raw view of what etcd stores, and the server as the
 * scenarios see it.
 */
final class EtcdSupport {
    static final String NAMESPACE = "/microservices";

    /** A lease TTL for scenarios that do not expire leases: long enough for a loaded machine. */
    static final Duration LONG_TTL = Duration.ofSeconds(10);

    /** The gRPC keepalive time of the scenarios' etcd clients: grpc-java's minimum. */
    static final Duration KEEPALIVE_TIME = Duration.ofSeconds(10);

    /** How long the scenarios' etcd clients wait for a keepalive answer. */
    static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(2);

    private EtcdSupport() {}

    /** A registry with a short lease TTL, short calls and the fast backoff. */
    static EtcdRegistry registry(String endpoints, Duration ttl) {
        return registry(endpoints, ttl, Duration.ofSeconds(5), Duration.ofMillis(500), KEEPALIVE_TIMEOUT);
    }

    /**
     * As {@link #registry(String, Duration)}, with the given call timeout, key check interval (which also bounds each
     * check) and gRPC keepalive timeout, for a slow link.
     */
    static EtcdRegistry registry(
            String endpoints,
            Duration ttl,
            Duration callTimeout,
            Duration keyCheckInterval,
            Duration keepaliveTimeout) {
        return EtcdRegistry.builder()
                .endpoints(endpoints.split(","))
                .ttl(ttl)
                .callTimeout(callTimeout)
                .keyCheckInterval(keyCheckInterval)
                .backoff(Scenarios.FAST)
                // jetcd pings every 30 s and waits 10 s for the answer by default, so a watch notices a silent
                // partition after about 40 s; grpc-java pings at most every 10 s.
                .customizeClient(client -> client.keepaliveTime(KEEPALIVE_TIME).keepaliveTimeout(keepaliveTimeout))
                .build();
    }

    /** The ids of the keys under {@code <namespace>/<service>/}, read with a plain jetcd client, duplicates kept. */
    static List<String> storedIds(String endpoints, String service) throws Exception {
        String prefix = NAMESPACE + "/" + service + "/";
        List<KeyValue> kvs = keyValues(endpoints, service);
        List<String> ids = new ArrayList<>(kvs.size());
        for (KeyValue kv : kvs) {
            ids.add(kv.getKey().toString(StandardCharsets.UTF_8).substring(prefix.length()));
        }
        return ids;
    }

    /** The keys under {@code <namespace>/<service>/} and their values, read with a plain jetcd client. */
    private static List<KeyValue> keyValues(String endpoints, String service) throws Exception {
        try (Client client = Client.builder().endpoints(endpoints.split(",")).build()) {
            ByteSequence prefix = ByteSequence.from(NAMESPACE + "/" + service + "/", StandardCharsets.UTF_8);
            return client.getKVClient()
                    .get(prefix, GetOption.builder().isPrefix(true).build())
                    .get(5, TimeUnit.SECONDS)
                    .getKvs();
        }
    }

    /** The lease of the key of instance {@code id} of {@code service}, read with a plain jetcd client; null if none. */
    static @Nullable String holder(String endpoints, String service, String id) throws Exception {
        try (Client client = Client.builder().endpoints(endpoints.split(",")).build()) {
            ByteSequence key = ByteSequence.from(NAMESPACE + "/" + service + "/" + id, StandardCharsets.UTF_8);
            List<KeyValue> kvs =
                    client.getKVClient().get(key).get(5, TimeUnit.SECONDS).getKvs();
            return kvs.isEmpty() ? null : "lease " + Long.toHexString(kvs.get(0).getLease());
        }
    }

    /**
     * One etcd server as the churn, degraded-link and garbage scenarios see it: its address, and what it holds, read
     * and written with a plain jetcd client (and its HTTP gateway and metrics). Closing it stops the server.
     */
    static final class ServerAdapter
            implements ChurnScenario.Server, DegradedLinkScenario.Server, GarbageScenario.Server {
        private static final Pattern LEASE_ID = Pattern.compile("\"ID\"");
        private static final Pattern WATCH_STREAMS =
                Pattern.compile("(?m)^etcd_debugging_mvcc_watch_stream_total\\s+(\\d+)");
        private static final Pattern WATCHERS = Pattern.compile("(?m)^etcd_debugging_mvcc_watcher_total\\s+(\\d+)");

        private final EtcdServer etcd;
        private @Nullable HttpClient http; // guarded by this; made by the first serverSide()

        ServerAdapter(EtcdServer etcd) {
            this.etcd = etcd;
        }

        @Override
        public String address() {
            return etcd.endpoints();
        }

        @Override
        public Map<String, Set<String>> stored(List<String> services) throws Exception {
            Map<String, Set<String>> out = new LinkedHashMap<>();
            for (String service : services) {
                out.put(service, new TreeSet<>(storedIds(etcd.endpoints(), service)));
            }
            return out;
        }

        /** Live leases (the HTTP gateway's list) and watch streams and watchers (the metrics). */
        @Override
        public Map<String, Integer> serverSide() throws Exception {
            HttpClient client = http();
            URI base = etcd.clientEndpoint();
            String leases = client.send(
                            HttpRequest.newBuilder(base.resolve("/v3/lease/leases"))
                                    .POST(HttpRequest.BodyPublishers.ofString("{}"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            String metrics = client.send(
                            HttpRequest.newBuilder(base.resolve("/metrics")).build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            Map<String, Integer> out = new LinkedHashMap<>();
            out.put("leases", (int) LEASE_ID.matcher(leases).results().count());
            out.put("watch streams", gauge(WATCH_STREAMS, metrics));
            out.put("watchers", gauge(WATCHERS, metrics));
            return out;
        }

        private synchronized HttpClient http() {
            HttpClient h = http;
            if (h == null) {
                h = HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(2))
                        .build();
                http = h;
            }
            return h;
        }

        private static int gauge(Pattern pattern, String metrics) {
            Matcher matcher = pattern.matcher(metrics);
            if (!matcher.find()) {
                throw new IllegalStateException("etcd's /metrics has no " + pattern.pattern());
            }
            return Integer.parseInt(matcher.group(1));
        }

        @Override
        public Set<String> holders(String service) throws Exception {
            Set<String> out = new TreeSet<>();
            keyValues(etcd.endpoints(), service).forEach(kv -> out.add("lease " + Long.toHexString(kv.getLease())));
            return out;
        }

        @Override
        public void writeGarbage(List<byte[]> values) throws Exception {
            try (Client client =
                    Client.builder().endpoints(etcd.endpoints().split(",")).build()) {
                KV kv = client.getKVClient();
                List<CompletableFuture<?>> puts = new ArrayList<>(values.size());
                for (int i = 0; i < values.size(); i++) {
                    ByteSequence key = ByteSequence.from(
                            NAMESPACE + "/" + GarbageScenario.SERVICE + "/g-" + i, StandardCharsets.UTF_8);
                    puts.add(kv.put(key, ByteSequence.from(values.get(i))));
                }
                CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            }
        }

        @Override
        public void close() {
            etcd.close();
        }
    }
}
