package io.registry4j.spring;

import io.micrometer.core.instrument.MeterRegistry;
import io.registry4j.ServiceRegistry;
import io.registry4j.micrometer.RegistryMetrics;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Binds registry4j's meters (registry-micrometer) when Micrometer is present: Spring Boot binds every
 * {@code MeterBinder} bean to its meter registries. The shared watches report their deliveries to it.
 */
@AutoConfiguration(after = Registry4jAutoConfiguration.class)
@ConditionalOnClass({MeterRegistry.class, RegistryMetrics.class})
@ConditionalOnBean(Registry4jWatches.class)
public class Registry4jMetricsAutoConfiguration {

    /**
     * The binder.
     *
     * @param registry the registry
     * @param watches the shared watches, whose events it counts
     * @return the binder
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public RegistryMetrics registry4jMetrics(ServiceRegistry registry, Registry4jWatches watches) {
        RegistryMetrics metrics = new RegistryMetrics(registry);
        watches.addObserver(metrics::record);
        return metrics;
    }
}
