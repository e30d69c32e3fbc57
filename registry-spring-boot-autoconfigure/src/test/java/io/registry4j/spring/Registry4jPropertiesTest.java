package io.registry4j.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.Registries;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/** The registry4j.* settings, their defaults and the conditions, on real applications and the in-memory backend. */
class Registry4jPropertiesTest {
    private final String url = "memory://props-" + UUID.randomUUID();

    @Test
    void withoutAUrlOrWhenDisabledNothingIsConfigured() {
        try (ConfigurableApplicationContext app = TestApps.startWith("spring.application.name=plain")) {
            assertThat(app.getBeansOfType(ServiceRegistry.class)).isEmpty();
            assertThat(app.getBeansOfType(Registry4jAutoRegistration.class)).isEmpty();
        }
        try (ConfigurableApplicationContext app = TestApps.start("off", url, "registry4j.enabled=false")) {
            assertThat(app.getBeansOfType(ServiceRegistry.class)).isEmpty();
        }
    }

    @Test
    void theInstanceSettingsAreWhatIsRegistered() {
        try (ServiceRegistry reader = Registries.open(url)) {
            ConfigurableApplicationContext app = TestApps.start(
                    "ignored",
                    url,
                    "registry4j.instance.name=billing",
                    "registry4j.instance.id=billing-7",
                    "registry4j.instance.version=v3",
                    "registry4j.instance.metadata.zone=z1",
                    "registry4j.instance.endpoints[0]=http://10.0.0.7:8080",
                    "registry4j.instance.endpoints[1]=grpc://10.0.0.7:9000");
            assertThat(reader.getService("billing"))
                    .containsExactly(ServiceInstance.builder()
                            .id("billing-7")
                            .name("billing")
                            .version("v3")
                            .metadata(Map.of("zone", "z1"))
                            .endpoints(List.of(URI.create("http://10.0.0.7:8080"), URI.create("grpc://10.0.0.7:9000")))
                            .build());
            app.close();
            assertThat(reader.getService("billing")).isEmpty();
        }
    }

    @Test
    void defaultsComeFromTheApplicationAndItsWebServer() {
        try (ServiceRegistry reader = Registries.open(url);
                ConfigurableApplicationContext app = TestApps.start(
                        "greeter",
                        url,
                        "registry4j.instance.host=127.0.0.1",
                        "spring.info.build.location=classpath:test-build-info.properties")) {
            int port = TestApps.port(app);
            assertThat(reader.getService("greeter"))
                    .containsExactly(ServiceInstance.builder()
                            .id("greeter-127.0.0.1-" + port)
                            .name("greeter")
                            .version("7.8.9")
                            .endpoint("http://127.0.0.1:" + port)
                            .build());
        }
    }

    @Test
    void aWebApplicationWithoutANameFailsToStartSayingWhatToSet() {
        assertThatThrownBy(() -> TestApps.startWith("registry4j.url=" + url))
                .rootCause()
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("spring.application.name");
    }

    @Test
    void idesFindTheSettingsInTheConfigurationMetadata() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).isNotNull();
            String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(json)
                    .contains(
                            "\"registry4j.url\"",
                            "\"registry4j.enabled\"",
                            "\"registry4j.instance.name\"",
                            "\"registry4j.instance.id\"",
                            "\"registry4j.instance.version\"",
                            "\"registry4j.instance.metadata\"",
                            "\"registry4j.instance.endpoints\"",
                            "\"registry4j.instance.host\"");
        }
    }
}
