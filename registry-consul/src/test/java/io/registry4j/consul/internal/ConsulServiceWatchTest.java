package io.registry4j.consul.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.registry4j.Backoff;
import io.registry4j.ServiceInstance;
import io.registry4j.http.internal.HttpTransport;
import io.registry4j.spi.Scheduler;
import io.registry4j.spi.ServiceViews;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The blocking-query loop against a scripted HTTP stub, for the client rules of Consul's blocking-query documentation
 * that a well-behaved agent (real or fake) never provokes: an index of 0, an index going backwards, a failing answer.
 */
@DisplayName("ConsulServiceWatch follows Consul's rules for blocking-query clients")
class ConsulServiceWatchTest {
    /** One scripted answer: status, index header (null for none) and body. */
    private record Answer(int status, String index, String body) {}

    private final BlockingQueue<Answer> script = new LinkedBlockingQueue<>();
    private final List<String> queries = new CopyOnWriteArrayList<>();
    private final List<List<ServiceInstance>> updates = new CopyOnWriteArrayList<>();
    private final List<Throwable> stale = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "stub-timers");
        t.setDaemon(true);
        return t;
    });
    private final HttpServer stub;
    private final ConsulServiceWatch watch;

    ConsulServiceWatchTest() throws Exception {
        stub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        stub.createContext("/", exchange -> {
            queries.add(String.valueOf(exchange.getRequestURI().getRawQuery()));
            Answer a;
            try {
                a = script.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.close();
                return;
            }
            byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
            if (!a.index().isEmpty()) {
                exchange.getResponseHeaders().add("X-Consul-Index", a.index());
            }
            exchange.sendResponseHeaders(a.status(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        stub.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "stub-consul");
            t.setDaemon(true);
            return t;
        }));
        stub.start();
        Scheduler scheduler = Scheduler.of(timers);
        var http = new HttpTransport(
                "consul",
                HttpClient.newHttpClient(),
                List.of(URI.create("http://127.0.0.1:" + stub.getAddress().getPort())),
                Map.of(),
                Duration.ofSeconds(5),
                Backoff.fixed(Duration.ofMillis(10)),
                scheduler,
                System::nanoTime);
        var sink = new ServiceViews.Sink() {
            @Override
            public void update(Collection<ServiceInstance> instances) {
                updates.add(List.copyOf(instances));
            }

            @Override
            public void stale(Throwable cause) {
                stale.add(cause);
            }

            @Override
            public void failed(Throwable cause) {
                stale.add(cause);
            }
        };
        watch = new ConsulServiceWatch(
                "s",
                sink,
                http,
                scheduler,
                Backoff.fixed(Duration.ofMillis(10)),
                Duration.ofSeconds(1),
                Duration.ZERO,
                index -> "/v1/health/service/s?passing" + (index > 0 ? "&index=" + index + "&wait=1s" : ""),
                r -> ConsulInstanceCodec.decodeHealth("s", r.body(), (k, e) -> {}),
                System::nanoTime);
    }

    @AfterEach
    void stop() {
        watch.close();
        stub.stop(0);
        timers.shutdownNow();
    }

    private static String entries(String... ids) {
        var out = new ArrayList<String>();
        for (String id : ids) {
            out.add("{\"Service\":{\"ID\":\"" + id + "\",\"Service\":\"s\",\"Address\":\"10.0.0.1\",\"Port\":80}}");
        }
        return "[" + String.join(",", out) + "]";
    }

    private void awaitQueries(int n) {
        Awaitility.await().until(() -> queries.size() >= n);
    }

    @Test
    @DisplayName("an index of 0 is used as 1, never as a non-blocking 0")
    void zeroIndexIsOne() {
        script.add(new Answer(200, "0", entries("a")));
        watch.start();
        awaitQueries(2);
        assertThat(queries.get(0)).isEqualTo("passing");
        assertThat(queries.get(1)).isEqualTo("passing&index=1&wait=1s");
    }

    @Test
    @DisplayName("an index that goes backwards resets the loop to a read without index")
    void backwardsIndexResets() {
        script.add(new Answer(200, "50", entries("a")));
        script.add(new Answer(200, "7", entries("a", "b")));
        watch.start();
        awaitQueries(3);
        assertThat(queries).containsExactly("passing", "passing&index=50&wait=1s", "passing");
        assertThat(updates.get(updates.size() - 1)).hasSize(2);
    }

    @Test
    @DisplayName("the same index again is not decoded again; a higher one is")
    void sameIndexIsNotDelivered() {
        script.add(new Answer(200, "5", entries("a")));
        script.add(new Answer(200, "5", entries("a", "b"))); // could not happen: same index, other body
        script.add(new Answer(200, "6", entries("a", "c")));
        watch.start();
        awaitQueries(4);
        Awaitility.await().until(() -> updates.size() >= 2);
        assertThat(updates).hasSize(2);
        assertThat(updates.get(1)).extracting(ServiceInstance::id).containsExactly("a", "c");
    }

    @Test
    @DisplayName("a failing answer marks the view stale and the loop retries, then delivers")
    void failureIsStaleThenRetried() {
        script.add(new Answer(500, "", "rpc error: No cluster leader"));
        script.add(new Answer(200, "3", entries("a")));
        watch.start();
        awaitQueries(3);
        Awaitility.await().until(() -> !updates.isEmpty());
        assertThat(stale).hasSize(1);
        assertThat(stale.get(0)).hasMessageContaining("500").hasMessageContaining("No cluster leader");
        assertThat(queries.get(1)).isEqualTo("passing");
    }

    @Test
    @DisplayName("after a failure the loop reads again without index, so a restarted agent cannot hold it a whole wait")
    void failureResetsTheIndex() {
        script.add(new Answer(200, "40", entries("a")));
        script.add(new Answer(503, "", "agent restarting"));
        script.add(new Answer(200, "2", entries("a", "b")));
        watch.start();
        awaitQueries(4);
        assertThat(queries.subList(0, 4))
                .containsExactly("passing", "passing&index=40&wait=1s", "passing", "passing&index=2&wait=1s");
        Awaitility.await().until(() -> updates.size() >= 2);
        assertThat(updates.get(1)).hasSize(2);
    }

    @Test
    @DisplayName("an empty service is delivered as empty")
    void emptyIsDelivered() {
        script.add(new Answer(200, "9", "[]"));
        watch.start();
        Awaitility.await().until(() -> !updates.isEmpty());
        assertThat(updates.get(0)).isEmpty();
    }
}
