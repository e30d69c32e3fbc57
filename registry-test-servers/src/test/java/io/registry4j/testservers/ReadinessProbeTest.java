package io.registry4j.testservers;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ReadinessProbeTest {
    private volatile String body = "{\"health\":\"false\"}";
    private volatile int status = 200;

    @Test
    void httpProbeIsReadyOnlyForA2xxAnswerWithTheExpectedBody() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(LoopbackPorts.address(), 0), 0);
        server.createContext("/health", exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
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
            body = "{\"health\":\"true\"}";
            assertThat(probe.isReady()).isTrue();
            status = 503;
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
