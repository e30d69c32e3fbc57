package io.registry4j.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.registry4j.ServiceInstance;
import io.registry4j.Watcher;
import io.registry4j.testkit.RegistryLeakCheck;
import io.registry4j.testservers.TestTime;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The informer's own recovery: a watch whose resource version expired (410 Gone) relists and goes on. */
@ExtendWith({SharedKubeApiServer.class, RegistryLeakCheck.class})
@DisplayName("KubernetesRegistry's watch on a real kube-apiserver")
class KubernetesWatchTest {
    private static final String REFLECTOR = "io.fabric8.kubernetes.client.informers.impl.cache.Reflector";
    private static @Nullable KubernetesTestSupport k8s;

    @BeforeAll
    static void start() {
        k8s = new KubernetesTestSupport("watch");
    }

    @AfterAll
    static void stop() {
        KubernetesTestSupport s = k8s;
        k8s = null;
        if (s != null) {
            s.close();
        }
    }

    @Test
    @DisplayName("a watch resumed from a compacted resource version gets 410 Gone, relists, and delivers what changed")
    void goneRelists() throws Exception {
        KubernetesTestSupport s = Objects.requireNonNull(k8s);
        Assumptions.assumeTrue(s.server.supportsRestart(), "needs the local API server and its etcd");
        List<String> gone = new CopyOnWriteArrayList<>();
        Logger reflector = Logger.getLogger(REFLECTOR);
        Level before = reflector.getLevel();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                String m = String.valueOf(record.getMessage());
                if (m.contains("http gone")) {
                    gone.add(m);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        reflector.setLevel(Level.FINEST);
        reflector.addHandler(capture);
        try (KubernetesRegistry r = s.registryBuilder().build();
                Watcher w = r.watch("gone")) {
            assertThat(w.next()).isEmpty();
            ServiceInstance x = ServiceInstance.builder()
                    .id("x1")
                    .name("gone")
                    .endpoint("grpc://127.0.0.1:9000")
                    .build();
            r.register(x);
            assertThat(w.next()).containsExactly(x);
            // While the API server is down, etcd moves on and compacts its history: the informer's resource version
            // is gone when it resumes the watch.
            s.server.stop();
            compactEtcd(s.server.etcd().clientEndpoint());
            s.server.restart();
            await().atMost(TestTime.scaled(Duration.ofSeconds(60)))
                    .untilAsserted(() -> assertThat(gone).isNotEmpty());
            ServiceInstance y = ServiceInstance.builder()
                    .id("y1")
                    .name("gone")
                    .endpoint("grpc://127.0.0.1:9001")
                    .build();
            r.register(y);
            await().atMost(TestTime.scaled(Duration.ofSeconds(30)))
                    .untilAsserted(() -> assertThat(r.getService("gone")).containsExactly(x, y));
        } finally {
            reflector.removeHandler(capture);
            reflector.setLevel(before);
        }
    }

    /** Writes a key, then compacts etcd up to the new revision, through etcd's JSON gateway. */
    private static void compactEtcd(URI etcd) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String put = "{\"key\":\"" + b64("/registry4j-test/bump") + "\",\"value\":\"" + b64("1") + "\"}";
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(etcd.resolve("/v3/kv/put"))
                        .POST(HttpRequest.BodyPublishers.ofString(put))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Matcher m = Pattern.compile("\"revision\":\"(\\d+)\"").matcher(r.body());
        assertThat(m.find()).as(r.body()).isTrue();
        String compact = "{\"revision\":\"" + m.group(1) + "\",\"physical\":true}";
        HttpResponse<String> c = http.send(
                HttpRequest.newBuilder(etcd.resolve("/v3/kv/compaction"))
                        .POST(HttpRequest.BodyPublishers.ofString(compact))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(c.statusCode()).as(c.body()).isEqualTo(200);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
