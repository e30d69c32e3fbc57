package io.registry4j.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.registry4j.ServiceInstance;
import io.registry4j.Watcher;
import io.registry4j.testservers.EtcdServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Every thread an etcd registry causes (ours, and those of the Vert.x, gRPC and Netty machinery it builds for its
 * jetcd client) ends on close(); only the JVM-wide singletons the README names may remain.
 */
@DisplayName("an etcd registry leaves no thread behind after close()")
class EtcdThreadsTest {

    @Test
    @DisplayName("a registry with a registration and two watches ends every thread it started on close()")
    void closeEndsEveryThreadTheRegistryStarted() throws Exception {
        try (EtcdServer server = EtcdServer.start()) {
            Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
            EtcdRegistry registry = EtcdRegistry.builder()
                    .endpoints(server.endpoints().split(","))
                    .build();
            try (registry) {
                registry.register(ServiceInstance.builder()
                        .id("t-1")
                        .name("threads")
                        .endpoint("grpc://127.0.0.1:9000")
                        .build());
                try (Watcher a = registry.watch("threads");
                        Watcher b = registry.watch("others")) {
                    assertThat(a.next()).hasSize(1);
                    assertThat(b.next()).isEmpty();
                    // Only threads close() ends itself: the registry's own pools and the Vert.x instance it built
                    // for jetcd; none of gRPC's or Netty's JVM-wide pools, which outlived close() by seconds.
                    assertThat(startedSince(before))
                            .as("threads of an open etcd registry with a registration and two watches")
                            .isNotEmpty()
                            .allMatch(
                                    n -> n.startsWith("registry4j-etcd-")
                                            || n.startsWith("vert.x-")
                                            || n.startsWith("vertx-"),
                                    "named registry4j-etcd-*, or the registry's Vert.x instance's");
                }
            }
            Awaitility.await("threads started by the registry to end")
                    .atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(50))
                    .untilAsserted(() -> assertThat(startedSince(before)).isEmpty());
        }
    }

    private static List<String> startedSince(Set<Thread> before) {
        List<String> out = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && !before.contains(t) && !io.registry4j.testkit.RegistryLeakCheck.isJvmWide(t)) {
                out.add(t.getName() + (t.isDaemon() ? "" : " (non-daemon)"));
            }
        }
        return out;
    }
}
