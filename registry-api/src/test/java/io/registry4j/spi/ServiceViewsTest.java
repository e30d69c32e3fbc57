package io.registry4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.registry4j.Backoff;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.Subscription;
import io.registry4j.WatchEvent;
import io.registry4j.Watcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ServiceViewsTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final ManualScheduler scheduler = new ManualScheduler();
    private final FakeSource source = new FakeSource();
    private final ServiceViews views = new ServiceViews(
            "test", source, scheduler, Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0));

    /** Records openings and closings, and hands the test each opening's sink. */
    static final class FakeSource implements ServiceViews.Source {
        final Map<String, List<ServiceViews.Sink>> sinks = new ConcurrentHashMap<>();
        final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        volatile boolean failOpen;

        @Override
        public AutoCloseable open(String service, ServiceViews.Sink sink) {
            if (failOpen) {
                throw new IllegalStateException("cannot open");
            }
            opened.incrementAndGet();
            sinks.computeIfAbsent(service, s -> new CopyOnWriteArrayList<>()).add(sink);
            return closed::incrementAndGet;
        }

        ServiceViews.Sink last(String service) {
            List<ServiceViews.Sink> l = sinks.getOrDefault(service, List.of());
            assertThat(l).as("sinks of " + service).isNotEmpty();
            return l.get(l.size() - 1);
        }
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        views.close();
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private static ServiceInstance inst(String id) {
        return ServiceInstance.builder().id(id).name("s").endpoint("grpc://h:1").build();
    }

    private List<ServiceInstance> next(Watcher w) throws Exception {
        return pool.submit(w::next).get(10, TimeUnit.SECONDS);
    }

    @Test
    void firstNextWaitsForTheFirstAuthoritativeListThenReturnsItSorted() throws Exception {
        Watcher w = views.watch("s");
        Future<List<ServiceInstance>> first = pool.submit(w::next);
        assertThatThrownBy(() -> first.get(50, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        source.last("s").update(List.of(inst("b"), inst("a")));
        assertThat(first.get(10, TimeUnit.SECONDS)).containsExactly(inst("a"), inst("b"));
    }

    @Test
    void changesPatchTheSortedSnapshotAndWatchersStillGetFullLists() throws Exception {
        Watcher w = views.watch("s");
        ServiceViews.Sink sink = source.last("s");
        sink.update(List.of(inst("d"), inst("b")));
        assertThat(next(w)).containsExactly(inst("b"), inst("d"));
        ServiceInstance changedB = ServiceInstance.builder()
                .id("b")
                .name("s")
                .endpoint("grpc://h:2")
                .build();
        sink.change(List.of(inst("b")), List.of(inst("a"), changedB, inst("e")), () -> {
            throw new AssertionError("the change applies to the snapshot; the full list is not read");
        });
        assertThat(next(w)).containsExactly(inst("a"), changedB, inst("d"), inst("e"));
        sink.change(List.of(inst("d"), inst("a")), List.of(), List::of);
        assertThat(next(w)).containsExactly(changedB, inst("e"));
        assertThat(views.fresh("s")).containsExactly(changedB, inst("e"));
    }

    @Test
    void aChangeThatRemovesWhatItAddsIsNoChange() throws Exception {
        Watcher w = views.watch("s");
        ServiceViews.Sink sink = source.last("s");
        sink.update(List.of(inst("a")));
        assertThat(next(w)).containsExactly(inst("a"));
        sink.change(List.of(inst("a")), List.of(inst("a")), List::of);
        sink.change(List.of(), List.of(inst("b")), List::of);
        assertThat(next(w)).as("only the second change is a change").containsExactly(inst("a"), inst("b"));
    }

    @Test
    void aChangeTheViewCannotApplyFallsBackToTheFullList() throws Exception {
        Watcher w = views.watch("s");
        ServiceViews.Sink sink = source.last("s");
        // Before any full list of this opening, and with a removed instance the snapshot does not hold.
        sink.change(List.of(), List.of(inst("x")), () -> List.of(inst("b"), inst("a")));
        assertThat(next(w)).containsExactly(inst("a"), inst("b"));
        sink.change(List.of(inst("zzz")), List.of(), () -> List.of(inst("c")));
        assertThat(next(w)).containsExactly(inst("c"));
    }

    @Test
    void theDefaultChangeOfASinkSendsTheFullList() {
        List<Collection<ServiceInstance>> updates = new ArrayList<>();
        ServiceViews.Sink sink = new ServiceViews.Sink() {
            @Override
            public void update(Collection<ServiceInstance> instances) {
                updates.add(instances);
            }

            @Override
            public void stale(Throwable cause) {}

            @Override
            public void failed(Throwable cause) {}
        };
        sink.change(List.of(), List.of(inst("a")), () -> List.of(inst("a"), inst("b")));
        assertThat(updates).containsExactly(List.of(inst("a"), inst("b")));
    }

    @Test
    void equalListsAreDeliveredOnceAndBurstsCoalesceToTheLatest() throws Exception {
        Watcher w = views.watch("s");
        ServiceViews.Sink sink = source.last("s");
        sink.update(List.of(inst("a")));
        assertThat(next(w)).containsExactly(inst("a"));
        sink.update(List.of(inst("a")));
        sink.update(List.of(inst("a"), inst("b")));
        sink.update(List.of(inst("a"), inst("b"), inst("c")));
        assertThat(next(w)).containsExactly(inst("a"), inst("b"), inst("c"));
        sink.update(List.of(inst("c"), inst("b"), inst("a"))); // same set, other order
        Future<List<ServiceInstance>> blocked = pool.submit(w::next);
        assertThatThrownBy(() -> blocked.get(50, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        sink.update(List.of());
        assertThat(blocked.get(10, TimeUnit.SECONDS)).isEmpty();
    }

    @Test
    void aChangeThatKeepsTheSizeIsStillDelivered() throws Exception {
        Watcher w = views.watch("s");
        ServiceViews.Sink sink = source.last("s");
        sink.update(List.of(inst("a"), inst("b")));
        assertThat(next(w)).containsExactly(inst("a"), inst("b"));
        ServiceInstance changed = inst("b").toBuilder().version("v2").build();
        sink.update(List.of(inst("a"), changed));
        assertThat(next(w)).containsExactly(inst("a"), changed);
        sink.update(List.of(inst("a"), inst("c")));
        assertThat(next(w)).containsExactly(inst("a"), inst("c"));
    }

    @Test
    void staleKeepsTheListAndRecoveryIsReportedToListeners() {
        var events = new CopyOnWriteArrayList<WatchEvent>();
        views.watch("s", Runnable::run, events::add);
        ServiceViews.Sink sink = source.last("s");
        sink.stale(new RuntimeException("down before the first read"));
        sink.update(List.of(inst("a")));
        sink.stale(new RuntimeException("down"));
        sink.stale(new RuntimeException("still down"));
        assertThat(views.fresh("s")).isNull();
        sink.update(List.of(inst("a")));
        sink.update(List.of(inst("a"), inst("b")));
        assertThat(events)
                .extracting(WatchEvent::type)
                .containsExactly(
                        WatchEvent.Type.STALE,
                        WatchEvent.Type.INITIAL,
                        WatchEvent.Type.STALE,
                        WatchEvent.Type.RECOVERED,
                        WatchEvent.Type.CHANGED);
        assertThat(events.get(0).instances()).isEmpty();
        assertThat(events.get(2).instances()).as("outage is not emptiness").containsExactly(inst("a"));
        assertThat(views.fresh("s")).containsExactly(inst("a"), inst("b"));
    }

    @Test
    void watcherReportsStaleWhileTheSourceIsDown() throws Exception {
        Watcher w = views.watch("s");
        source.last("s").update(List.of(inst("a")));
        assertThat(next(w)).containsExactly(inst("a"));
        source.last("s").stale(new RuntimeException("down"));
        assertThat(w.isStale()).isTrue();
        source.last("s").update(List.of(inst("a")));
        assertThat(w.isStale()).isFalse();
    }

    @Test
    void oneSourcePerServiceSharedByAllWatchersAndReleasedWithTheLast() throws Exception {
        List<Watcher> watchers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            watchers.add(views.watch("s"));
        }
        Subscription sub = views.watch("s", Runnable::run, e -> {});
        views.watch("t").stop();
        assertThat(source.opened).hasValue(2);
        assertThat(source.closed).hasValue(1);
        assertThat(views.watchedServices()).isEqualTo(1);
        watchers.forEach(Watcher::stop);
        assertThat(source.closed).hasValue(1);
        sub.close();
        assertThat(source.closed).hasValue(2);
        assertThat(views.watchedServices()).isZero();
        views.watch("s");
        assertThat(source.opened).hasValue(3);
    }

    @Test
    void aFailedSourceIsReopenedWithBackoffAndItsOldSinkIgnored() throws Exception {
        Watcher w = views.watch("s");
        ServiceViews.Sink first = source.last("s");
        first.update(List.of(inst("a")));
        assertThat(next(w)).containsExactly(inst("a"));
        first.failed(new RuntimeException("stream broke"));
        assertThat(w.isStale()).isTrue();
        assertThat(source.closed).hasValue(1);
        assertThat(scheduler.delays()).containsExactly(Duration.ofMillis(100));
        source.failOpen = true;
        scheduler.runPending(); // reopening throws: treated as another failure, longer backoff
        assertThat(scheduler.delays()).containsExactly(Duration.ofMillis(200));
        source.failOpen = false;
        scheduler.runPending();
        assertThat(source.opened).hasValue(2);
        first.update(List.of(inst("zombie"))); // the replaced source must not feed the view
        assertThat(w.isStale()).as("stale until the new source answers").isTrue();
        assertThat(views.fresh("s")).isNull();
        ServiceViews.Sink second = source.last("s");
        second.update(List.of(inst("a"), inst("b")));
        assertThat(next(w)).containsExactly(inst("a"), inst("b"));
        assertThat(w.isStale()).isFalse();
        second.failed(new RuntimeException("again"));
        assertThat(scheduler.delays()).as("a success resets the backoff").containsExactly(Duration.ofMillis(100));
    }

    @Test
    void aLateFailureOfAReplacedSourceDoesNotMakeTheViewStale() throws Exception {
        Watcher w = views.watch("s");
        ServiceViews.Sink first = source.last("s");
        first.update(List.of(inst("a")));
        first.failed(new RuntimeException("broke"));
        scheduler.runPending();
        source.last("s").update(List.of(inst("a")));
        assertThat(w.isStale()).isFalse();
        first.failed(new RuntimeException("late"));
        assertThat(w.isStale()).isFalse();
        assertThat(scheduler.size()).isZero();
    }

    @Test
    void aListenerSubscribedWhileClosingIsRefusedAndNothingSpins() throws Exception {
        CountDownLatch opening = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        var slowViews = new ServiceViews(
                "test",
                (service, sink) -> {
                    sink.update(List.of(inst("a")));
                    opening.countDown();
                    try {
                        proceed.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return () -> {};
                },
                scheduler,
                Backoff.fixed(Duration.ofMillis(100)));
        Future<Subscription> sub = pool.submit(() -> slowViews.watch("s", Runnable::run, e -> {}));
        assertThat(opening.await(10, TimeUnit.SECONDS)).isTrue();
        slowViews.close();
        proceed.countDown();
        assertThatThrownBy(() -> sub.get(10, TimeUnit.SECONDS))
                .cause()
                .isInstanceOfSatisfying(
                        RegistryException.class, e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.CLOSED));
    }

    @Test
    void aListenerThatThrowsAnErrorKeepsItsSubscription() {
        var calls = new AtomicInteger();
        views.watch("s", Runnable::run, e -> {
            calls.incrementAndGet();
            throw new AssertionError("on purpose");
        });
        source.last("s").update(List.of(inst("a")));
        source.last("s").update(List.of(inst("a"), inst("b")));
        assertThat(calls).hasValue(2);
    }

    @Test
    void stopWakesABlockedNextAndLaterCallsThrowClosed() throws Exception {
        Watcher w = views.watch("s");
        Future<List<ServiceInstance>> blocked = pool.submit(w::next);
        assertThatThrownBy(() -> blocked.get(50, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        w.stop();
        assertThatThrownBy(() -> blocked.get(10, TimeUnit.SECONDS))
                .cause()
                .isInstanceOfSatisfying(
                        RegistryException.class, e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.CLOSED));
        assertThatThrownBy(w::next).isInstanceOf(RegistryException.class);
        w.stop();
    }

    @Test
    void closingStopsEverythingAndRefusesNewWatches() throws Exception {
        Watcher w = views.watch("s");
        Future<List<ServiceInstance>> blocked = pool.submit(w::next);
        views.close();
        assertThatThrownBy(() -> blocked.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(RegistryException.class);
        assertThat(source.closed).hasValue(1);
        assertThatThrownBy(() -> views.watch("s"))
                .isInstanceOfSatisfying(
                        RegistryException.class, e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.CLOSED));
        assertThat(OpenResources.open()).noneMatch(d -> d.startsWith("test "));
    }

    @Test
    void concurrentUpdatesAndWatchersLoseNoWakeUp() throws Exception {
        // 4 writers push growing lists; 16 watchers loop on next() until they see the final list. A lost wake-up
        // or a torn snapshot leaves a watcher blocked or sees a list that shrinks.
        int rounds = 2000;
        List<Watcher> watchers = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            watchers.add(views.watch("s"));
        }
        ServiceViews.Sink sink = source.last("s");
        List<Future<Integer>> readers = new ArrayList<>();
        for (Watcher w : watchers) {
            readers.add(pool.submit(() -> {
                int last = -1;
                int seen = 0;
                while (last < rounds) {
                    List<ServiceInstance> l = w.next();
                    assertThat(l.size()).isGreaterThanOrEqualTo(0);
                    last = l.size();
                    seen++;
                }
                return seen;
            }));
        }
        List<ServiceInstance> prebuilt = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            prebuilt.add(inst("i" + i));
        }
        var counter = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> writers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            writers.add(pool.submit(() -> {
                go.await();
                while (true) {
                    synchronized (counter) { // one update at a time, growing, as a backend's event thread would
                        int n = counter.incrementAndGet();
                        if (n > rounds) {
                            return null;
                        }
                        sink.update(prebuilt.subList(0, n));
                    }
                }
            }));
        }
        go.countDown();
        for (Future<?> f : writers) {
            f.get(60, TimeUnit.SECONDS);
        }
        for (Future<Integer> r : readers) {
            assertThat(r.get(60, TimeUnit.SECONDS)).isPositive();
        }
    }

    @Test
    void concurrentWatchAndStopKeepTheSourceCountRight() throws Exception {
        int threads = 8;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> tasks = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            tasks.add(pool.submit(() -> {
                go.await();
                for (int i = 0; i < 500; i++) {
                    Watcher w = views.watch("s" + (i % 3));
                    w.stop();
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : tasks) {
            f.get(60, TimeUnit.SECONDS);
        }
        assertThat(views.watchedServices()).isZero();
        assertThat(source.closed.get()).isEqualTo(source.opened.get());
    }

    @Test
    void listenersOnAPoolAreOrderedNeverConcurrentAndEndWithTheLatest() throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(4);
        try {
            var inFlight = new AtomicInteger();
            var overlaps = new AtomicInteger();
            var sizes = new CopyOnWriteArrayList<Integer>();
            views.watch("s", executor, e -> {
                if (inFlight.incrementAndGet() > 1) {
                    overlaps.incrementAndGet();
                }
                sizes.add(e.instances().size());
                inFlight.decrementAndGet();
            });
            ServiceViews.Sink sink = source.last("s");
            List<ServiceInstance> l = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                l.add(inst("i" + String.format("%03d", i)));
                sink.update(l);
            }
            await().untilAsserted(() -> assertThat(sizes).last().isEqualTo(500));
            assertThat(overlaps).hasValue(0);
            assertThat(sizes).isSorted().doesNotHaveDuplicates();
        } finally {
            executor.shutdownNow();
            assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void updatesCopyTheCallersCollection() throws Exception {
        Watcher w = views.watch("s");
        Collection<ServiceInstance> mine = new ArrayList<>(List.of(inst("a")));
        source.last("s").update(mine);
        mine.add(inst("b"));
        assertThat(next(w)).containsExactly(inst("a"));
    }

    /**
     * Issue 13, defect 1: the view was marked stale after the reopen was scheduled, so a new source that delivered
     * at once left a healthy view stale. A scheduler that runs the reopen on the spot makes that interleaving certain.
     */
    @Test
    void aReopenedSourceThatDeliversAtOnceLeavesTheViewFresh() throws Exception {
        Scheduler immediate = (delay, task) -> {
            task.run();
            return () -> {};
        };
        List<ServiceViews.Sink> sinks = new CopyOnWriteArrayList<>();
        ServiceViews.Source delivering = (service, sink) -> {
            sinks.add(sink);
            sink.update(List.of(inst("a")));
            return () -> {};
        };
        try (var v = new ServiceViews("test", delivering, immediate, Backoff.fixed(Duration.ofMillis(10)))) {
            Watcher w = v.watch("s");
            assertThat(next(w)).containsExactly(inst("a"));

            sinks.get(0).failed(new IllegalStateException("stream cut"));

            assertThat(sinks).hasSize(2);
            assertThat(w.isStale()).isFalse();
            assertThat(v.fresh("s")).containsExactly(inst("a"));
        }
    }

    /** Issue 13, defect 4: a delivery the listener's executor rejected was dropped and never tried again. */
    @Test
    void aRejectedDeliveryIsRetriedWithTheLatestState() {
        AtomicInteger rejections = new AtomicInteger();
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        Executor flaky = r -> {
            if (rejections.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new RejectedExecutionException("queue full");
            }
            r.run();
        };
        Subscription sub = views.watch("s", flaky, events::add);
        rejections.set(2);
        source.last("s").update(List.of(inst("a")));
        assertThat(events).isEmpty();

        scheduler.runPending(); // rejected again: retried later still
        assertThat(events).isEmpty();
        assertThat(scheduler.runPending()).isEqualTo(1);

        assertThat(events).hasSize(1);
        assertThat(events.get(0).type()).isEqualTo(WatchEvent.Type.INITIAL);
        assertThat(events.get(0).instances()).containsExactly(inst("a"));
        sub.close();
    }
}
