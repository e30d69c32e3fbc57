package io.registry4j.spring.cloud;

import io.registry4j.Subscription;
import io.registry4j.spring.Registry4jWatches;
import java.util.List;
import java.util.Objects;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import reactor.core.publisher.Flux;

/**
 * The LoadBalancer's instances of one service, pushed by the shared registry4j watch of that service (no polling,
 * no cache of its own): each subscriber gets the current list, then every change.
 */
public final class Registry4jServiceInstanceListSupplier implements ServiceInstanceListSupplier {
    private final Registry4jWatches watches;
    private final String serviceId;

    /**
     * A supplier.
     *
     * @param watches the application's shared watches
     * @param serviceId the service
     */
    public Registry4jServiceInstanceListSupplier(Registry4jWatches watches, String serviceId) {
        this.watches = Objects.requireNonNull(watches, "watches");
        this.serviceId = Objects.requireNonNull(serviceId, "serviceId");
    }

    @Override
    public String getServiceId() {
        return serviceId;
    }

    @Override
    public Flux<List<ServiceInstance>> get() {
        return Flux.create(sink -> {
            Subscription s = watches.follow(serviceId, list -> sink.next(Registry4jServiceInstances.http(list)));
            sink.onDispose(s::close);
        });
    }
}
