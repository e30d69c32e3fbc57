package io.registry4j.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.registry4j.Endpoints;
import io.registry4j.Registries;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.spring.cloud.Registry4jReactiveDiscoveryClient;
import io.registry4j.spring.cloud.Registry4jServiceInstance;
import io.registry4j.spring.cloud.Registry4jServiceInstanceListSupplier;
import io.registry4j.spring.cloud.Registry4jSpringServiceRegistry;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/** Real Spring Boot applications registering and calling each other by name on one backend. */
abstract class SpringAppsContract {

    /** The registry URL the applications use. */
    abstract String url();

    @Test
    void aCallerReachesEveryInstanceByNameAndOnlyTheLiveOnesAfterOneStops() throws Exception {
        String service = "greeter-" + UUID.randomUUID().toString().substring(0, 8);
        try (ServiceRegistry reader = Registries.open(url())) {
            TestApps.probeReader = reader;
            ConfigurableApplicationContext a1 = TestApps.start(service, url());
            ConfigurableApplicationContext a2 = TestApps.start(service, url());
            ConfigurableApplicationContext b = TestApps.start("caller-" + service, url());
            try {
                int p1 = TestApps.port(a1);
                int p2 = TestApps.port(a2);
                assertThat(p1).isPositive().isNotEqualTo(p2);

                // Each instance registered with the port its web server actually listens on (server.port=0).
                await().atMost(TestTime.patience())
                        .untilAsserted(() ->
                                assertThat(ports(reader.getService(service))).containsExactlyInAnyOrder(p1, p2));

                // The caller's LoadBalancer takes the service's instances from the registry4j watch.
                assertThat(b.getBean(LoadBalancerClientFactory.class)
                                .getInstance(service, ServiceInstanceListSupplier.class))
                        .isInstanceOf(Registry4jServiceInstanceListSupplier.class);
                RestClient client = b.getBean(RestClient.Builder.class).build();
                Set<String> answered = new HashSet<>();
                for (int i = 0; i < 10; i++) {
                    answered.add(client.get()
                            .uri("http://" + service + "/who")
                            .retrieve()
                            .body(String.class));
                }
                assertThat(answered).containsExactlyInAnyOrder(String.valueOf(p1), String.valueOf(p2));

                // The reactive side: a @LoadBalanced WebClient reaches both too.
                WebClient webClient = b.getBean(WebClient.Builder.class).build();
                Set<String> answeredReactively = new HashSet<>();
                for (int i = 0; i < 10; i++) {
                    answeredReactively.add(webClient
                            .get()
                            .uri("http://" + service + "/who")
                            .retrieve()
                            .bodyToMono(String.class)
                            .block(TestTime.patience()));
                }
                assertThat(answeredReactively).containsExactlyInAnyOrder(String.valueOf(p1), String.valueOf(p2));

                // The reactive discovery client and Spring Cloud's ServiceRegistry see the same.
                assertThat(b.getBean(Registry4jReactiveDiscoveryClient.class)
                                .getInstances(service)
                                .map(i -> i.getPort())
                                .collectList()
                                .block(TestTime.patience()))
                        .containsExactlyInAnyOrder(p1, p2);
                Registry4jSpringServiceRegistry cloudRegistry = a1.getBean(Registry4jSpringServiceRegistry.class);
                ServiceInstance own = Objects.requireNonNull(
                        a1.getBean(Registry4jAutoRegistration.class).registered(), "a1 registered nothing");
                Registry4jServiceInstance registration =
                        Objects.requireNonNull(Registry4jServiceInstance.of(own), "a1 has no http endpoint");
                assertThat(registration.getPort()).isEqualTo(p1);
                assertThat((String) cloudRegistry.getStatus(registration)).isEqualTo("REGISTERED");

                // The caller's meters and endpoint show the watched service.
                MeterRegistry meters = b.getBean(MeterRegistry.class);
                assertThat(meters.get("registry4j.watch.deliveries")
                                .tag("service", service)
                                .tag("type", "initial")
                                .counter()
                                .count())
                        .isGreaterThanOrEqualTo(1);
                assertThat(meters.get("registry4j.watched.services").gauge().value())
                        .isGreaterThanOrEqualTo(1);
                String report = TestApps.get("http://127.0.0.1:" + TestApps.port(b) + "/actuator/registry4j");
                assertThat(report).contains("\"" + service + "\"", "\"stale\":false", "caller-" + service);

                // The greeter's own meters: one instance registered, with a timed, successful register call.
                MeterRegistry m1 = a1.getBean(MeterRegistry.class);
                assertThat(m1.get("registry4j.registrations")
                                .tag("state", "registered")
                                .gauge()
                                .value())
                        .isEqualTo(1.0);
                assertThat(m1.get("registry4j.backend.calls")
                                .tag("operation", "register")
                                .tag("outcome", "success")
                                .timer()
                                .count())
                        .isGreaterThanOrEqualTo(1);

                a1.close();

                // The instance was deregistered while its web server still answered: callers stop choosing it
                // before it stops accepting.
                assertThat(TestApps.SHUTDOWN_PROBES.get(p1)).containsExactly("deregistered", "answered " + p1);

                // The caller's load balancer follows the watch: once it saw the change, every call goes to a2.
                DiscoveryClient discovery = b.getBean(DiscoveryClient.class);
                await().atMost(TestTime.patience())
                        .untilAsserted(() -> assertThat(discovery.getInstances(service))
                                .extracting(i -> i.getPort())
                                .containsExactly(p2));
                for (int i = 0; i < 10; i++) {
                    assertThat(client.get()
                                    .uri("http://" + service + "/who")
                                    .retrieve()
                                    .body(String.class))
                            .isEqualTo(String.valueOf(p2));
                    assertThat(webClient
                                    .get()
                                    .uri("http://" + service + "/who")
                                    .retrieve()
                                    .bodyToMono(String.class)
                                    .block(TestTime.patience()))
                            .isEqualTo(String.valueOf(p2));
                }
            } finally {
                b.close();
                a2.close();
                a1.close();
                TestApps.probeReader = null;
            }
            assertThat(reader.getService(service)).isEmpty();
        }
    }

    static List<Integer> ports(List<ServiceInstance> instances) {
        return instances.stream()
                .flatMap(i -> i.endpoints().stream())
                .map(Endpoints::port)
                .toList();
    }
}
