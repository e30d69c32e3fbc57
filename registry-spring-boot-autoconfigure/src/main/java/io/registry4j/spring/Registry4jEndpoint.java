package io.registry4j.spring;

import io.registry4j.Endpoints;
import io.registry4j.ServiceInstance;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/** The {@code registry4j} actuator endpoint: what this application registered and what it watches. */
@Endpoint(id = "registry4j")
public class Registry4jEndpoint {
    private final Registry4jRegistrations registrations;
    private final Registry4jWatches watches;
    private final String backend;

    /**
     * An endpoint.
     *
     * @param registrations the registered instances
     * @param watches the watched services
     * @param backend the backend name
     */
    public Registry4jEndpoint(Registry4jRegistrations registrations, Registry4jWatches watches, String backend) {
        this.registrations = Objects.requireNonNull(registrations, "registrations");
        this.watches = Objects.requireNonNull(watches, "watches");
        this.backend = Objects.requireNonNull(backend, "backend");
    }

    /**
     * The report.
     *
     * @return backend, registered instances with their state, watched services with their instances and staleness
     */
    @ReadOperation
    public Map<String, Object> report() {
        List<Map<String, Object>> registered = new ArrayList<>();
        for (Registry4jRegistrations.Entry e : registrations.entries()) {
            Map<String, Object> m = describe(e.instance());
            m.put("state", e.state().name());
            registered.add(m);
        }
        Map<String, Object> watched = new LinkedHashMap<>();
        watches.watched().forEach((name, state) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("stale", state.stale());
            List<ServiceInstance> instances = state.instances();
            m.put(
                    "instances",
                    instances == null
                            ? List.of()
                            : instances.stream()
                                    .map(Registry4jEndpoint::describe)
                                    .toList());
            watched.put(name, m);
        });
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("backend", backend);
        out.put("registered", registered);
        out.put("watched", watched);
        return out;
    }

    private static Map<String, Object> describe(ServiceInstance i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", i.name());
        m.put("id", i.id());
        m.put("version", i.version());
        m.put("metadata", i.metadata());
        m.put("endpoints", i.endpoints().stream().map(Endpoints::redact).toList());
        return m;
    }
}
