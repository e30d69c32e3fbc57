package io.registry4j.eureka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.testservers.EurekaServer;
import io.registry4j.testservers.TestEnvironment;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The harness's Eureka server, as this module's tests rely on it. */
@DisplayName("The test harness's Eureka server")
class EurekaTestServerTest {

    @Test
    @DisplayName("the server's jars stay in the forked JVM: none is on this test class path")
    void serverJarsStayOffTheTestClassPath() {
        for (String name : List.of(
                "com.netflix.eureka.Jersey3EurekaBootStrap",
                "com.netflix.discovery.DiscoveryClient",
                "org.eclipse.jetty.server.Server",
                "org.glassfish.jersey.server.ResourceConfig",
                "com.netflix.config.ConfigurationManager")) {
            assertThatThrownBy(() -> Class.forName(name)).as(name).isInstanceOf(ClassNotFoundException.class);
        }
        assertThat(getClass().getClassLoader().getResource(EurekaServer.CLASSPATH_RESOURCE))
                .as("the launcher's class path resource")
                .isNotNull();
    }

    @Test
    @DisplayName("a local server comes back empty on the same port after a restart, and can be frozen and thawed")
    void restartPauseResume() throws Exception {
        try (EurekaServer server = EurekaServer.start(TestEnvironment.of(Map.of()), List.of())) {
            assertThat(server.isExternal()).isFalse();
            assertThat(server.baseUri().toString()).endsWith("/eureka").startsWith("http://127.0.0.1:");
            var admin = new EurekaAdmin(server.baseUri());
            admin.register("PROBE", EurekaAdmin.foreignInstance("PROBE", "p1", "10.0.0.1", 80, Map.of()));
            assertThat(admin.app("PROBE")).hasSize(1);
            URI before = server.baseUri();
            server.restart();
            assertThat(server.baseUri()).isEqualTo(before);
            assertThat(admin.app("PROBE")).isEmpty();
            HttpClient client = HttpClient.newHttpClient();
            HttpRequest apps = HttpRequest.newBuilder(URI.create(server.baseUri() + "/apps"))
                    .header("Accept", "application/json")
                    .timeout(Duration.ofMillis(300))
                    .build();
            server.pause();
            try {
                assertThatThrownBy(() -> client.send(apps, HttpResponse.BodyHandlers.ofString()))
                        .isInstanceOf(HttpTimeoutException.class);
            } finally {
                server.resume();
            }
            assertThat(client.send(apps, HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    @DisplayName("REGISTRY4J_TEST_EUREKA names an external server, which the harness neither starts nor restarts")
    void externalServer() {
        EurekaServer external = EurekaServer.start(
                TestEnvironment.of(Map.of(
                        "REGISTRY4J_TEST_EUREKA", "http://eureka-1.example:8761/eureka/,http://eureka-2.example:1/e")),
                List.of());
        assertThat(external.isExternal()).isTrue();
        assertThat(external.supportsRestart()).isFalse();
        assertThat(external.baseUris())
                .containsExactly(
                        URI.create("http://eureka-1.example:8761/eureka"), URI.create("http://eureka-2.example:1/e"));
        assertThatThrownBy(external::restart)
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("REGISTRY4J_TEST_EUREKA");
        external.close();
        assertThatThrownBy(() -> EurekaServer.start(
                        TestEnvironment.of(Map.of("REGISTRY4J_TEST_EUREKA", "eureka-host:8761")), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("eureka-host:8761");
    }
}
