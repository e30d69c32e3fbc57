package io.registry4j.spring;

import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/** Real Spring Boot applications for the tests: a service that answers its port, and a caller. */
final class TestApps {
    private TestApps() {}

    /** What each greeter's shutdown probe saw, by the greeter's port. */
    static final Map<Integer, List<String>> SHUTDOWN_PROBES = new ConcurrentHashMap<>();

    /** The reader the shutdown probes ask whether their instance is still registered; set by the test. */
    static volatile @Nullable ServiceRegistry probeReader;

    static ConfigurableApplicationContext start(String name, String url, String... more) {
        List<String> props = new ArrayList<>(List.of("spring.application.name=" + name, "registry4j.url=" + url));
        props.addAll(List.of(more));
        return startWith(props.toArray(String[]::new));
    }

    static ConfigurableApplicationContext startWith(String... more) {
        List<String> props = new ArrayList<>(List.of(
                "server.port=0",
                "spring.main.banner-mode=off",
                "management.endpoints.web.exposure.include=health,registry4j",
                "management.endpoint.health.show-details=always"));
        props.addAll(List.of(more));
        return new SpringApplicationBuilder(App.class)
                .properties(props.toArray(String[]::new))
                .run();
    }

    static int port(ConfigurableApplicationContext app) {
        return Integer.parseInt(app.getEnvironment().getRequiredProperty("local.server.port"));
    }

    static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(url + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    /** The application: answers its own port at /who, calls others through a load-balanced RestClient. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    @RestController
    static class App {
        private final Environment environment;

        App(Environment environment) {
            this.environment = environment;
        }

        @GetMapping("/who")
        String who() {
            return environment.getRequiredProperty("local.server.port");
        }

        @Bean
        @LoadBalanced
        RestClient.Builder loadBalanced() {
            return RestClient.builder();
        }

        @Bean
        @LoadBalanced
        WebClient.Builder loadBalancedWebClient() {
            return WebClient.builder();
        }

        /**
         * Stops right after registry4j's registration: records whether the instance was still registered and whether
         * the web server still answered at that moment.
         */
        @Bean
        SmartLifecycle shutdownProbe(@Value("${spring.application.name:}") String name) {
            return new SmartLifecycle() {
                private volatile boolean running;

                @Override
                public void start() {
                    running = true;
                }

                @Override
                public void stop() {
                    running = false;
                    int port = Integer.parseInt(environment.getRequiredProperty("local.server.port"));
                    List<String> seen = new ArrayList<>();
                    ServiceRegistry reader = probeReader;
                    if (reader != null) {
                        boolean listed = false;
                        for (ServiceInstance i : reader.getService(name)) {
                            listed |= i.endpoints().stream().anyMatch(e -> e.getPort() == port);
                        }
                        seen.add(listed ? "registered" : "deregistered");
                    }
                    try {
                        seen.add("answered " + get("http://127.0.0.1:" + port + "/who"));
                    } catch (IOException | InterruptedException e) {
                        seen.add("refused: " + e);
                    }
                    SHUTDOWN_PROBES.put(port, seen);
                }

                @Override
                public boolean isRunning() {
                    return running;
                }

                @Override
                public int getPhase() {
                    return Registry4jAutoRegistration.PHASE - 1;
                }
            };
        }
    }
}
