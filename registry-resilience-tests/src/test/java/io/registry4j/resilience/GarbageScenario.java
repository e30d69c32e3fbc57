package io.registry4j.resilience;

import static io.registry4j.resilience.Scenarios.bound;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.Subscription;
import io.registry4j.spi.AbstractServiceRegistry;
import io.registry4j.testkit.RegistryLeakCheck;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * 1,000 entries that are not instances (not JSON, JSON of the wrong shape, bad endpoints, bytes) written with the
 * native client next to valid instances of one service. Expected: the list holds exactly the valid instances, the
 * registry's skip counter says 1,000 after its one read, and the watcher lives on: later changes still arrive.
 */
@ExtendWith(RegistryLeakCheck.class)
abstract class GarbageScenario {
    static final String SERVICE = "billing";
    static final int GARBAGE = 1_000;
    static final int VALID = 20;

    /** The server, with what the scenario does to it through the native client. */
    interface Server extends AutoCloseable {
        String address();

        /** Writes {@code values} under the service as entries named {@code g-<index>}, behind the registry's back. */
        void writeGarbage(List<byte[]> values) throws Exception;

        @Override
        void close();
    }

    abstract String backend();

    abstract Server start();

    abstract AbstractServiceRegistry open(String address);

    @Test
    void skipsEveryBadEntryAndKeepsWatching() throws Exception {
        // Each skipped key is logged once as a warning; 1,000 of them would bury the test's own output.
        Logger skipLog = Logger.getLogger(AbstractServiceRegistry.class.getName());
        Level level = skipLog.getLevel();
        skipLog.setLevel(Level.SEVERE);
        try (Server server = start();
                ServiceRegistry owner = open(server.address());
                AbstractServiceRegistry observer = open(server.address())) {
            List<ServiceInstance> valid = Scenarios.instances(SERVICE, "v", VALID);
            valid.forEach(owner::register);
            server.writeGarbage(garbage());

            Timeline watchLog = new Timeline();
            long start = System.nanoTime();
            Subscription watch = observer.watch(SERVICE, Runnable::run, watchLog);
            try {
                await().atMost(bound(Duration.ofSeconds(30)))
                        .until(() -> !watchLog.watches(start).isEmpty());
                RecoveryTimes.record(
                        "garbage",
                        backend(),
                        "first list of 20 valid among 1,000 bad entries",
                        RecoveryTimes.since(start),
                        "one read of the service");
                assertThat(watchLog.watches(start).get(0).type()).isEqualTo(io.registry4j.WatchEvent.Type.INITIAL);
                assertThat(watchLog.latest()).containsExactlyElementsOf(sorted(valid));
                assertThat(observer.getService(SERVICE)).containsExactlyElementsOf(sorted(valid));
                assertThat(observer.skippedEntries())
                        .as("entries skipped by the one read")
                        .isEqualTo(GARBAGE);

                // The watcher lives on: a change after the garbage still arrives, without the garbage.
                ServiceInstance late = Scenarios.instance(SERVICE, "v-late");
                owner.register(late);
                List<ServiceInstance> expected = new ArrayList<>(valid);
                expected.add(late);
                await().atMost(bound(Duration.ofSeconds(10)))
                        .untilAsserted(() -> assertThat(watchLog.latest()).containsExactlyElementsOf(sorted(expected)));
                owner.deregister(valid.get(0));
                expected.remove(valid.get(0));
                await().atMost(bound(Duration.ofSeconds(10)))
                        .untilAsserted(() -> assertThat(watchLog.latest()).containsExactlyElementsOf(sorted(expected)));
                assertThat(watchLog.types(start)).doesNotContain(io.registry4j.WatchEvent.Type.STALE);
            } finally {
                watch.close();
            }
        } finally {
            skipLog.setLevel(level);
        }
    }

    /** {@link #GARBAGE} values of five kinds, none of which is an instance. */
    static List<byte[]> garbage() {
        List<byte[]> out = new ArrayList<>(GARBAGE);
        for (int i = 0; i < GARBAGE; i++) {
            String text = switch (i % 5) {
                case 0 -> "not json {" + i;
                case 1 -> "{}";
                case 2 -> "{\"id\":\"g-" + i + "\",\"name\":\"" + SERVICE + "\",\"endpoints\":[\"::not a uri::\"]}";
                case 3 -> "[1,2,3]";
                default -> null;
            };
            out.add(text == null ? new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1} : text.getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    private static List<ServiceInstance> sorted(List<ServiceInstance> instances) {
        return instances.stream()
                .sorted(java.util.Comparator.comparing(ServiceInstance::id))
                .toList();
    }
}
