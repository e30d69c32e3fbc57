package io.registry4j.spring;

import io.registry4j.Registries;
import io.registry4j.RegistryException;
import io.registry4j.ServiceRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.info.BuildProperties;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Opens the registry named by {@code registry4j.url} and registers the application when its web server is ready.
 * Nothing is configured without {@code registry4j.url}, or with {@code registry4j.enabled=false}.
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = "registry4j", name = "enabled", matchIfMissing = true)
@ConditionalOnProperty(prefix = "registry4j", name = "url")
@EnableConfigurationProperties(Registry4jProperties.class)
public class Registry4jAutoConfiguration {

    /**
     * The registry; closed with the context (after the application deregistered).
     *
     * @param properties the settings
     * @return the registry
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public ServiceRegistry registry4jServiceRegistry(Registry4jProperties properties) {
        String url = properties.getUrl();
        if (url == null || url.isBlank()) {
            throw new RegistryException(
                    RegistryException.Kind.INVALID_ARGUMENT, "registry4j", "registry4j.url must not be empty");
        }
        return Registries.open(url);
    }

    /**
     * The shared watches.
     *
     * @param registry the registry
     * @return the watches
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Registry4jWatches registry4jWatches(ServiceRegistry registry) {
        return new Registry4jWatches(registry);
    }

    /**
     * The application's registrations.
     *
     * @param registry the registry
     * @return the registrations
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Registry4jRegistrations registry4jRegistrations(ServiceRegistry registry) {
        return new Registry4jRegistrations(registry);
    }

    /** Registration of a web application. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(WebServerInitializedEvent.class)
    @ConditionalOnProperty(prefix = "registry4j.instance", name = "register", matchIfMissing = true)
    static class WebRegistration {

        @Bean
        @ConditionalOnMissingBean
        Registry4jAutoRegistration registry4jAutoRegistration(
                Registry4jRegistrations registrations,
                Registry4jProperties properties,
                Environment environment,
                ObjectProvider<BuildProperties> buildProperties) {
            String name = environment.getProperty("spring.application.name");
            if ((name == null || name.isBlank()) && properties.getInstance().getName() == null) {
                throw new RegistryException(
                        RegistryException.Kind.INVALID_ARGUMENT,
                        "registry4j",
                        "set spring.application.name (or registry4j.instance.name): the service name to register");
            }
            BuildProperties build = buildProperties.getIfAvailable();
            String version = build != null && build.getVersion() != null ? build.getVersion() : "";
            Ssl ssl = Binder.get(environment).bind("server.ssl", Ssl.class).orElse(null);
            return new Registry4jAutoRegistration(
                    registrations, properties.getInstance(), name == null ? "" : name.strip(), version, ssl);
        }
    }
}
