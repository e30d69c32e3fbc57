package io.registry4j.testservers;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Talks to etcd's v3 HTTP/JSON gateway, so the harness tests need no etcd client library. */
final class EtcdGateway {
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private static final Pattern VALUE = Pattern.compile("\"value\":\"([A-Za-z0-9+/=]*)\"");

    private EtcdGateway() {}

    static String health(URI endpoint) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(endpoint.resolve("/health"))
                .timeout(Duration.ofSeconds(5))
                .build();
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }

    static void put(URI endpoint, String key, String value) throws IOException, InterruptedException {
        String body = "{\"key\":\"" + base64(key) + "\",\"value\":\"" + base64(value) + "\"}";
        HttpResponse<String> response = post(endpoint.resolve("/v3/kv/put"), body);
        if (response.statusCode() != 200) {
            throw new IOException("put failed: " + response.statusCode() + " " + response.body());
        }
    }

    static Optional<String> get(URI endpoint, String key) throws IOException, InterruptedException {
        HttpResponse<String> response = post(endpoint.resolve("/v3/kv/range"), "{\"key\":\"" + base64(key) + "\"}");
        if (response.statusCode() != 200) {
            throw new IOException("range failed: " + response.statusCode() + " " + response.body());
        }
        Matcher matcher = VALUE.matcher(response.body());
        return matcher.find()
                ? Optional.of(new String(Base64.getDecoder().decode(matcher.group(1)), StandardCharsets.UTF_8))
                : Optional.empty();
    }

    private static HttpResponse<String> post(URI uri, String json) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build();
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
