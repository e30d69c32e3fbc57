package io.registry4j.resilience;

import static io.registry4j.resilience.Scenarios.bound;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.Subscription;
import io.registry4j.testkit.RegistryLeakCheck;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * 1,000 instances of ten services registered and deregistered in waves by four registries while 100 watchers (in two
 * other registries) follow. Expected at the end: every watcher's last snapshot equals what the server holds; after
 * closing, this JVM's threads and heap are back to their baseline and so are the server's leases, sessions, watch
 * streams or connections. One wave by default; {@code -Dregistry4j.resilience.long=true} runs ten.
 */
@ExtendWith(RegistryLeakCheck.class)
abstract class ChurnScenario {
    static final int INSTANCES = 1_000;
    static final int REGISTRIES = 4;
    static final int WATCHERS = 100;
    static final int SERVICES = 10;

    /** Heap growth still counted as "back to baseline" after a full GC: noise of class loading and JIT, not leaks. */
    static final long HEAP_SLACK_BYTES = 48L * 1024 * 1024;

    /** The server, as the scenario reads it. */
    interface Server extends AutoCloseable {
        String address();

        /** The instance ids per service as the server holds them, read with the native client. */
        Map<String, Set<String>> stored(List<String> services) throws Exception;

        /** What the server holds for its clients (leases, sessions, watch streams, connections), by name. */
        Map<String, Integer> serverSide() throws Exception;

        @Override
        void close();
    }

    abstract String backend();

    abstract Server start();

    abstract ServiceRegistry open(String address);

    @Test
    void watchersEndOnTheServersTruthAndEverythingIsReleased() throws Exception {
        int waves = Scenarios.longRun() ? 10 : 1;
        List<String> services = new ArrayList<>();
        for (int s = 0; s < SERVICES; s++) {
            services.add("churn-" + s);
        }
        try (Server server = start()) {
            Map<String, Integer> serverBaseline = server.serverSide();
            long heapBaseline = usedHeapAfterGc();
            Set<Thread> threadBaseline = countedThreads();

            List<ServiceRegistry> writers = new ArrayList<>();
            List<ServiceRegistry> readers = new ArrayList<>();
            List<Subscription> watches = new ArrayList<>();
            List<AtomicReference<List<ServiceInstance>>> lastSnapshots = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(REGISTRIES);
            try {
                for (int r = 0; r < REGISTRIES; r++) {
                    writers.add(open(server.address()));
                }
                readers.add(open(server.address()));
                readers.add(open(server.address()));
                for (int w = 0; w < WATCHERS; w++) {
                    AtomicReference<List<ServiceInstance>> last = new AtomicReference<>(List.of());
                    lastSnapshots.add(last);
                    watches.add(readers.get(w % 2).watch(services.get(w % SERVICES), Runnable::run, event -> {
                        if (event.isAuthoritative()) {
                            last.set(event.instances());
                        }
                    }));
                }
                long churnStart = System.nanoTime();
                for (int wave = 0; wave < waves; wave++) {
                    int w = wave;
                    List<Future<?>> writes = new ArrayList<>();
                    for (int r = 0; r < REGISTRIES; r++) {
                        ServiceRegistry writer = writers.get(r);
                        int first = r * (INSTANCES / REGISTRIES);
                        writes.add(pool.submit(() -> {
                            for (int i = first; i < first + INSTANCES / REGISTRIES; i++) {
                                writer.register(instance(services, i, "w" + w));
                            }
                            // Half leave, a quarter of those come back changed.
                            for (int i = first; i < first + INSTANCES / REGISTRIES; i++) {
                                if ((i + w) % 2 == 0) {
                                    writer.deregister(instance(services, i, "w" + w));
                                }
                            }
                            for (int i = first; i < first + INSTANCES / REGISTRIES; i++) {
                                if ((i + w) % 2 == 0 && i % 4 < 2) {
                                    writer.register(instance(services, i, "again" + w));
                                }
                            }
                            return null;
                        }));
                    }
                    for (Future<?> write : writes) {
                        write.get(bound(Duration.ofMinutes(3)).toMillis(), TimeUnit.MILLISECONDS);
                    }
                }
                long written = System.nanoTime();
                RecoveryTimes.record(
                        "churn",
                        backend(),
                        waves + " waves of 1,000 registrations by 4 registries",
                        Duration.ofNanos(written - churnStart),
                        "no bound (throughput, not a recovery)");

                // Nacos answers a write before its service index has it (the index follows the write's event), so
                // the server's truth is read once it has settled on the count the waves leave; a lost or doubled
                // registration never settles and fails here.
                AtomicReference<Map<String, Set<String>>> settled = new AtomicReference<>();
                await().atMost(bound(Duration.ofSeconds(30)))
                        .pollInterval(Duration.ofMillis(200))
                        .untilAsserted(() -> {
                            settled.set(server.stored(services));
                            assertThat(settled.get().values().stream()
                                            .mapToInt(Set::size)
                                            .sum())
                                    .as("instances the server holds after the waves")
                                    .isEqualTo(expectedCount(waves));
                        });
                Map<String, Set<String>> truth = settled.get();
                RecoveryTimes.record(
                        "churn",
                        backend(),
                        "server holds exactly the instances the waves left, after the last write",
                        RecoveryTimes.since(written),
                        "one read with a fresh native client (etcd, ZooKeeper, Eureka); Nacos indexes a write just "
                                + "after acknowledging it");
                await().atMost(bound(Duration.ofSeconds(60))).untilAsserted(() -> {
                    for (int w = 0; w < WATCHERS; w++) {
                        String service = services.get(w % SERVICES);
                        assertThat(Scenarios.idSet(lastSnapshots.get(w).get()))
                                .as("watcher %d of %s", w, service)
                                .isEqualTo(truth.get(service));
                    }
                });
                RecoveryTimes.record(
                        "churn",
                        backend(),
                        "all 100 watchers equal to the server after the last write",
                        RecoveryTimes.since(written),
                        "as soon as the watch streams carry the changes");
                // Versions too: each watcher's list equals a fresh client's read, instance for instance.
                try (ServiceRegistry fresh = open(server.address())) {
                    for (int w = 0; w < WATCHERS; w++) {
                        assertThat(lastSnapshots.get(w).get()).isEqualTo(fresh.getService(services.get(w % SERVICES)));
                    }
                }
            } finally {
                watches.forEach(Subscription::close);
                readers.forEach(ServiceRegistry::close);
                writers.forEach(ServiceRegistry::close);
                pool.shutdownNow();
                assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
                // Unreachable from here on, so that what only a collection ends can end (below).
                watches.clear();
                readers.clear();
                writers.clear();
                lastSnapshots.clear();
            }

            long closed = System.nanoTime();
            await().atMost(bound(Duration.ofSeconds(30)))
                    .untilAsserted(() -> assertThat(server.serverSide()).isEqualTo(serverBaseline));
            RecoveryTimes.record(
                    "churn",
                    backend(),
                    "server-side leases/sessions/streams back to baseline after close",
                    RecoveryTimes.since(closed),
                    "close() deregisters and closes at once");
            // Threads this JVM shares with every client (RegistryLeakCheck.JVM_WIDE says which and why: the JDK's
            // process reapers and HttpClient threads, nacos-client's static event bus, an in-process ZooKeeper
            // server) are not counted; any other thread started since the baseline is a leak. A collection first
            // lets threads of unreachable objects end.
            await().atMost(bound(Duration.ofSeconds(20))).untilAsserted(() -> {
                System.gc();
                assertThat(names(newThreads(threadBaseline)))
                        .as("threads started during the churn and alive after close")
                        .isEmpty();
            });
            assertThat(usedHeapAfterGc()).isLessThanOrEqualTo(heapBaseline + HEAP_SLACK_BYTES);
        }
    }

    /** Instance {@code i}: service {@code i % SERVICES}, id {@code c-<i>}. */
    private static ServiceInstance instance(List<String> services, int i, String version) {
        return ServiceInstance.builder()
                .id("c-" + i)
                .name(services.get(i % SERVICES))
                .version(version)
                .endpoint("grpc://10.1." + (i / 250) + "." + (i % 250 + 1) + ":9000")
                .build();
    }

    /** After the last wave: the half that stayed plus the quarter that came back. */
    private static int expectedCount(int waves) {
        int last = waves - 1;
        int count = 0;
        for (int i = 0; i < INSTANCES; i++) {
            if ((i + last) % 2 != 0 || i % 4 < 2) {
                count++;
            }
        }
        return count;
    }

    /** Live threads other than the JVM-wide ones. */
    private static Set<Thread> countedThreads() {
        Set<Thread> counted = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && !isJvmWide(t.getName())) {
                counted.add(t);
            }
        }
        return counted;
    }

    private static Set<Thread> newThreads(Set<Thread> baseline) {
        Set<Thread> now = countedThreads();
        now.removeAll(baseline);
        return now;
    }

    private static boolean isJvmWide(String name) {
        return RegistryLeakCheck.JVM_WIDE.stream().anyMatch(p -> p.matcher(name).matches());
    }

    private static List<String> names(Set<Thread> threads) {
        return threads.stream().map(Thread::getName).sorted().toList();
    }

    private static long usedHeapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    /** Counts per service as a sorted map, for messages. */
    static Map<String, Integer> sizes(Map<String, Set<String>> truth) {
        return truth.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().size(), (a, b) -> a, TreeMap::new));
    }
}
