package io.registry4j.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.search.MeterNotFoundException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.Subscription;
import io.registry4j.WatchEvent;
import io.registry4j.testkit.InMemoryRegistry;
import io.registry4j.testkit.InMemoryServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class RegistryMetricsTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private static ServiceInstance instance(String id) {
        return ServiceInstance.builder()
                .id(id)
                .name("orders")
                .endpoint("http://127.0.0.1:8080")
                .build();
    }

    @Test
    void registrationStatesTransitionsAndBackendCalls() {
        InMemoryServer server = new InMemoryServer("metrics-1");
        MeterRegistry meters = new SimpleMeterRegistry();
        try (InMemoryRegistry registry =
                        InMemoryRegistry.builder().server(server).build();
                RegistryMetrics metrics = new RegistryMetrics(registry, Tags.of("app", "a"))) {
            metrics.bindTo(meters);
            registry.register(instance("o-1"));
            assertThat(meters.get("registry4j.registrations")
                            .tags("backend", "memory", "app", "a", "state", "registered")
                            .gauge()
                            .value())
                    .isEqualTo(1.0);
            assertThat(meters.get("registry4j.backend.calls")
                            .tags("operation", "register", "outcome", "success")
                            .timer()
                            .count())
                    .isEqualTo(1);

            server.crash();
            // The retry that reports the failed call runs on the registry's scheduler thread: the timer is
            // created then.
            await().atMost(PATIENCE)
                    .ignoreExceptionsInstanceOf(MeterNotFoundException.class)
                    .untilAsserted(() -> assertThat(meters.get("registry4j.backend.calls")
                                    .tags("operation", "register", "outcome", "unavailable")
                                    .timer()
                                    .count())
                            .isGreaterThanOrEqualTo(1));
            // LOST goes to the listener on whichever thread flushes first: the scheduler's retry may report the
            // failed call and take the delivery over from crash() before it has delivered LOST.
            await().atMost(PATIENCE)
                    .ignoreExceptionsInstanceOf(MeterNotFoundException.class)
                    .untilAsserted(() -> {
                        assertThat(meters.get("registry4j.registration.transitions")
                                        .tag("state", "lost")
                                        .counter()
                                        .count())
                                .isEqualTo(1.0);
                        assertThat(meters.get("registry4j.registrations")
                                        .tag("state", "registered")
                                        .gauge()
                                        .value())
                                .isZero();
                    });

            server.start();
            await().atMost(PATIENCE)
                    .untilAsserted(() -> assertThat(meters.get("registry4j.reregistrations")
                                    .counter()
                                    .count())
                            .isEqualTo(1.0));
            assertThat(meters.get("registry4j.registrations")
                            .tag("state", "registered")
                            .gauge()
                            .value())
                    .isEqualTo(1.0);

            registry.deregister(instance("o-1"));
            assertThat(meters.get("registry4j.registrations")
                            .tag("state", "registered")
                            .gauge()
                            .value())
                    .isZero();
            assertThat(meters.get("registry4j.backend.calls")
                            .tags("operation", "deregister", "outcome", "success")
                            .timer()
                            .count())
                    .isEqualTo(1);
        } finally {
            server.close();
        }
    }

    @Test
    void watchedServicesDeliveriesStalenessAndSkippedEntries() {
        InMemoryServer server = new InMemoryServer("metrics-2");
        MeterRegistry meters = new SimpleMeterRegistry();
        List<WatchEvent> seen = new CopyOnWriteArrayList<>();
        try (InMemoryRegistry registry =
                        InMemoryRegistry.builder().server(server).build();
                RegistryMetrics metrics = new RegistryMetrics(registry)) {
            metrics.bindTo(meters);
            server.putRaw("orders", "bad", "not json");
            Subscription subscription = registry.watch("orders", Runnable::run, metrics.instrument(seen::add));
            try {
                await().atMost(PATIENCE).until(() -> !seen.isEmpty());
                assertThat(meters.get("registry4j.watched.services").gauge().value())
                        .isEqualTo(1.0);
                assertThat(meters.get("registry4j.watch.deliveries")
                                .tags("service", "orders", "type", "initial")
                                .counter()
                                .count())
                        .isEqualTo(1.0);
                assertThat(meters.get("registry4j.watch.delivery.lag")
                                .tag("service", "orders")
                                .timer()
                                .count())
                        .isEqualTo(1);
                assertThat(meters.get("registry4j.watch.delivery.time")
                                .tag("service", "orders")
                                .timer()
                                .count())
                        .isEqualTo(1);
                assertThat(meters.get("registry4j.skipped.entries")
                                .functionCounter()
                                .count())
                        .isGreaterThanOrEqualTo(1.0);

                server.stop();
                await().atMost(PATIENCE)
                        .untilAsserted(() -> assertThat(meters.get("registry4j.watch.stale")
                                        .gauge()
                                        .value())
                                .isEqualTo(1.0));
                server.start();
                await().atMost(PATIENCE)
                        .untilAsserted(() -> assertThat(meters.get("registry4j.watch.stale")
                                        .gauge()
                                        .value())
                                .isZero());
            } finally {
                subscription.close();
            }
        } finally {
            server.close();
        }
    }

    @Test
    void aFailedReadIsCountedByKind() {
        InMemoryServer server = new InMemoryServer("metrics-3");
        MeterRegistry meters = new SimpleMeterRegistry();
        try (InMemoryRegistry registry =
                        InMemoryRegistry.builder().server(server).build();
                RegistryMetrics metrics = new RegistryMetrics(registry)) {
            metrics.bindTo(meters);
            server.stop();
            assertThatThrownBy(() -> registry.getService("orders"))
                    .isInstanceOfSatisfying(
                            RegistryException.class,
                            e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNAVAILABLE));
            assertThat(meters.get("registry4j.backend.calls")
                            .tags("operation", "read", "outcome", "unavailable")
                            .timer()
                            .count())
                    .isEqualTo(1);
        } finally {
            server.close();
        }
    }
}
