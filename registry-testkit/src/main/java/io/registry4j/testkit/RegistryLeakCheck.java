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
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit extension that fails a test which leaves behind what registry4j promises to clean up: a live thread started
 * during the test (a {@code registry4j-*} one, or one of the native client's: Vert.x, gRPC, Netty, an SDK's pools), an
 * open registry or watcher, or an exception that escaped a library thread. Threads get a few seconds to end, since
 * closing is allowed to finish asynchronously. Not counted: threads of the test harness ({@code
 * registry4j-testservers-*}, in-process test servers) and the JVM-wide singletons in {@link #JVM_WIDE}, which no
 * library can close; the README names them. A native thread that ends by itself some seconds after close ({@link
 * #SELF_ENDING}) is not waited for after each test, but must have ended by the end of the test class.
 *
 * <p>Use with {@code @ExtendWith(RegistryLeakCheck.class)}; {@link RegistryCompatibilityKit} does.
 */
public final class RegistryLeakCheck implements BeforeEachCallback, AfterEachCallback, AfterAllCallback {
    private static final String HARNESS_PREFIX = RegistryThreads.PREFIX + "testservers-";

    /**
     * Name patterns of threads that may outlive a test: the JDK's own singletons (the common fork-join pool, the
     * process reaper, the cleaner, HTTP keep-alive timers), threads of a test server run in this JVM (ZooKeeper's),
     * and the kit's own waiters, which it ends itself.
     */
    public static final List<Pattern> JVM_WIDE = List.of(
            Pattern.compile("ForkJoinPool\\.commonPool-worker-\\d+"),
            Pattern.compile("process reaper.*"),
            Pattern.compile("Common-Cleaner|Reference Handler|Finalizer|Signal Dispatcher|Attach Listener"),
            Pattern.compile("Notification Thread|JFR .*|Keep-Alive-Timer|Keep-Alive-SocketCleaner"),
            // A JDK HttpClient's default executor: the test servers' readiness probes use one; registry4j's own
            // HTTP clients always get a named registry4j executor.
            Pattern.compile("HttpClient-\\d+-Worker-\\d+"),
            // nacos-client's NotifyCenter: a static event bus whose publishers live as long as the JVM.
            Pattern.compile("nacos\\.publisher-.*"),
            // The JDK's static scheduler behind CompletableFuture.delayedExecutor and orTimeout: never ends.
            Pattern.compile("CompletableFutureDelayScheduler"),
            // The fabric8 Kubernetes client's static scheduler (informer resyncs and watch reconnects), shared by every
            // client in the JVM; it ends on its own some seconds after its last task.
            Pattern.compile("CachedSingleThreadScheduler-\\d+-pool-\\d+-thread-\\d+"),
            // Failsafe's static delay scheduler (DelegatingScheduler.DELAYER), started by the first delayed retry of
            // jetcd's calls during an outage and never shut down: one per JVM, like the JDK's above.
            Pattern.compile("FailsafeDelayScheduler"),
            // Before JDK 21 an HttpClient cannot be closed: its selector thread ends when the client is
            // garbage-collected. From JDK 21 registries close the clients they build, and this is counted.
            Pattern.compile(Runtime.version().feature() < 21 ? "HttpClient-\\d+-SelectorManager" : "(?!)"),
            // The kit's and JUnit's own helpers: the kit ends its waiters, JUnit keeps one timeout watcher, Awaitility
            // runs each condition on a thread of its own (named after the await, or "awaitility-thread").
            Pattern.compile(
                    "kit-waiter|kit-scheduler|cli-test-run|awaitility(\\[.*|-thread)|junit-jupiter-timeout-watcher"),
            Pattern.compile(RegistryThreads.PREFIX + "testservers-.*"),
            // The JDK's HttpServer (com.sun.net.httpserver), whose thread names are fixed: in-process fake servers
            // (the fake Consul agent) run on it, and restart it in fault tests. registry4j itself serves nothing.
            Pattern.compile("HTTP-Dispatcher|idle-timeout-task"),
            // ZooKeeper's in-process test server (curator-test) and its restarts, and ZooKeeper clients that tests
            // build on their main thread (registry4j's own are named registry4j-zookeeper-…).
            Pattern.compile("zkservermainrunner|main-SendThread\\(.*\\)|main-EventThread"),
            Pattern.compile("NIOServerCxnFactory\\..*|NIOWorkerThread-\\d+|ConnnectionExpirer|SessionTracker"),
            Pattern.compile("SyncThread:\\d+|ProcessThread\\(.*|RequestThrottler|CommitProcessor:\\d+|"
                    + "CommitProcWorkThread-\\d+|PurgeTask|FileTxnSnapLog.*|LearnerHandler.*|"
                    // a LearnerHandler's packet sender in an ensemble's leader, named after the follower's address
                    + "Sender-/.*|"
                    + "ZooKeeperServerListenerImpl.*|Time-limited test|zk-admin.*|ContainerManagerTask"));

    /**
     * Name patterns of a native SDK's threads that end by themselves a few seconds after the SDK is shut down, which
     * no caller can hasten: nacos-client's fuzzy-watch worker checks for shutdown only between 5-second polls of its
     * queue. A test does not wait for them; they must have ended by the end of the test class (checked once there,
     * so a class of 57 tests does not wait 57 times 5 s).
     */
    public static final List<Pattern> SELF_ENDING =
            List.of(Pattern.compile("com\\.alibaba\\.nacos\\.client\\.naming\\.fuzzy\\.watch\\.Worker\\.\\d+"));

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(RegistryLeakCheck.class);

    /** Self-ending threads started by tests of the current top-level class, checked in its {@code afterAll}. */
    private static final Set<Thread> ENDING = ConcurrentHashMap.newKeySet();

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
        Awaitility.await("threads started by the test to end")
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .untilAsserted(() -> {
                    Set<Thread> left = libraryThreads();
                    left.removeAll(before.threads);
                    for (Thread t : left) {
                        if (selfEnding(t)) {
                            ENDING.add(t);
                        }
                    }
                    left.removeIf(RegistryLeakCheck::selfEnding);
                    assertThat(names(left))
                            .as("threads started during the test and still alive after it (registry4j's or its "
                                    + "native clients')")
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

    @Override
    public void afterAll(ExtensionContext context) {
        boolean topLevel =
                context.getParent().flatMap(ExtensionContext::getTestClass).isEmpty();
        if (!topLevel) {
            return;
        }
        try {
            Awaitility.await("threads that end by themselves after close to end")
                    .atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(50))
                    .untilAsserted(() -> {
                        ENDING.removeIf(t -> !t.isAlive());
                        assertThat(names(new HashSet<>(ENDING)))
                                .as("native client threads still alive 10 s after the test class ended")
                                .isEmpty();
                    });
        } finally {
            ENDING.clear();
        }
    }

    private static boolean selfEnding(Thread t) {
        String name = t.getName();
        return SELF_ENDING.stream().anyMatch(p -> p.matcher(name).matches());
    }

    private static Set<Thread> libraryThreads() {
        Set<Thread> out = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && !isJvmWide(t) && !t.getName().startsWith(HARNESS_PREFIX)) {
                out.add(t);
            }
        }
        return out;
    }

    /**
     * Tells whether a thread is one of the {@link #JVM_WIDE} singletons (or the test harness's) that may outlive a
     * test.
     *
     * @param t a thread
     * @return true if it is not counted as a leak
     */
    public static boolean isJvmWide(Thread t) {
        String name = t.getName();
        for (Pattern p : JVM_WIDE) {
            if (p.matcher(name).matches()) {
                return true;
            }
        }
        return false;
    }

    private static List<String> names(Set<Thread> threads) {
        List<String> out = new ArrayList<>();
        threads.forEach(t -> out.add(t.getName()));
        return out;
    }
}
