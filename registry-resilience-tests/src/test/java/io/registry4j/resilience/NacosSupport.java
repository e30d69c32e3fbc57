package io.registry4j.resilience;

import com.alibaba.nacos.api.naming.NamingFactory;
import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.pojo.Instance;
import io.registry4j.nacos.NacosRegistry;
import io.registry4j.testservers.NacosServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Nacos helpers of the scenarios: registries with short checks, what the server says through its admin API, and the
 * shared server as the scenarios see it.
 */
final class NacosSupport {
    /** The SDK's cache of every client the scenarios build, under target/. */
    static final Path SDK_DIRECTORY = Path.of("target", "nacos-sdk").toAbsolutePath();

    private static final Pattern CLIENT_ID = Pattern.compile("\"clientId\"\\s*:\\s*\"([^\"]+)\"");
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    private NacosSupport() {}

    /** A registry with short calls, a 1 s instance check and the fast backoff. */
    static NacosRegistry registry(String serverAddr) {
        return registry(serverAddr, Duration.ofSeconds(5), Map.of());
    }

    /** As {@link #registry(String)}, with the given call timeout and raw SDK properties (for a slow link). */
    static NacosRegistry registry(String serverAddr, Duration callTimeout, Map<String, String> sdkProperties) {
        NacosRegistry.Builder builder = NacosRegistry.builder();
        sdkProperties.forEach(builder::property);
        return builder.serverAddresses(serverAddr)
                .sdkDirectory(SDK_DIRECTORY)
                .callTimeout(callTimeout)
                .instanceCheckInterval(Duration.ofSeconds(1))
                .backoff(Scenarios.FAST)
                .build();
    }

    /** The admin API's publishers of the Kratos-layout service {@code <service>.grpc}: the connections holding it. */
    static URI publishers(NacosServer server, String service) {
        return URI.create(server.httpUri() + "/v3/admin/ns/client/service/publisher/list?namespaceId=public"
                + "&groupName=DEFAULT_GROUP&ephemeral=true&serviceName=" + service + ".grpc");
    }

    /** The admin API's list of client (connection) ids. */
    static URI clients(NacosServer server) {
        return URI.create(server.httpUri() + "/v3/admin/ns/client/list");
    }

    /** The server's clients: one per SDK connection. */
    static int clientCount(NacosServer nacos) {
        String body = get(clients(nacos));
        int start = body.indexOf("\"data\":[");
        int end = body.indexOf(']', start);
        String data = start < 0 || end < 0 ? "" : body.substring(start + 8, end).strip();
        return data.isEmpty() ? 0 : data.split(",", -1).length;
    }

    /** The client ids in an admin API answer. */
    static List<String> clientIds(String body) {
        return Scenarios.firstGroups(CLIENT_ID, body);
    }

    /** A GET of the admin API from the test JVM; the body, which must say {@code "code":0}. */
    static String get(URI uri) {
        HttpResponse<String> response = Scenarios.get(
                HTTP, HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build());
        if (response.statusCode() != 200 || !response.body().contains("\"code\":0")) {
            throw new IllegalStateException(
                    "GET " + uri + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    /**
     * The shared Nacos server as the churn, degraded-link and partition scenarios see it: its address (also its
     * {@link #toString()}, as the partition scenario takes it), the instances read with a plain Nacos SDK client, and
     * the connections holding them read through the admin API. Closing it leaves the server to the end of the run.
     */
    static final class ServerAdapter
            implements ChurnScenario.Server, DegradedLinkScenario.Server, PartitionScenario.Server {
        private final NacosServer nacos;

        ServerAdapter(NacosServer nacos) {
            this.nacos = nacos;
        }

        @Override
        public String address() {
            return nacos.serverAddr();
        }

        @Override
        public Map<String, Set<String>> stored(List<String> services) throws Exception {
            Properties p = new Properties();
            p.setProperty("serverAddr", nacos.serverAddr());
            p.setProperty("JM.SNAPSHOT.PATH", SDK_DIRECTORY.toString());
            NamingService naming = NamingFactory.createNamingService(p);
            try {
                Map<String, Set<String>> out = new LinkedHashMap<>();
                for (String service : services) {
                    Set<String> ids = new TreeSet<>();
                    // Kratos' layout: <name>.<scheme>; the registry's id is in the instance's metadata.
                    for (Instance instance : naming.getAllInstances(service + ".grpc", false)) {
                        ids.add(instance.getMetadata().get("registry4j.id"));
                    }
                    out.put(service, ids);
                }
                return out;
            } finally {
                naming.shutDown();
            }
        }

        /** The server's clients (one per SDK connection). */
        @Override
        public Map<String, Integer> serverSide() {
            Map<String, Integer> out = new LinkedHashMap<>();
            out.put("clients", clientCount(nacos));
            return out;
        }

        @Override
        public Set<String> holders(String service) {
            Set<String> out = new TreeSet<>();
            clientIds(get(publishers(nacos, service))).forEach(id -> out.add("connection " + id));
            return out;
        }

        @Override
        public void close() {
            // Shared with the other Nacos scenarios; closed when the run ends.
        }

        @Override
        public String toString() {
            return nacos.serverAddr();
        }
    }
}
