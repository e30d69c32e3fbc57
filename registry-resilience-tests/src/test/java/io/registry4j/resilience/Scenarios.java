package io.registry4j.resilience;

import io.registry4j.Backoff;
import io.registry4j.ServiceInstance;
import io.registry4j.testservers.TestTime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What every scenario shares: bounds scaled for a loaded machine, a fast backoff, and instances. */
final class Scenarios {
    /** Retries soon and often, so that recovery is measured, not the production backoff's waits. */
    static final Backoff FAST = Backoff.exponential(Duration.ofMillis(50), Duration.ofMillis(500), 2.0);

    /** The system property that turns the long churn run on. */
    static final String LONG_PROPERTY = "registry4j.resilience.long";

    private Scenarios() {}

    /** Scales {@code bound} by {@code registry4j.test.timeScale} (default 1), for loaded machines. */
    static Duration bound(Duration bound) {
        return TestTime.scaled(bound);
    }

    /** Returns whether the long versions of the scenarios run ({@code -Dregistry4j.resilience.long=true}). */
    static boolean longRun() {
        return Boolean.getBoolean(LONG_PROPERTY);
    }

    /** An instance of {@code service} with id {@code id}. */
    static ServiceInstance instance(String service, String id) {
        return ServiceInstance.builder()
                .id(id)
                .name(service)
                .version("v1")
                .metadata(java.util.Map.of("zone", "z1"))
                .endpoint("grpc://10.0.0." + (Math.floorMod(id.hashCode(), 250) + 1) + ":9000")
                .build();
    }

    /** {@code count} instances of {@code service}, ids {@code <prefix>-0 …}. */
    static List<ServiceInstance> instances(String service, String prefix, int count) {
        List<ServiceInstance> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(instance(service, prefix + "-" + i));
        }
        return out;
    }

    /** The ids of {@code instances}, sorted; duplicates would show as a shorter set, so callers compare sizes too. */
    static List<String> ids(List<ServiceInstance> instances) {
        List<String> out = new ArrayList<>(instances.size());
        instances.forEach(i -> out.add(i.id()));
        return out;
    }

    /** Sends {@code request}, a GET of a server's HTTP API from the test JVM; the answer, whatever its status. */
    static HttpResponse<String> get(HttpClient http, HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + request.uri(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: GET " + request.uri(), e);
        }
    }

    /** The first group of each match of {@code pattern} in {@code text}, in order, duplicates kept. */
    static List<String> firstGroups(Pattern pattern, String text) {
        List<String> out = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** The ids of {@code instances} as a sorted set. */
    static Set<String> idSet(List<ServiceInstance> instances) {
        return new TreeSet<>(ids(instances));
    }
}
