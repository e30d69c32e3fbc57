package io.registry4j.spring.cloud;

import io.registry4j.ServiceCatalog;
import io.registry4j.ServiceRegistry;
import io.registry4j.spring.Registry4jWatches;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;

/**
 * A Spring Cloud {@link DiscoveryClient} on registry4j. Instances come from the shared watch of their service (opened
 * on first use); only instances with an HTTP endpoint are listed. {@link #getServices()} lists the backend's services
 * if it can (a {@link ServiceCatalog}), otherwise the services watched so far.
 */
public final class Registry4jDiscoveryClient implements DiscoveryClient {
    private final ServiceRegistry registry;
    private final Registry4jWatches watches;

    /**
     * A discovery client.
     *
     * @param registry the registry
     * @param watches the application's shared watches
     */
    public Registry4jDiscoveryClient(ServiceRegistry registry, Registry4jWatches watches) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.watches = Objects.requireNonNull(watches, "watches");
    }

    @Override
    public String description() {
        return "registry4j (" + registry.backend() + ")";
    }

    @Override
    public List<ServiceInstance> getInstances(String serviceId) {
        return Registry4jServiceInstances.http(watches.instances(serviceId));
    }

    @Override
    public List<String> getServices() {
        TreeSet<String> names = new TreeSet<>(watches.watched().keySet());
        if (registry instanceof ServiceCatalog catalog) {
            names.addAll(catalog.services());
        }
        return new ArrayList<>(names);
    }
}
