package io.registry4j.testservers;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ReadinessProbeTest {

    @Test
    void httpProbeIsReadyOnlyForA2xxAnswerWithTheExpectedBody() throws Exception {
        AtomicReference<String> body = new AtomicReference<>("{\"health\":\"false\"}");
        AtomicReference<Integer> status = new AtomicReference<>(200);
        HttpServer server = HttpServer.create(new InetSocketAddress(LoopbackPorts.address(), 0), 0);
        server.createContext("/health", exchange -> {
            byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status.get(), bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        try {
            URI health = URI.create(
                    "http://" + LoopbackPorts.host() + ":" + server.getAddress().getPort() + "/health");
            ReadinessProbe probe = ReadinessProbe.httpGet(health, text -> text.contains("\"health\":\"true\""));

            assertThat(probe.isReady()).isFalse();
            body.set("{\"health\":\"true\"}");
            assertThat(probe.isReady()).isTrue();
            status.set(503);
            assertThat(probe.isReady()).isFalse();
        } finally {
            server.stop(0);
        }
    }

    @Test
    void httpProbeIsNotReadyWhileNothingListens() throws Exception {
        URI nobody = URI.create("http://" + LoopbackPorts.host() + ":" + LoopbackPorts.freePort() + "/health");

        assertThat(ReadinessProbe.httpGet(nobody, text -> true).isReady()).isFalse();
    }
}
