package io.registry4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.registry4j.ServiceRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * An {@link InjectedClient} for the backends on the JDK's {@link HttpClient} (Consul, Eureka): the test owns the client
 * and its executor; the client is usable while its executor runs and a probe request answers 200.
 */
public final class InjectedHttpClient {
    private InjectedHttpClient() {}

    /**
     * Builds a registry on a JDK HTTP client the test owns, with an executor of two daemon threads
     * {@code test-injected-http}. {@link InjectedClient#close()} closes the registry and then shuts the executor down.
     *
     * @param registryOn builds the registry on the given client
     * @param probe a request the server answers with 200 while it runs
     */
    public static InjectedClient of(Function<HttpClient, ServiceRegistry> registryOn, HttpRequest probe) {
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "test-injected-http");
            t.setDaemon(true);
            return t;
        });
        HttpClient client = HttpClient.newBuilder().executor(executor).build();
        ServiceRegistry registry = registryOn.apply(client);
        return new InjectedClient() {
            @Override
            public ServiceRegistry registry() {
                return registry;
            }

            @Override
            public void assertClientUsable() throws Exception {
                assertThat(executor.isShutdown())
                        .as("the client's executor was shut down")
                        .isFalse();
                HttpResponse<String> r = client.send(probe, HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
            }

            @Override
            public void close() {
                registry.close();
                executor.shutdownNow();
            }
        };
    }
}
