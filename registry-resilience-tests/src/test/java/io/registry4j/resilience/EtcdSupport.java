package io.registry4j.resilience;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.registry4j.etcd.EtcdRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** etcd helpers of the scenarios: registries with short leases, and the raw view of what etcd stores. */
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
        try (Client client = Client.builder().endpoints(endpoints.split(",")).build()) {
            String prefix = NAMESPACE + "/" + service + "/";
            ByteSequence key = ByteSequence.from(prefix, StandardCharsets.UTF_8);
            List<KeyValue> kvs = client.getKVClient()
                    .get(key, GetOption.builder().isPrefix(true).build())
                    .get(5, TimeUnit.SECONDS)
                    .getKvs();
            List<String> ids = new ArrayList<>(kvs.size());
            for (KeyValue kv : kvs) {
                ids.add(kv.getKey().toString(StandardCharsets.UTF_8).substring(prefix.length()));
            }
            return ids;
        }
    }
}
