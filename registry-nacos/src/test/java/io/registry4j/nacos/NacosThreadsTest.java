package io.registry4j.nacos;

import static org.assertj.core.api.Assertions.assertThat;

import io.registry4j.Watcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Measures the threads the SDK starts per {@code NamingService}, and checks that a registry makes one of them and
 * that watchers add none. The measured list is printed for the README.
 */
@DisplayName("NacosRegistry threads on a real Nacos 3.1 server")
@ExtendWith(SharedNacosServer.class)
class NacosThreadsTest {

    private static Set<Thread> live() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !t.getName().startsWith("awaitility"))
                .collect(Collectors.toSet());
    }

    private static Map<String, Long> byName(Set<Thread> threads) {
        return threads.stream()
                .collect(Collectors.groupingBy(
                        t -> t.getName().replaceAll("(?<=[-.])\\d+", "N"), TreeMap::new, Collectors.counting()));
    }

    @Test
    @DisplayName(
            "a registry starts one naming client (about ten SDK threads plus its scheduler), and 200 watchers add no"
                    + " thread")
    void oneClientPerRegistryAndNoThreadPerWatcher() throws Exception {
        // A first registry starts what the SDK shares across the JVM (event publishers, gRPC's event loop).
        try (NacosRegistry warmUp = SharedNacosServer.registry().build()) {
            warmUp.getService("threads-warm-up");
        }
        Set<Thread> before = live();
        try (NacosRegistry r = SharedNacosServer.registry().build()) {
            r.getService("threads-probe");
            Set<Thread> added = live();
            added.removeAll(before);
            System.out.println("threads added by one NacosRegistry: " + added.size() + " " + byName(added));
            assertThat(added)
                    .as("threads of one registry: its scheduler and one naming client's")
                    .hasSizeBetween(5, 16);
            assertThat(added)
                    .filteredOn(t -> t.getName().startsWith("registry4j-"))
                    .extracting(Thread::getName)
                    .containsExactly("registry4j-nacos-scheduler-1");

            int withoutWatchers = live().size();
            List<Watcher> watchers = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                watchers.add(r.watch("threads-" + (i % 20)));
            }
            for (Watcher w : watchers) {
                assertThat(w.next()).isEmpty();
            }
            assertThat(live().size() - withoutWatchers)
                    .as("threads added by 200 watchers of 20 services")
                    .isLessThanOrEqualTo(2);
            assertThat(r.watchedServices()).isEqualTo(20);
            watchers.forEach(Watcher::stop);
        }
        // The SDK stops its threads on shutDown; its fuzzy-watch worker polls every 5 s before it notices.
        Awaitility.await("the registry's and its naming client's threads to end")
                .atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    Set<Thread> left = live();
                    left.removeAll(before);
                    assertThat(byName(left)).isEmpty();
                });
    }
}
