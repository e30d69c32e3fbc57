package io.registry4j.resilience;

import io.registry4j.eureka.EurekaRegistry;
import io.registry4j.testservers.EurekaServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Eureka helpers of the scenarios: registries, what the server holds, read over its REST API, and the shared server as
 * the scenarios see it.
 */
final class EurekaSupport {
    private static final Pattern ID = Pattern.compile("\"registry4j\\.id\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern INSTANCE_ID = Pattern.compile("\"instanceId\"\\s*:");
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(3))
            .build();

    private EurekaSupport() {}

    /** A registry with the given renewal timing, a 500 ms refresh, short calls and the fast backoff. */
    static EurekaRegistry registry(EurekaServer server, Duration renew, Duration lease) {
        return EurekaRegistry.builder()
                .servers(server.baseUris())
                .renewInterval(renew)
                .leaseDuration(lease)
                .refreshInterval(Duration.ofMillis(500))
                .callTimeout(Duration.ofSeconds(3))
                .backoff(Scenarios.FAST)
                .build();
    }

    /** The URL of one application (a service). */
    static URI app(EurekaServer server, String service) {
        return URI.create(server.baseUri() + "/apps/" + service.toUpperCase(Locale.ROOT));
    }

    /** The URL of every application. */
    static URI apps(EurekaServer server) {
        return URI.create(server.baseUri() + "/apps");
    }

    /** The registry4j ids in an answer of the REST API, duplicates kept. */
    static List<String> ids(String body) {
        return Scenarios.firstGroups(ID, body);
    }

    /** How many instances an answer of the REST API holds. */
    static int instanceCount(String body) {
        return (int) INSTANCE_ID.matcher(body).results().count();
    }

    /** A JSON GET from the test JVM: the body, or null on 404. */
    static @Nullable String get(URI uri) {
        HttpResponse<String> response = Scenarios.get(
                HTTP,
                HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(5))
                        .header("Accept", "application/json")
                        .build());
        if (response.statusCode() == 404) {
            return null;
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException(
                    "GET " + uri + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    /**
     * The shared Eureka server as the churn and partition scenarios see it: its address (also its {@link #toString()},
     * as the partition scenario takes it), and the instances and leases it holds, read over its REST API. Closing it
     * leaves the server to the end of the run.
     */
    static final class ServerAdapter implements ChurnScenario.Server, PartitionScenario.Server {
        private final EurekaServer eureka;

        ServerAdapter(EurekaServer eureka) {
            this.eureka = eureka;
        }

        @Override
        public String address() {
            return eureka.baseUri().toString();
        }

        @Override
        public Map<String, Set<String>> stored(List<String> services) {
            Map<String, Set<String>> out = new LinkedHashMap<>();
            for (String service : services) {
                String body = get(app(eureka, service));
                out.put(service, new TreeSet<>(body == null ? List.of() : ids(body)));
            }
            return out;
        }

        /** The leases (instances) the server holds. */
        @Override
        public Map<String, Integer> serverSide() {
            String body = Objects.requireNonNull(get(apps(eureka)));
            return Map.of("leases", instanceCount(body));
        }

        @Override
        public void close() {
            // Shared with the other Eureka scenarios; closed when the run ends.
        }

        @Override
        public String toString() {
            return eureka.baseUri().toString();
        }
    }
}
