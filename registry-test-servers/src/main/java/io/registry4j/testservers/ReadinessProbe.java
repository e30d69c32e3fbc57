package io.registry4j.testservers;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * Tells whether a starting server is ready to serve. {@link ChildProcess} polls it until it answers
 * {@code true}, the child exits, or the readiness timeout runs out.
 *
 * <p>A probe that throws counts as "not ready yet": a server that is still starting typically refuses
 * connections, and that is not an error. Implementations must not block for long; one poll should
 * finish well within a second. Probes are called from one thread at a time.
 */
@FunctionalInterface
public interface ReadinessProbe {
    /** How long one HTTP probe may take to connect and to get its answer. */
    Duration HTTP_PROBE_TIMEOUT = Duration.ofSeconds(1);

    /**
     * Returns whether the server is ready.
     *
     * @throws Exception if it cannot tell yet; treated like {@code false}
     */
    boolean isReady() throws Exception;

    /**
     * Returns a probe that sends {@code GET uri} and is ready when the answer has a 2xx status and a body
     * that {@code bodyCheck} accepts. Connection failures mean "not ready".
     */
    static ReadinessProbe httpGet(URI uri, Predicate<String> bodyCheck) {
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(HTTP_PROBE_TIMEOUT)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        HttpRequest request =
                HttpRequest.newBuilder(uri).timeout(HTTP_PROBE_TIMEOUT).GET().build();
        return () -> {
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                return response.statusCode() / 100 == 2 && bodyCheck.test(response.body());
            } catch (IOException notListeningYet) {
                return false;
            }
        };
    }
}
