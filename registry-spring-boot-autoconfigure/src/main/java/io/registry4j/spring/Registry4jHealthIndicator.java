package io.registry4j.spring;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health of registry4j: DOWN while an instance this application registered is not held by the backend (lost, or
 * being put back); details give the state of each registered instance and the staleness of each watched service. A
 * stale view alone does not make the application DOWN: it keeps serving from the last known instances.
 */
public final class Registry4jHealthIndicator implements HealthIndicator {
    private final Registry4jRegistrations registrations;
    private final Registry4jWatches watches;
    private final String backend;

    /**
     * A health indicator.
     *
     * @param registrations the registered instances
     * @param watches the watched services
     * @param backend the backend name
     */
    public Registry4jHealthIndicator(Registry4jRegistrations registrations, Registry4jWatches watches, String backend) {
        this.registrations = Objects.requireNonNull(registrations, "registrations");
        this.watches = Objects.requireNonNull(watches, "watches");
        this.backend = Objects.requireNonNull(backend, "backend");
    }

    @Override
    public Health health() {
        boolean up = true;
        Map<String, Object> registered = new LinkedHashMap<>();
        for (Registry4jRegistrations.Entry e : registrations.entries()) {
            up &= e.isUp();
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("state", e.state().name());
            if (e.cause() != null) {
                d.put("cause", e.cause());
            }
            registered.put(e.instance().name() + "/" + e.instance().id(), d);
        }
        Map<String, Object> watched = new LinkedHashMap<>();
        watches.watched().forEach((name, state) -> watched.put(name, state.stale() ? "STALE" : "CURRENT"));
        Health.Builder b = up ? Health.up() : Health.down();
        return b.withDetail("backend", backend)
                .withDetail("registered", registered)
                .withDetail("watched", watched)
                .build();
    }
}
