package io.registry4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The listener form that a backend gets for free when it only implements the blocking watcher. */
class WatcherLoopTest {

    /** A minimal custom backend: only the six methods Kratos has. */
    private static class QueueDiscovery implements Discovery {
        final BlockingQueue<List<ServiceInstance>> queue = new ArrayBlockingQueue<>(10);
        volatile boolean stopped;

        @Override
        public List<ServiceInstance> getService(String name) {
            return List.of();
        }

        @Override
        public Watcher watch(String name) {
            return new Watcher() {
                @Override
                public List<ServiceInstance> next() throws InterruptedException {
                    while (!stopped) {
                        List<ServiceInstance> l = queue.poll(10, TimeUnit.MILLISECONDS);
                        if (l != null) {
                            return l;
                        }
                    }
                    throw new RegistryException(RegistryException.Kind.CLOSED, "custom", "stopped");
                }

                @Override
                public void stop() {
                    stopped = true;
                }
            };
        }
    }

    @Test
    void deliversInitialThenChangesAndStopsOnClose() throws Exception {
        var d = new QueueDiscovery();
        ServiceInstance x = ServiceInstance.builder()
                .id("x")
                .name("s")
                .endpoint("grpc://h:1")
                .build();
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Subscription sub = d.watch("s", executor, e -> {
                events.add(e);
                throw new IllegalStateException("listeners may throw");
            });
            d.queue.put(List.of());
            d.queue.put(List.of(x));
            await().untilAsserted(() -> assertThat(events).hasSize(2));
            assertThat(events.get(0).type()).isEqualTo(WatchEvent.Type.INITIAL);
            assertThat(events.get(1).type()).isEqualTo(WatchEvent.Type.CHANGED);
            assertThat(events.get(1).instances()).containsExactly(x);
            sub.close();
            assertThat(d.stopped).isTrue();
        } finally {
            executor.shutdownNow();
            assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** Issue 13, defect 3: an Error thrown by a listener ended the loop while the watch stayed open. */
    @Test
    void aListenerThatThrowsAnErrorKeepsItsSubscription() throws Exception {
        var d = new QueueDiscovery();
        ServiceInstance x = ServiceInstance.builder()
                .id("x")
                .name("s")
                .endpoint("grpc://h:1")
                .build();
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Subscription sub = d.watch("s", executor, e -> {
                events.add(e);
                if (events.size() == 1) {
                    throw new AssertionError("a failed assertion in a test listener");
                }
            });
            d.queue.put(List.of());
            d.queue.put(List.of(x));
            await().untilAsserted(() -> assertThat(events).hasSize(2));
            assertThat(events.get(1).instances()).containsExactly(x);
            assertThat(d.stopped).isFalse();
            sub.close();
            assertThat(d.stopped).isTrue();
        } finally {
            executor.shutdownNow();
            assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** A watcher that fails with something other than a RegistryException ends the subscription and its watch. */
    @Test
    void aWatcherFailingWithABugStopsItsWatch() throws Exception {
        var d = new QueueDiscovery() {
            @Override
            public Watcher watch(String name) {
                Watcher inner = super.watch(name);
                return new Watcher() {
                    @Override
                    public List<ServiceInstance> next() {
                        throw new IllegalStateException("a bug in a custom backend");
                    }

                    @Override
                    public void stop() {
                        inner.stop();
                    }
                };
            }
        };
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            d.watch("s", executor, e -> {});
            await().untilAsserted(() -> assertThat(d.stopped).isTrue());
        } finally {
            executor.shutdownNow();
            assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** A watcher whose {@code next()} does what the test says, and which counts its stops. */
    private static final class ScriptedWatcher implements Watcher {
        final java.util.Deque<Object> script = new java.util.ArrayDeque<>();
        final java.util.concurrent.atomic.AtomicInteger stops = new java.util.concurrent.atomic.AtomicInteger();

        ScriptedWatcher then(Object step) {
            script.add(step);
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public List<ServiceInstance> next() throws InterruptedException {
            Object step = script.isEmpty()
                    ? new RegistryException(RegistryException.Kind.CLOSED, "custom", "end of script")
                    : script.poll();
            if (step instanceof InterruptedException e) {
                throw e;
            }
            if (step instanceof RuntimeException e) {
                throw e;
            }
            return (List<ServiceInstance>) step;
        }

        @Override
        public void stop() {
            stops.incrementAndGet();
        }
    }

    @Test
    void aRejectedStartStopsTheWatcher() {
        var w = new ScriptedWatcher();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> WatcherLoop.start(
                        "s",
                        w,
                        c -> {
                            throw new java.util.concurrent.RejectedExecutionException("full, on purpose");
                        },
                        e -> {}))
                .isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
        assertThat(w.stops).hasValue(1);
    }

    @Test
    void anInterruptedLoopStopsItsWatcherAndKeepsTheInterrupt() {
        var w = new ScriptedWatcher().then(new InterruptedException("on purpose"));
        try {
            WatcherLoop.start("s", w, Runnable::run, e -> {});
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(w.stops).hasValue(1);
    }

    @Test
    void aFailedWatcherIsStoppedAndAClosedOneIsLeftAlone() {
        var failed = new ScriptedWatcher()
                .then(List.of())
                .then(new RegistryException(RegistryException.Kind.UNAVAILABLE, "custom", "gone, on purpose"));
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        WatcherLoop.start("s", failed, Runnable::run, events::add);
        assertThat(failed.stops).hasValue(1);
        assertThat(events).extracting(WatchEvent::type).containsExactly(WatchEvent.Type.INITIAL);
        var closed = new ScriptedWatcher();
        WatcherLoop.start("s", closed, Runnable::run, e -> {});
        assertThat(closed.stops)
                .as("a watcher that ended by itself is not stopped again")
                .hasValue(0);
    }

    @Test
    void aVirtualMachineErrorFromTheListenerEndsTheLoopAndItsWatcher() {
        var w = new ScriptedWatcher().then(List.of()).then(List.of());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> WatcherLoop.start("s", w, Runnable::run, e -> {
                    throw new StackOverflowError("on purpose");
                }))
                .isInstanceOf(StackOverflowError.class);
        assertThat(w.stops).hasValue(1);
        assertThat(w.script).as("the loop ended at the error").hasSize(1);
    }
}
