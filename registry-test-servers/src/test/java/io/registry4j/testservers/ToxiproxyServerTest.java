package io.registry4j.testservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Toxiproxy the harness builds and runs: its API makes a proxy, bytes pass through it, a {@code timeout} toxic
 * drops them while the connection stays open and closes that connection when it is removed, after which a new one
 * passes bytes again; a restart comes back empty.
 */
class ToxiproxyServerTest {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static ToxiproxyServer toxiproxy;

    @BeforeAll
    static void start() {
        toxiproxy = ToxiproxyServer.start();
    }

    @AfterAll
    static void stop() {
        if (toxiproxy != null) {
            toxiproxy.close();
        }
    }

    @Test
    void buildsTheServerIntoTheUserCacheOutsideTheSourceTree() {
        Path binary = ToxiproxyServer.BUILD.binary(TestEnvironment.system());

        assertThat(binary).isExecutable().startsWith(ToxiproxyServer.BUILD.cacheRoot());
        assertThat(Objects.requireNonNull(binary.getParent()).getFileName().toString())
                .isEqualTo(ToxiproxyServer.BUILD.sourceHash(ToxiproxyServer.BUILD.findSource()));
    }

    @Test
    void aTimeoutToxicDropsDataOnAnOpenConnectionAndClosesItWhenRemoved() throws Exception {
        int listen = LoopbackPorts.freePort();
        try (ServerSocket upstream = new ServerSocket(0, 1, LoopbackPorts.address())) {
            String proxy = "harness-test";
            assertThat(call("POST", "/proxies", """
                            {"name":"%s","listen":"%s:%d","upstream":"%s:%d"}""".formatted(
                            proxy, LoopbackPorts.host(), listen, LoopbackPorts.host(), upstream.getLocalPort())))
                    .isEqualTo(201);
            try {
                try (Socket client = new Socket(LoopbackPorts.address(), listen);
                        Socket server = upstream.accept()) {
                    client.setSoTimeout(1_000);
                    server.getOutputStream().write("one".getBytes(StandardCharsets.US_ASCII));
                    assertThat(read(client.getInputStream(), 3)).isEqualTo("one");

                    assertThat(call("POST", "/proxies/" + proxy + "/toxics", """
                                    {"name":"stop","type":"timeout","stream":"downstream","attributes":{"timeout":0}}"""))
                            .isEqualTo(200);
                    server.getOutputStream().write("two".getBytes(StandardCharsets.US_ASCII));
                    assertThatThrownBy(() -> read(client.getInputStream(), 3))
                            .isInstanceOf(SocketTimeoutException.class);

                    assertThat(call("DELETE", "/proxies/" + proxy + "/toxics/stop", null))
                            .isEqualTo(204);
                    assertThat(read(client.getInputStream(), 3))
                            .as("the connection held by the toxic, closed when it is removed; what it held is gone")
                            .isEmpty();
                }
                try (Socket client = new Socket(LoopbackPorts.address(), listen);
                        Socket server = upstream.accept()) {
                    client.setSoTimeout(1_000);
                    server.getOutputStream().write("six".getBytes(StandardCharsets.US_ASCII));
                    assertThat(read(client.getInputStream(), 3))
                            .as("a new connection after the toxic")
                            .isEqualTo("six");
                }
            } finally {
                call("DELETE", "/proxies/" + proxy, null);
            }
        }
    }

    @Test
    void restartComesBackOnTheSamePortWithoutProxies() throws Exception {
        assertThat(call("POST", "/proxies", """
                        {"name":"before-restart","listen":"%s:%d","upstream":"%s:%d"}""".formatted(
                                LoopbackPorts.host(),
                                LoopbackPorts.freePort(),
                                LoopbackPorts.host(),
                                LoopbackPorts.freePort())))
                .isEqualTo(201);

        toxiproxy.restart();

        HttpResponse<String> proxies = HTTP.send(
                HttpRequest.newBuilder(toxiproxy.apiUri().resolve("/proxies")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(proxies.statusCode()).isEqualTo(200);
        assertThat(proxies.body().strip()).isEqualTo("{}");
    }

    @Test
    void anOverrideNamesARunningApiAndIsNeverStopped() {
        ToxiproxyServer external = ToxiproxyServer.start(TestEnvironment.of(
                Map.of("REGISTRY4J_TEST_TOXIPROXY", toxiproxy.apiHost() + ":" + toxiproxy.apiPort())));

        assertThat(external.isExternal()).isTrue();
        assertThat(external.apiUri()).isEqualTo(toxiproxy.apiUri());
        assertThatThrownBy(external::stop).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> ToxiproxyServer.start(TestEnvironment.of(Map.of("REGISTRY4J_TEST_TOXIPROXY", "nope"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("REGISTRY4J_TEST_TOXIPROXY");
        external.close();
        assertThat(toxiproxy.isRunning()).isTrue();
    }

    private static int call(String method, String path, @Nullable String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(toxiproxy.apiUri().resolve(path))
                .timeout(Duration.ofSeconds(5))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static String read(InputStream in, int length) throws IOException {
        byte[] bytes = in.readNBytes(length);
        return new String(bytes, StandardCharsets.US_ASCII);
    }
}
