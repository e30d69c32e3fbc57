package io.registry4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.registry4j.Watcher;
import io.registry4j.spi.RegistryThreads;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/** Runs small test classes through the JUnit engine and checks that the leak check fails the leaky ones. */
class RegistryLeakCheckTest {
    static final CountDownLatch RELEASE = new CountDownLatch(1);
    static final CountDownLatch RELEASE_NATIVE = new CountDownLatch(1);
    static final CountDownLatch RELEASE_SELF_ENDING = new CountDownLatch(1);
    static final String SELF_ENDING_NAME = "com.alibaba.nacos.client.naming.fuzzy.watch.Worker.0";

    /** Starts a thread named like nacos-client's fuzzy-watch worker, which ends when {@code release} opens. */
    static void startSelfEnding(CountDownLatch release, long maxWaitMillis) {
        Thread t = new Thread(
                () -> {
                    try {
                        release.await(maxWaitMillis, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                SELF_ENDING_NAME);
        t.setDaemon(true);
        t.start();
    }

    @ExtendWith(RegistryLeakCheck.class)
    static class LeavesAWatcherOpen {
        // Held so that a garbage collection cannot drop the leak from the weak open-resources table mid-test.
        static volatile @Nullable InMemoryRegistry leaked;
        static volatile @Nullable Watcher leakedWatcher;

        @Test
        void test() {
            InMemoryRegistry r = InMemoryRegistry.builder().build();
            leaked = r;
            leakedWatcher = r.watch("svc");
            // The registry itself is left open too.
        }
    }

    @ExtendWith(RegistryLeakCheck.class)
    static class LeavesAThreadRunning {
        @Test
        void test() {
            Thread t = RegistryThreads.factory("leak", "test").newThread(() -> {
                try {
                    RELEASE.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            t.start();
        }
    }

    @ExtendWith(RegistryLeakCheck.class)
    static class LeavesANativeClientThreadRunning {
        @Test
        void test() {
            // What a native client's event loop looks like: not ours by name, started by the test, never ended.
            Thread t = new Thread(
                    () -> {
                        try {
                            RELEASE_NATIVE.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    },
                    "vert.x-eventloop-thread-0");
            t.setDaemon(true);
            t.start();
        }
    }

    @ExtendWith(RegistryLeakCheck.class)
    @TestMethodOrder(MethodOrderer.MethodName.class)
    static class LeavesASelfEndingThreadThatEndsLater {
        @Test
        void a() {
            // Ends two seconds after the test, as nacos-client's worker does at its next poll.
            startSelfEnding(new CountDownLatch(1), 2000);
        }

        @Test
        void b() {
            assertThat(Thread.getAllStackTraces().keySet())
                    .as("the first test's afterEach did not wait for the self-ending thread")
                    .anyMatch(t -> t.getName().equals(SELF_ENDING_NAME) && t.isAlive());
        }
    }

    @ExtendWith(RegistryLeakCheck.class)
    static class LeavesASelfEndingThreadThatNeverEnds {
        @Test
        void test() {
            startSelfEnding(RELEASE_SELF_ENDING, Long.MAX_VALUE);
        }
    }

    @ExtendWith(RegistryLeakCheck.class)
    static class ThrowsOnALibraryThread {
        @Test
        void test() {
            RegistryThreads.guarded("failing task", () -> {
                        throw new IllegalStateException("boom");
                    })
                    .run();
        }
    }

    @ExtendWith(RegistryLeakCheck.class)
    static class CleansUp {
        @Test
        void test() {
            try (InMemoryRegistry r = InMemoryRegistry.builder().build()) {
                r.watch("svc").stop();
            }
        }
    }

    private static Events run(Class<?> c) {
        return EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(c))
                .execute()
                .testEvents();
    }

    @Test
    void failsATestThatLeavesAWatcherOrRegistryOpen() {
        try {
            Events e = run(LeavesAWatcherOpen.class);
            assertThat(e.failed().count()).isEqualTo(1);
            assertThat(e.failed().stream()
                            .findFirst()
                            .orElseThrow()
                            .getPayload()
                            .toString())
                    .contains("left open");
        } finally {
            InMemoryRegistry r = LeavesAWatcherOpen.leaked;
            if (r != null) {
                r.close();
            }
            LeavesAWatcherOpen.leaked = null;
            LeavesAWatcherOpen.leakedWatcher = null;
        }
    }

    @Test
    void failsATestThatLeavesALibraryThreadRunning() {
        try {
            Events e = run(LeavesAThreadRunning.class);
            assertThat(e.failed().count()).isEqualTo(1);
        } finally {
            RELEASE.countDown();
        }
    }

    @Test
    void failsATestThatLeavesANativeClientThreadRunning() {
        try {
            Events e = run(LeavesANativeClientThreadRunning.class);
            assertThat(e.failed().count()).isEqualTo(1);
            assertThat(e.failed().stream()
                            .findFirst()
                            .orElseThrow()
                            .getPayload()
                            .toString())
                    .contains("vert.x-eventloop-thread-0");
        } finally {
            RELEASE_NATIVE.countDown();
        }
    }

    @Test
    void doesNotWaitForASelfEndingThreadButChecksItEndedByTheEndOfTheClass() {
        EngineTestKit.Builder kit = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(LeavesASelfEndingThreadThatEndsLater.class));
        var result = kit.execute();
        assertThat(result.testEvents().succeeded().count()).isEqualTo(2);
        assertThat(result.containerEvents().failed().count()).isZero();
    }

    @Test
    void failsTheClassWhenASelfEndingThreadNeverEnds() {
        try {
            var result = EngineTestKit.engine("junit-jupiter")
                    .selectors(selectClass(LeavesASelfEndingThreadThatNeverEnds.class))
                    .execute();
            assertThat(result.testEvents().succeeded().count()).isEqualTo(1);
            assertThat(result.containerEvents().failed().stream()
                            .findFirst()
                            .orElseThrow()
                            .getPayload()
                            .toString())
                    .contains(SELF_ENDING_NAME);
        } finally {
            RELEASE_SELF_ENDING.countDown();
        }
    }

    @Test
    void failsATestWhoseLibraryThreadThrew() {
        assertThat(run(ThrowsOnALibraryThread.class).failed().count()).isEqualTo(1);
    }

    @Test
    void passesATestThatCleansUp() {
        Events e = run(CleansUp.class);
        assertThat(e.succeeded().count()).isEqualTo(1);
        assertThat(e.failed().count()).isZero();
    }
}
