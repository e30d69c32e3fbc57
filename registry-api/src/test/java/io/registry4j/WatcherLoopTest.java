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
}
