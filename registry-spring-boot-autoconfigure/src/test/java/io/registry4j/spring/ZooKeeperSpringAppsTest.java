package io.registry4j.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.registry4j.testservers.KratosPeer;
import io.registry4j.testservers.ZooKeeperServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;

/**
 * The Spring applications on a real ZooKeeper (curator-test), and a service registered by Kratos' own ZooKeeper
 * registrar (the Kratos peer) called from a Spring application by name through the same load balancer.
 */
class ZooKeeperSpringAppsTest extends SpringAppsContract {
    private static ZooKeeperServer zooKeeper;

    @BeforeAll
    static void startServer() {
        zooKeeper = ZooKeeperServer.start();
    }

    @AfterAll
    static void stopServer() {
        if (zooKeeper != null) {
            zooKeeper.close();
        }
    }

    @Override
    String url() {
        return "zookeeper://" + zooKeeper.connectString() + "?sessionTimeout="
                + ZooKeeperServer.MAX_SESSION_TIMEOUT.toSeconds() + "s";
    }

    /**
     * The peer registers through Kratos' registrar but serves no HTTP, so the instance it registers carries the HTTP
     * endpoint of a small JDK HTTP server this test runs.
     */
    @Test
    void aSpringAppCallsAServiceKratosRegisteredByName() throws Exception {
        String service = "kratos-greeter-" + UUID.randomUUID().toString().substring(0, 8);
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/who", exchange -> {
            byte[] body = "kratos-1".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        http.start();
        try (KratosPeer peer = KratosPeer.start();
                KratosPeer.Registration go = peer.register(KratosPeer.Backend.zookeeper(zooKeeper))) {
            go.register(new KratosPeer.Instance(
                    "kratos-1",
                    service,
                    "v1.0.0",
                    Map.of("zone", "z1"),
                    List.of(
                            "grpc://127.0.0.1:9",
                            "http://127.0.0.1:" + http.getAddress().getPort())));
            ConfigurableApplicationContext caller = TestApps.start("caller-" + service, url());
            try {
                RestClient client = caller.getBean(RestClient.Builder.class).build();
                assertThat(client.get()
                                .uri("http://" + service + "/who")
                                .retrieve()
                                .body(String.class))
                        .isEqualTo("kratos-1");
            } finally {
                caller.close();
            }
        } finally {
            http.stop(0);
        }
    }
}
