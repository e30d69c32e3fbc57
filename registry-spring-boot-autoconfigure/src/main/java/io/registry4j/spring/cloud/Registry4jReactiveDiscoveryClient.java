package io.registry4j.spring.cloud;

import java.util.Objects;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/** The reactive face of {@link Registry4jDiscoveryClient}; the blocking reads run on the bounded-elastic scheduler. */
public final class Registry4jReactiveDiscoveryClient implements ReactiveDiscoveryClient {
    private final Registry4jDiscoveryClient client;

    /**
     * A reactive discovery client.
     *
     * @param client the blocking client it delegates to
     */
    public Registry4jReactiveDiscoveryClient(Registry4jDiscoveryClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    @Override
    public String description() {
        return client.description();
    }

    @Override
    public Flux<ServiceInstance> getInstances(String serviceId) {
        return Flux.defer(() -> Flux.fromIterable(client.getInstances(serviceId)))
                .subscribeOn(Schedulers.boundedElastic());
    }

    @Override
    public Flux<String> getServices() {
        return Flux.defer(() -> Flux.fromIterable(client.getServices())).subscribeOn(Schedulers.boundedElastic());
    }
}
