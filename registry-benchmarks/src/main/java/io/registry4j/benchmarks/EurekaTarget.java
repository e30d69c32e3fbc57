package io.registry4j.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.eureka.EurekaRegistry;
import io.registry4j.eureka.internal.EurekaInstanceCodec;
import io.registry4j.testservers.EurekaServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Eureka: Netflix's server in a child JVM; the anchor is the REST API through the JDK {@link HttpClient} (what the
 * Eureka client does underneath), polled at the same interval as registry4j's refresh.
 */
final class EurekaTarget implements Target {
    /** registry4j's refresh interval and the anchor's poll interval. */
    static final Duration POLL = Duration.ofMillis(500);

    private final EurekaServer server;
    private final HttpClient probe = HttpClient.newHttpClient();

    EurekaTarget() {
        server = EurekaServer.start();
    }

    static ServiceRegistry open(String address) {
        return EurekaRegistry.builder().server(address).refreshInterval(POLL).build();
    }

    static String app(String service) {
        return service.toUpperCase(Locale.ROOT);
    }

    @Override
    public String backend() {
        return "Eureka";
    }

    @Override
    public String address() {
        return server.baseUri().toString();
    }

    @Override
    public ServiceRegistry openRegistry() {
        return open(address());
    }

    @Override
    public Sdk openSdk() {
        return new RestSdk(HttpClient.newHttpClient(), address());
    }

    @Override
    public String registerAnchor() {
        return "JDK HttpClient POST /apps/{app} of the same JSON";
    }

    @Override
    public String watchAnchor() {
        return "GET /apps/{app} polled every " + POLL.toMillis() + " ms, one poller for every watch (registry4j "
                + "refreshes as often)";
    }

    @Override
    public String readAnchor() {
        return "JDK HttpClient GET /apps/{app} + Jackson tree";
    }

    @Override
    public boolean fastPropagation() {
        return false;
    }

    @Override
    public List<Integer> readSizes(Profile profile) {
        return List.of(1_000, 10_000);
    }

    @Override
    public long serverResidue(String service) throws Exception {
        return RestSdk.instances(probe, address(), service).size();
    }

    @Override
    public long serverWatches() {
        return -1;
    }

    @Override
    public void close() {
        server.close();
    }

    private static final class RestSdk implements Sdk {
        private final HttpClient http;
        private final String base;
        /** Listeners per watched service; one poller serves them all, one GET per service and poll. */
        private final Map<String, List<IntConsumer>> watches = new ConcurrentHashMap<>();

        private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "registry4j-bench-eureka-poll");
            t.setDaemon(true);
            return t;
        });
        private @Nullable ScheduledFuture<?> polling;
        /** registry4j's default lease, so that a registration carries the same JSON on both sides. */
        private static final int LEASE_SECONDS = 30;

        private static final int SEED_LEASE_SECONDS = 3600;

        RestSdk(HttpClient http, String base) {
            this.http = http;
            this.base = base;
        }

        /** The very JSON registry4j sends (its codec), so that both sides ask the server for the same work. */
        static byte[] body(String service, int i, int leaseSeconds) {
            return EurekaInstanceCodec.encode(
                    Instances.of(service, i), 0, System.currentTimeMillis(), 10, leaseSeconds);
        }

        static String instanceId(String service, int i) {
            ServiceInstance instance = Instances.of(service, i);
            return EurekaInstanceCodec.instanceId(instance, instance.endpoints().get(0));
        }

        static List<JsonNode> instances(HttpClient http, String base, String service) throws Exception {
            HttpResponse<byte[]> response = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/apps/" + app(service)))
                            .header("Accept", "application/json")
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            List<JsonNode> out = new ArrayList<>();
            if (response.statusCode() == 404) {
                return out;
            }
            check(response.statusCode(), "GET /apps/" + app(service));
            JsonNode instance =
                    Json.MAPPER.readTree(response.body()).path("application").path("instance");
            if (instance.isArray()) {
                instance.forEach(out::add);
            } else if (instance.isObject()) {
                out.add(instance);
            }
            return out;
        }

        static void check(int status, String what) {
            if (status / 100 != 2) {
                throw new IllegalStateException(what + " answered HTTP " + status);
            }
        }

        @Override
        public void register(String service, int i) throws Exception {
            post(service, i, LEASE_SECONDS);
        }

        private void post(String service, int i, int leaseSeconds) throws Exception {
            HttpResponse<Void> r = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/apps/" + app(service)))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body(service, i, leaseSeconds)))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            check(r.statusCode(), "POST /apps/" + app(service));
        }

        @Override
        public void deregister(String service, int i) throws Exception {
            HttpResponse<Void> r = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/apps/" + app(service) + "/" + instanceId(service, i)))
                            .DELETE()
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            check(r.statusCode(), "DELETE /apps/" + app(service));
        }

        /**
         * What a REST user without a client library would write (and what the Eureka client does with its one
         * registry fetch for every listener): one poller for every watch, one GET per watched service and poll.
         */
        @Override
        public synchronized AutoCloseable watch(String service, IntConsumer visible) {
            watches.computeIfAbsent(service, s -> new CopyOnWriteArrayList<>()).add(visible);
            if (polling == null) {
                polling = poller.scheduleWithFixedDelay(this::poll, 0, POLL.toMillis(), TimeUnit.MILLISECONDS);
            }
            return () -> {
                List<IntConsumer> listeners = watches.get(service);
                if (listeners != null) {
                    listeners.remove(visible);
                }
            };
        }

        private void poll() {
            for (Map.Entry<String, List<IntConsumer>> watch : watches.entrySet()) {
                if (watch.getValue().isEmpty()) {
                    continue;
                }
                try {
                    for (JsonNode instance : instances(http, base, watch.getKey())) {
                        int number = Instances.number(instance.path("metadata")
                                .path(EurekaInstanceCodec.ID)
                                .asText());
                        for (IntConsumer listener : watch.getValue()) {
                            listener.accept(number);
                        }
                    }
                } catch (Exception e) {
                    // A failed poll is retried at the next tick, as the Eureka client does.
                }
            }
        }

        /**
         * Seeds with a lease of an hour: nothing renews these records, and with registry4j's 30 s lease the server
         * would evict the first of 10,000 before the last is written (the reads would then measure a service of a
         * few thousand instances, shrinking while it is measured).
         */
        @Override
        public void seed(String service, int n) throws Exception {
            for (int i = 0; i < n; i++) {
                post(service, i, SEED_LEASE_SECONDS);
            }
        }

        @Override
        public int read(String service) throws Exception {
            return instances(http, base, service).size();
        }

        @Override
        public void close() {
            poller.shutdownNow();
        }
    }
}
