package io.registry4j.spring;

import io.registry4j.ServiceRegistry;
import io.registry4j.spring.cloud.Registry4jDiscoveryClient;
import io.registry4j.spring.cloud.Registry4jLoadBalancerConfiguration;
import io.registry4j.spring.cloud.Registry4jReactiveDiscoveryClient;
import io.registry4j.spring.cloud.Registry4jSpringServiceRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClients;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Flux;

/**
 * Spring Cloud Commons on registry4j: {@code ServiceRegistry}, {@code DiscoveryClient}, {@code ReactiveDiscoveryClient},
 * and the LoadBalancer's default instance supplier following the shared watch.
 */
@AutoConfiguration(
        after = Registry4jAutoConfiguration.class,
        beforeName = {
            "org.springframework.cloud.client.discovery.simple.SimpleDiscoveryClientAutoConfiguration",
            "org.springframework.cloud.client.discovery.composite.CompositeDiscoveryClientAutoConfiguration",
            "org.springframework.cloud.loadbalancer.config.LoadBalancerAutoConfiguration",
            "org.springframework.cloud.loadbalancer.config.BlockingLoadBalancerClientAutoConfiguration"
        })
@ConditionalOnClass(DiscoveryClient.class)
@ConditionalOnBean(Registry4jWatches.class)
public class Registry4jCloudAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    Registry4jDiscoveryClient registry4jDiscoveryClient(ServiceRegistry registry, Registry4jWatches watches) {
        return new Registry4jDiscoveryClient(registry, watches);
    }

    @Bean
    @ConditionalOnMissingBean
    Registry4jSpringServiceRegistry registry4jSpringServiceRegistry(Registry4jRegistrations registrations) {
        return new Registry4jSpringServiceRegistry(registrations);
    }

    /** The reactive discovery client, with Reactor. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(Flux.class)
    static class Reactive {
        @Bean
        @ConditionalOnMissingBean
        Registry4jReactiveDiscoveryClient registry4jReactiveDiscoveryClient(Registry4jDiscoveryClient client) {
            return new Registry4jReactiveDiscoveryClient(client);
        }
    }

    /** Every LoadBalancer client follows the registry4j watch of its service unless configured otherwise. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(LoadBalancerClientFactory.class)
    @LoadBalancerClients(defaultConfiguration = Registry4jLoadBalancerConfiguration.class)
    static class LoadBalancer {}
}
