package io.registry4j.resilience;

import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.EtcdServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@link ChurnScenario} on etcd; server side: live leases and watch streams. */
class EtcdChurnTest extends ChurnScenario {
    private static final Pattern LEASE_ID = Pattern.compile("\"ID\"");
    private static final Pattern WATCH_STREAMS =
            Pattern.compile("(?m)^etcd_debugging_mvcc_watch_stream_total\\s+(\\d+)");
    private static final Pattern WATCHERS = Pattern.compile("(?m)^etcd_debugging_mvcc_watcher_total\\s+(\\d+)");

    @Override
    String backend() {
        return "etcd";
    }

    @Override
    Server start() {
        EtcdServer etcd = EtcdServer.start();
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        return new Server() {
            @Override
            public String address() {
                return etcd.endpoints();
            }

            @Override
            public Map<String, Set<String>> stored(List<String> services) throws Exception {
                Map<String, Set<String>> out = new LinkedHashMap<>();
                for (String service : services) {
                    out.put(service, new TreeSet<>(EtcdSupport.storedIds(etcd.endpoints(), service)));
                }
                return out;
            }

            @Override
            public Map<String, Integer> serverSide() throws Exception {
                URI base = etcd.clientEndpoint();
                String leases = http.send(
                                HttpRequest.newBuilder(base.resolve("/v3/lease/leases"))
                                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
                String metrics = http.send(
                                HttpRequest.newBuilder(base.resolve("/metrics")).build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
                Map<String, Integer> out = new LinkedHashMap<>();
                out.put("leases", (int) LEASE_ID.matcher(leases).results().count());
                out.put("watch streams", gauge(WATCH_STREAMS, metrics));
                out.put("watchers", gauge(WATCHERS, metrics));
                return out;
            }

            @Override
            public void close() {
                etcd.close();
            }
        };
    }

    private static int gauge(Pattern pattern, String metrics) {
        Matcher matcher = pattern.matcher(metrics);
        if (!matcher.find()) {
            throw new IllegalStateException("etcd's /metrics has no " + pattern.pattern());
        }
        return Integer.parseInt(matcher.group(1));
    }

    @Override
    ServiceRegistry open(String address) {
        return EtcdSupport.registry(address, EtcdSupport.LONG_TTL);
    }
}
