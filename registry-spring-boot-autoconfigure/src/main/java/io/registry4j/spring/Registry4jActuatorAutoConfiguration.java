package io.registry4j.spring;

import io.registry4j.ServiceRegistry;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The registry4j health indicator and actuator endpoint, when Spring Boot's health and actuator are present. */
@AutoConfiguration(after = Registry4jAutoConfiguration.class)
@ConditionalOnBean(Registry4jWatches.class)
public class Registry4jActuatorAutoConfiguration {

    /** The health indicator, named {@code registry4j}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class HealthConfiguration {
        @Bean
        @ConditionalOnMissingBean(name = "registry4jHealthIndicator")
        Registry4jHealthIndicator registry4jHealthIndicator(
                Registry4jRegistrations registrations, Registry4jWatches watches, ServiceRegistry registry) {
            return new Registry4jHealthIndicator(registrations, watches, registry.backend());
        }
    }

    /** The {@code registry4j} endpoint (exposed like any endpoint, with management.endpoints.web.exposure). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(Endpoint.class)
    static class EndpointConfiguration {
        @Bean
        @ConditionalOnMissingBean
        Registry4jEndpoint registry4jEndpoint(
                Registry4jRegistrations registrations, Registry4jWatches watches, ServiceRegistry registry) {
            return new Registry4jEndpoint(registrations, watches, registry.backend());
        }
    }
}
