package io.registry4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.registry4j.spi.OpenResources;
import io.registry4j.spi.RegistryThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit extension that fails a test which leaves behind what registry4j promises to clean up: a live
 * {@code registry4j-*} thread started during the test, an open registry or watcher, or an exception that escaped a
 * library thread. Threads get a few seconds to end, since closing is allowed to finish asynchronously. Threads of the
 * test harness ({@code registry4j-testservers-*}) are not the library's and are ignored.
 *
 * <p>Use with {@code @ExtendWith(RegistryLeakCheck.class)}; {@link RegistryCompatibilityKit} does.
 */
public final class RegistryLeakCheck implements BeforeEachCallback, AfterEachCallback {
    private static final String HARNESS_PREFIX = RegistryThreads.PREFIX + "testservers-";
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(RegistryLeakCheck.class);

    /** Used by JUnit. */
    public RegistryLeakCheck() {}

    private record Before(Set<Thread> threads, IdentityHashMap<Object, String> open, int uncaught) {}

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NS)
                .put(
                        "before",
                        new Before(
                                libraryThreads(),
                                OpenResources.snapshot(),
                                RegistryThreads.uncaught().size()));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Before before = context.getStore(NS).get("before", Before.class);
        if (before == null) {
            return;
        }
        Awaitility.await("registry4j threads started by the test to end")
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .untilAsserted(() -> {
                    Set<Thread> left = libraryThreads();
                    left.removeAll(before.threads);
                    assertThat(names(left))
                            .as("registry4j threads still alive after the test")
                            .isEmpty();
                });
        List<String> leaked = new ArrayList<>();
        OpenResources.snapshot().forEach((resource, description) -> {
            if (!before.open.containsKey(resource)) {
                leaked.add(description);
            }
        });
        assertThat(leaked).as("registries and watchers left open by the test").isEmpty();
        List<Throwable> uncaught = RegistryThreads.uncaught();
        assertThat(uncaught.subList(Math.min(before.uncaught, uncaught.size()), uncaught.size()))
                .as("exceptions that escaped registry4j threads during the test")
                .isEmpty();
    }

    private static Set<Thread> libraryThreads() {
        Set<Thread> out = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String n = t.getName();
            if (t.isAlive() && n.startsWith(RegistryThreads.PREFIX) && !n.startsWith(HARNESS_PREFIX)) {
                out.add(t);
            }
        }
        return out;
    }

    private static List<String> names(Set<Thread> threads) {
        List<String> out = new ArrayList<>();
        threads.forEach(t -> out.add(t.getName()));
        return out;
    }
}
