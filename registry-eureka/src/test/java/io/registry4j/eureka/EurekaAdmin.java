package io.registry4j.eureka;

import static org.assertj.core.api.Assertions.assertThat;

import io.registry4j.eureka.internal.EurekaInstanceCodec;
import io.registry4j.eureka.internal.EurekaRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Talks to the test's Eureka server directly, as another process or an operator would: raw registrations, deletes
 * and reads that bypass the registry under test. Its own JDK HTTP client; blocking calls with a 5 s timeout.
 */
final class EurekaAdmin {
    private static final Pattern LAST_RENEWAL = Pattern.compile("\"lastRenewalTimestamp\"\\s*:\\s*\"?(\\d+)");

    private final URI base;
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    EurekaAdmin(URI base) {
        this.base = base;
    }

    HttpResponse<String> send(String method, String path, String body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(5))
                .header("Accept", "application/json");
        headers.forEach(b::header);
        if (body.isEmpty()) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        try {
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    HttpResponse<String> send(String method, String path) {
        return send(method, path, "", Map.of());
    }

    /** Registers a raw Eureka instance document ({@code {"instance":{...}}}) in {@code app}. */
    void register(String app, String instanceJson) {
        HttpResponse<String> r = send("POST", "/apps/" + app, instanceJson, Map.of());
        assertThat(r.statusCode()).as("POST /apps/" + app + ": " + r.body()).isEqualTo(204);
    }

    /** Deletes an instance; true if the server held it. */
    boolean delete(String app, String instanceId) {
        int status = send("DELETE", "/apps/" + app + "/" + EurekaInstanceCodec.pathSegment(instanceId))
                .statusCode();
        assertThat(status).as("DELETE status").isIn(200, 404);
        return status == 200;
    }

    /** The instances of an app as the server lists them. */
    List<EurekaRecord> app(String app) {
        HttpResponse<String> r = send("GET", "/apps/" + app);
        if (r.statusCode() == 404) {
            return List.of();
        }
        assertThat(r.statusCode()).isEqualTo(200);
        return EurekaInstanceCodec.parseApplication(r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The raw JSON of one instance, read live from the registry (not through the response cache). */
    String instanceJson(String app, String instanceId) {
        HttpResponse<String> r = send("GET", "/apps/" + app + "/" + EurekaInstanceCodec.pathSegment(instanceId));
        assertThat(r.statusCode())
                .as("GET instance " + instanceId + ": " + r.body())
                .isEqualTo(200);
        return r.body();
    }

    /** The server's renewal timestamp of an instance's lease, or -1 if the server does not hold it. */
    long lastRenewal(String app, String instanceId) {
        HttpResponse<String> r = send("GET", "/apps/" + app + "/" + EurekaInstanceCodec.pathSegment(instanceId));
        if (r.statusCode() == 404) {
            return -1;
        }
        Matcher m = LAST_RENEWAL.matcher(r.body());
        assertThat(m.find()).as("lastRenewalTimestamp in " + r.body()).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** A Netflix-style instance document without registry4j metadata, as Spring Cloud and Netflix clients send. */
    static String foreignInstance(String app, String instanceId, String ip, int port, Map<String, String> metadata) {
        var meta = new StringBuilder();
        metadata.forEach((k, v) -> meta.append(meta.length() == 0 ? "" : ",")
                .append('"')
                .append(k)
                .append("\":\"")
                .append(v)
                .append('"'));
        return "{\"instance\":{\"instanceId\":\"" + instanceId + "\",\"hostName\":\"" + ip + "\",\"app\":\"" + app
                + "\",\"ipAddr\":\"" + ip + "\",\"vipAddress\":\"" + app.toLowerCase(java.util.Locale.ROOT)
                + "\",\"status\":\"UP\",\"port\":{\"$\":" + port + ",\"@enabled\":\"true\"},"
                + "\"securePort\":{\"$\":443,\"@enabled\":\"false\"},\"dataCenterInfo\":{\"@class\":"
                + "\"com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo\",\"name\":\"MyOwn\"},"
                + "\"leaseInfo\":{\"renewalIntervalInSecs\":30,\"durationInSecs\":300},\"metadata\":{" + meta
                + "}}}";
    }
}
