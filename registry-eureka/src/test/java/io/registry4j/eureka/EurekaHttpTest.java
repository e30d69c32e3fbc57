package io.registry4j.eureka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.testkit.RegistryLeakCheck;
import io.registry4j.testservers.LoopbackPorts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The HTTP behaviour that the real server in the other tests cannot show (authentication, error statuses, a
 * compressed answer without its header, a server that answers 503), against a fake HTTP server that answers what
 * each test tells it to.
 */
@DisplayName("EurekaRegistry's HTTP transport, against a fake HTTP server")
@ExtendWith(RegistryLeakCheck.class)
class EurekaHttpTest {
    private static final String APP_JSON = "{\"application\":{\"name\":\"ORDERS\",\"instance\":[{\"instanceId\":\"o1\","
            + "\"app\":\"ORDERS\",\"ipAddr\":\"10.0.0.1\",\"status\":\"UP\",\"port\":{\"$\":80,\"@enabled\":\"true\"}}]}}";
    private static final ServiceInstance O1 = ServiceInstance.builder()
            .id("o1")
            .name("orders")
            .endpoint("http://10.0.0.1:80")
            .build();

    private final List<Fake> fakes = new ArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);

    /** What the fake answers to one request. */
    @FunctionalInterface
    interface Answer {
        void answer(HttpExchange exchange) throws IOException;
    }

    /** A fake HTTP server on a loopback port that records requests. */
    private static final class Fake implements AutoCloseable {
        final HttpServer server;
        final ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "test-fake-eureka");
            t.setDaemon(true);
            return t;
        });
        final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();

        Fake(Answer answer) throws IOException {
            server = HttpServer.create(new InetSocketAddress(LoopbackPorts.address(), LoopbackPorts.freePort()), 0);
            server.setExecutor(executor);
            server.createContext("/", exchange -> {
                Map<String, String> seen = new ConcurrentHashMap<>();
                seen.put("line", exchange.getRequestMethod() + " " + exchange.getRequestURI());
                exchange.getRequestHeaders()
                        .forEach((k, v) -> seen.put(k.toLowerCase(java.util.Locale.ROOT), v.get(0)));
                requests.add(seen);
                try {
                    answer.answer(exchange);
                } finally {
                    exchange.close();
                }
            });
            server.start();
        }

        URI base() {
            return URI.create(
                    "http://" + LoopbackPorts.host() + ":" + server.getAddress().getPort() + "/eureka");
        }

        @Override
        public void close() {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    private Fake fake(Answer answer) throws IOException {
        Fake f = new Fake(answer);
        fakes.add(f);
        return f;
    }

    @AfterEach
    void stopFakes() {
        release.countDown();
        fakes.forEach(Fake::close);
    }

    private static void send(HttpExchange exchange, int status, byte[] body, Map<String, String> headers)
            throws IOException {
        headers.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static byte[] gzip(String text) throws IOException {
        var bytes = new ByteArrayOutputStream();
        try (var out = new GZIPOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    private static EurekaRegistry.Builder builder(URI... servers) {
        return EurekaRegistry.builder().servers(List.of(servers)).callTimeout(Duration.ofSeconds(3));
    }

    @Test
    @DisplayName(
            "every request asks for JSON and gzip, and carries basic auth from the builder, user info or URL options")
    void headers() throws Exception {
        Fake f = fake(e -> send(e, 200, APP_JSON.getBytes(StandardCharsets.UTF_8), Map.of()));
        try (EurekaRegistry r = builder(f.base()).basicAuth("svc", "s3cret:é").build()) {
            assertThat(r.getService("orders")).containsExactly(O1);
        }
        URI withUser = URI.create(f.base().toString().replace("http://", "http://user%40corp:p%3Ass@"));
        try (EurekaRegistry r = builder(withUser).build()) {
            assertThat(r.getService("orders")).containsExactly(O1);
        }
        URI url = URI.create("eureka://" + f.base().getRawAuthority() + "/eureka?user=ops&password=pw");
        try (var r = io.registry4j.Registries.open(url)) {
            assertThat(r.getService("orders")).containsExactly(O1);
        }
        assertThat(f.requests).hasSize(3);
        assertThat(f.requests.get(2))
                .containsEntry(
                        "authorization",
                        "Basic " + Base64.getEncoder().encodeToString("ops:pw".getBytes(StandardCharsets.UTF_8)));
        assertThat(f.requests.get(0))
                .containsEntry("line", "GET /eureka/apps/ORDERS")
                .containsEntry("accept", "application/json")
                .containsEntry("accept-encoding", "gzip")
                .containsEntry(
                        "authorization",
                        "Basic " + Base64.getEncoder().encodeToString("svc:s3cret:é".getBytes(StandardCharsets.UTF_8)));
        assertThat(f.requests.get(1))
                .containsEntry(
                        "authorization",
                        "Basic "
                                + Base64.getEncoder()
                                        .encodeToString("user@corp:p:ss".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    @DisplayName("gzip answers are decompressed, with or without a Content-Encoding header")
    void gzipAnswers() throws Exception {
        Fake labelled = fake(e -> send(e, 200, gzip(APP_JSON), Map.of("Content-Encoding", "gzip")));
        Fake unlabelled = fake(e -> send(e, 200, gzip(APP_JSON), Map.of()));
        try (EurekaRegistry a = builder(labelled.base()).build();
                EurekaRegistry b = builder(unlabelled.base()).build()) {
            assertThat(a.getService("orders")).containsExactly(O1);
            assertThat(b.getService("orders")).containsExactly(O1);
        }
    }

    @Test
    @DisplayName("a server that answers 503 is left for the next one, which is then used first")
    void failoverOn5xx() throws Exception {
        Fake sick = fake(e -> send(e, 503, "busy".getBytes(StandardCharsets.UTF_8), Map.of()));
        Fake well = fake(e -> send(e, 200, APP_JSON.getBytes(StandardCharsets.UTF_8), Map.of()));
        try (EurekaRegistry r = builder(sick.base(), well.base()).build()) {
            assertThat(r.getService("orders")).containsExactly(O1);
            assertThat(r.getService("orders")).containsExactly(O1);
        }
        assertThat(sick.requests).hasSize(1);
        assertThat(well.requests).hasSize(2);
    }

    @Test
    @DisplayName("when every server answers 5xx, the call fails as UNAVAILABLE with the status and the body")
    void all5xx() throws Exception {
        Fake sick = fake(e -> send(e, 502, "bad gateway".getBytes(StandardCharsets.UTF_8), Map.of()));
        try (EurekaRegistry r = builder(sick.base()).build()) {
            assertThatThrownBy(() -> r.getService("orders"))
                    .isInstanceOfSatisfying(
                            RegistryException.class,
                            e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNAVAILABLE))
                    .hasMessageContaining("502")
                    .hasMessageContaining("bad gateway");
        }
    }

    @Test
    @DisplayName("401 and 403 fail as UNAUTHENTICATED and PERMISSION_DENIED, with a hint")
    void authFailures() throws Exception {
        Fake denied = fake(e -> send(e, e.getRequestMethod().equals("POST") ? 403 : 401, new byte[0], Map.of()));
        ServiceInstance x = ServiceInstance.builder()
                .id("x")
                .name("orders")
                .endpoint("http://10.0.0.2:80")
                .build();
        try (EurekaRegistry r = builder(denied.base()).build()) {
            assertThatThrownBy(() -> r.getService("orders"))
                    .isInstanceOfSatisfying(
                            RegistryException.class,
                            e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNAUTHENTICATED))
                    .hasMessageContaining("401")
                    .hasMessageContaining("authentication failed: the server asks for credentials")
                    .hasMessageContaining("add the options user=… and password=…");
            assertThatThrownBy(() -> r.register(x))
                    .isInstanceOfSatisfying(
                            RegistryException.class,
                            e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.PERMISSION_DENIED))
                    .hasMessageContaining("403")
                    .hasMessageContaining("CSRF");
        }
        try (EurekaRegistry r =
                builder(denied.base()).basicAuth("ops", "bad-pw-x9").build()) {
            assertThatThrownBy(() -> r.getService("orders"))
                    .isInstanceOfSatisfying(
                            RegistryException.class,
                            e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNAUTHENTICATED))
                    .hasMessageContaining("authentication failed for user ops")
                    .hasMessageNotContaining("bad-pw-x9");
        }
    }

    @Test
    @DisplayName("a server that never answers makes the call fail as TIMEOUT within the call timeout")
    void silentServer() throws Exception {
        Fake silent = fake(e -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        });
        try (EurekaRegistry r =
                builder(silent.base()).callTimeout(Duration.ofMillis(300)).build()) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> r.getService("orders"))
                    .isInstanceOfSatisfying(
                            RegistryException.class,
                            e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.TIMEOUT))
                    .hasMessageContaining("within 300 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }
}
