package io.registry4j.spring.cloud;

import io.registry4j.spring.Registry4jWatches;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The LoadBalancer client configuration registry4j sets as default for every service: its instances follow the
 * registry4j watch. A service's own {@code @LoadBalancerClient} configuration may still replace the supplier.
 */
@Configuration(proxyBeanMethods = false)
public class Registry4jLoadBalancerConfiguration {

    /**
     * The instances of the load-balanced service.
     *
     * @param watches the application's shared watches
     * @param environment the LoadBalancer child context's environment, which names the service
     * @return the supplier
     */
    @Bean
    public ServiceInstanceListSupplier registry4jServiceInstanceListSupplier(
            Registry4jWatches watches, Environment environment) {
        String name = LoadBalancerClientFactory.getName(environment);
        if (name == null) {
            throw new IllegalStateException("LoadBalancer child context without a service name");
        }
        return new Registry4jServiceInstanceListSupplier(watches, name);
    }
}
