package io.registry4j.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.MeterNotFoundException;
import io.registry4j.testkit.InMemoryServer;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.ConfigurableApplicationContext;

/** The Spring applications on the in-memory backend ({@code memory://}), with its fault hooks. */
class InMemorySpringAppsTest extends SpringAppsContract {
    private final String server = "spring-" + UUID.randomUUID();

    @Override
    String url() {
        return "memory://" + server;
    }

    @Test
    void healthGoesDownWhileTheRegistrationIsLostAndUpOnceRestored() {
        ConfigurableApplicationContext app = TestApps.start("healthy", url());
        try {
            Registry4jHealthIndicator health = app.getBean(Registry4jHealthIndicator.class);
            MeterRegistry meters = app.getBean(MeterRegistry.class);
            // The application follows its own service too, so the health details show a watched service.
            assertThat(app.getBean(DiscoveryClient.class).getInstances("healthy"))
                    .hasSize(1);
            assertThat(health.health().getStatus()).isEqualTo(Status.UP);
            assertThat(String.valueOf(health.health().getDetails().get("watched")))
                    .isEqualTo("{healthy=CURRENT}");

            // The server crashes: it loses its data and the session; re-registration fails while it is down.
            InMemoryServer.named(server).crash();
            await().atMost(TestTime.patience()).untilAsserted(() -> {
                Health h = health.health();
                assertThat(h.getStatus()).isEqualTo(Status.DOWN);
                assertThat(String.valueOf(h.getDetails().get("registered"))).containsAnyOf("LOST", "RETRYING");
                assertThat(String.valueOf(h.getDetails().get("watched"))).isEqualTo("{healthy=STALE}");
            });
            // The meters have a registration listener of their own: LOST reaches it on whichever thread flushes
            // first, and the scheduler's failed retry may take that delivery over from crash().
            await().atMost(TestTime.patience())
                    .ignoreExceptionsInstanceOf(MeterNotFoundException.class)
                    .untilAsserted(() -> assertThat(meters.get("registry4j.registration.transitions")
                                    .tag("state", "lost")
                                    .counter()
                                    .count())
                            .isEqualTo(1.0));
            await().atMost(TestTime.patience())
                    .ignoreExceptionsInstanceOf(MeterNotFoundException.class)
                    .untilAsserted(() -> assertThat(meters.get("registry4j.backend.calls")
                                    .tag("operation", "register")
                                    .tag("outcome", "unavailable")
                                    .timer()
                                    .count())
                            .isGreaterThanOrEqualTo(1));

            InMemoryServer.named(server).start();
            await().atMost(TestTime.patience()).untilAsserted(() -> {
                Health h = health.health();
                assertThat(h.getStatus()).isEqualTo(Status.UP);
                assertThat((Map<?, ?>) h.getDetails().get("registered")).hasSize(1);
                assertThat(String.valueOf(h.getDetails().get("watched"))).isEqualTo("{healthy=CURRENT}");
            });
            // RESTORED reaches the health's listener first, then, on the same thread, the meters'.
            await().atMost(TestTime.patience()).untilAsserted(() -> {
                assertThat(meters.get("registry4j.reregistrations").counter().count())
                        .isEqualTo(1.0);
                assertThat(meters.get("registry4j.registrations")
                                .tag("state", "registered")
                                .gauge()
                                .value())
                        .isEqualTo(1.0);
            });
        } finally {
            app.close();
        }
    }
}
