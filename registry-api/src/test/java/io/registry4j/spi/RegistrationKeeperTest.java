package io.registry4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.registry4j.Backoff;
import io.registry4j.RegistrationEvent;
import io.registry4j.RegistrationEvent.State;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RegistrationKeeperTest {
    private static final Instant NOW = Instant.parse("2024-01-01T00:00:00Z");

    /** A backend held in a map; writes can be made to fail. */
    static class FakeBackend implements RegistrationKeeper.Hooks {
        final Map<String, ServiceInstance> stored = new ConcurrentHashMap<>();
        final AtomicInteger writes = new AtomicInteger();
        final AtomicInteger failuresToCome = new AtomicInteger();
        volatile boolean down;

        @Override
        public void write(ServiceInstance instance) {
            writes.incrementAndGet();
            if (down || failuresToCome.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new RegistryException(RegistryException.Kind.UNAVAILABLE, "fake", "down");
            }
            stored.put(instance.id(), instance);
        }

        @Override
        public void remove(ServiceInstance instance) {
            if (down) {
                throw new RegistryException(RegistryException.Kind.UNAVAILABLE, "fake", "down");
            }
            stored.remove(instance.id());
        }

        @Override
        public boolean verify(ServiceInstance instance) {
            if (down) {
                throw new RegistryException(RegistryException.Kind.UNAVAILABLE, "fake", "down");
            }
            return stored.containsKey(instance.id());
        }
    }

    private final FakeBackend backend = new FakeBackend();
    private final ManualScheduler scheduler = new ManualScheduler();
    private final List<RegistrationEvent> events = new CopyOnWriteArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool();

    private RegistrationKeeper keeper(@Nullable Duration keepAlive) {
        var k = new RegistrationKeeper(
                "fake",
                backend,
                scheduler,
                Clock.fixed(NOW, ZoneOffset.UTC),
                Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0),
                keepAlive);
        k.addListener(Runnable::run, events::add);
        return k;
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private static ServiceInstance inst(String id) {
        return ServiceInstance.builder().id(id).name("s").endpoint("grpc://h:1").build();
    }

    private List<State> states() {
        List<State> out = new ArrayList<>();
        events.forEach(e -> out.add(e.state()));
        return out;
    }

    @Test
    void registerWritesAtOnceAndReportsRegistered() {
        RegistrationKeeper k = keeper(null);
        k.register(inst("a"));
        assertThat(backend.stored).containsKey("a");
        assertThat(states()).containsExactly(State.REGISTERED);
        assertThat(events.get(0).at()).isEqualTo(NOW);
        assertThat(k.registered()).containsExactly(inst("a"));
    }

    @Test
    void aFailedFirstRegistrationThrowsAndIsNotKept() {
        RegistrationKeeper k = keeper(null);
        backend.down = true;
        assertThatThrownBy(() -> k.register(inst("a"))).isInstanceOf(RegistryException.class);
        assertThat(k.registered()).isEmpty();
        backend.down = false;
        k.lostAll(null);
        assertThat(scheduler.size()).isZero();
    }

    @Test
    void aLossIsRepairedAtOnceThenWithGrowingBackoffUntilItWorks() {
        RegistrationKeeper k = keeper(null);
        k.register(inst("a"));
        backend.stored.clear();
        backend.failuresToCome.set(3);
        k.lost(inst("a"), new RuntimeException("lease expired"));
        assertThat(scheduler.delays()).containsExactly(Duration.ZERO);
        scheduler.runPending();
        assertThat(scheduler.delays()).containsExactly(Duration.ofMillis(100));
        scheduler.runPending();
        assertThat(scheduler.delays()).containsExactly(Duration.ofMillis(200));
        scheduler.runPending();
        assertThat(scheduler.delays()).containsExactly(Duration.ofMillis(400));
        scheduler.runPending();
        assertThat(backend.stored).containsKey("a");
        assertThat(scheduler.size()).isZero();
        assertThat(states())
                .containsExactly(
                        State.REGISTERED, State.LOST, State.RETRYING, State.RETRYING, State.RETRYING, State.RESTORED);
        assertThat(events.get(2).attempt()).isEqualTo(1);
        assertThat(events.get(4).attempt()).isEqualTo(3);
        assertThat(events.get(1).cause()).hasMessage("lease expired");
    }

    @Test
    void retryNowSkipsTheRemainingBackoff() {
        RegistrationKeeper k = keeper(null);
        k.register(inst("a"));
        backend.down = true;
        k.lost(inst("a"), null);
        scheduler.runPending();
        scheduler.runPending();
        assertThat(scheduler.delays()).containsExactly(Duration.ofMillis(200));
        backend.down = false;
        k.retryNow();
        assertThat(states()).as("nothing happens on the caller's thread").doesNotContain(State.RESTORED);
        assertThat(scheduler.delays()).containsExactly(Duration.ofMillis(200), Duration.ZERO);
        scheduler.runPending(); // the retry-now task replaced the 200 ms wait by an immediate retry, and ran
        assertThat(states()).endsWith(State.RESTORED);
        k.retryNow();
        scheduler.runPending();
        assertThat(scheduler.size()).as("nothing is lost any more").isZero();
    }

    @Test
    void aSecondLossReportWhileRepairingIsIgnored() {
        RegistrationKeeper k = keeper(null);
        k.register(inst("a"));
        k.lost(inst("a"), null);
        k.lostAll(null);
        assertThat(states()).containsExactly(State.REGISTERED, State.LOST);
        assertThat(scheduler.size()).isEqualTo(1);
    }

    @Test
    void deregisterStopsRepairsForGood() {
        RegistrationKeeper k = keeper(Duration.ofSeconds(1));
        k.register(inst("a"));
        backend.down = true;
        k.lost(inst("a"), null);
        scheduler.runPending(); // fails, retry scheduled
        backend.down = false;
        assertThat(k.deregister(inst("a"))).isTrue();
        int writes = backend.writes.get();
        for (int i = 0; i < 5; i++) {
            scheduler.runPending();
        }
        k.lostAll(null);
        scheduler.runPending();
        assertThat(backend.writes).hasValue(writes);
        assertThat(backend.stored).doesNotContainKey("a");
        assertThat(k.deregister(inst("a"))).as("unknown now").isFalse();
    }

    @Test
    void keepaliveNoticesADeletionAndToleratesAnOutage() {
        RegistrationKeeper k = keeper(Duration.ofSeconds(5));
        k.register(inst("a"));
        assertThat(scheduler.delays()).containsExactly(Duration.ofSeconds(5));
        backend.down = true;
        scheduler.runPending(); // verify throws: keep going at the same interval, no loss reported
        assertThat(scheduler.delays()).containsExactly(Duration.ofSeconds(5));
        assertThat(states()).containsExactly(State.REGISTERED);
        backend.down = false;
        backend.stored.clear();
        scheduler.runPending(); // verify says gone
        assertThat(states()).containsExactly(State.REGISTERED, State.LOST);
        scheduler.runPending(); // repaired
        assertThat(states()).containsExactly(State.REGISTERED, State.LOST, State.RESTORED);
        assertThat(backend.stored).containsKey("a");
        assertThat(scheduler.delays()).containsExactly(Duration.ofSeconds(5));
    }

    @Test
    void registeringAgainUpdatesTheKeptInstance() {
        RegistrationKeeper k = keeper(null);
        k.register(inst("a"));
        ServiceInstance v2 = inst("a").toBuilder().version("2").build();
        k.register(v2);
        backend.stored.clear();
        k.lostAll(null);
        scheduler.runPending();
        assertThat(backend.stored.get("a")).isEqualTo(v2);
        assertThat(k.registered()).containsExactly(v2);
    }

    @Test
    void closeRemovesEverythingAndGivesUpOnceTheBackendIsUnreachable() {
        RegistrationKeeper k = keeper(null);
        k.register(inst("a"));
        k.register(inst("b"));
        assertThat(k.close()).isEmpty();
        assertThat(backend.stored).isEmpty();
        assertThatThrownBy(() -> k.register(inst("c")))
                .isInstanceOfSatisfying(
                        RegistryException.class, e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.CLOSED));

        RegistrationKeeper k2 = keeper(null);
        for (int i = 0; i < 10; i++) {
            k2.register(inst("i" + i));
        }
        backend.down = true;
        assertThat(k2.close())
                .as("one failure, then the rest is left to expire")
                .hasSize(1);
    }

    @Test
    void aRegisterThatRacesCloseIsTakenBackAndFails() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        var slow = new FakeBackend() {
            @Override
            public void write(ServiceInstance instance) {
                writing.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.write(instance);
            }
        };
        var k = new RegistrationKeeper(
                "fake", slow, scheduler, Clock.systemUTC(), Backoff.fixed(Duration.ofMillis(100)), null);
        Future<?> register = pool.submit(() -> k.register(inst("a")));
        writing.await();
        Future<List<RuntimeException>> close = pool.submit(k::close); // waits for the write in flight
        await().until(() -> k.isClosing());
        release.countDown();
        assertThat(close.get(10, TimeUnit.SECONDS)).isEmpty();
        assertThatThrownBy(() -> register.get(10, TimeUnit.SECONDS))
                .cause()
                .isInstanceOfSatisfying(
                        RegistryException.class, e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.CLOSED));
        assertThat(slow.stored).isEmpty();
        assertThat(k.registered()).isEmpty();
    }

    @Test
    void listenersRunOutsideTheEntryLockSoTheyMayCallBack() throws Exception {
        RegistrationKeeper k = keeper(null);
        var done = new CountDownLatch(1);
        k.addListener(Runnable::run, ev -> {
            if (ev.state() == State.REGISTERED) {
                try {
                    // Another thread deregisters while this listener runs: it must not wait for our caller's lock.
                    pool.submit(() -> k.deregister(ev.instance())).get(10, TimeUnit.SECONDS);
                    done.countDown();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        k.register(inst("a"));
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(backend.stored).isEmpty();
    }

    @Test
    void aZeroBackoffStillWaitsAMoment() {
        var k = new RegistrationKeeper(
                "fake", backend, scheduler, Clock.systemUTC(), Backoff.fixed(Duration.ZERO), null);
        k.register(inst("a"));
        backend.down = true;
        k.lost(inst("a"), null);
        scheduler.runPending();
        assertThat(scheduler.delays()).containsExactly(Duration.ofMillis(10));
    }

    @Test
    void listenerThatThrowsAnErrorKeepsReceiving() {
        RegistrationKeeper k = keeper(null);
        var seen = new AtomicInteger();
        k.addListener(Runnable::run, e -> {
            seen.incrementAndGet();
            throw new AssertionError("on purpose");
        });
        k.register(inst("a"));
        k.register(inst("b"));
        assertThat(seen).hasValue(2);
    }

    @Test
    void listenerThatThrowsKeepsReceiving() {
        RegistrationKeeper k = keeper(null);
        var seen = new AtomicInteger();
        k.addListener(Runnable::run, e -> {
            seen.incrementAndGet();
            throw new IllegalStateException("on purpose");
        });
        k.register(inst("a"));
        k.register(inst("b"));
        assertThat(seen).hasValue(2);
    }

    @Test
    void concurrentRegisterDeregisterAndLossEndInTheDesiredState() throws Exception {
        RegistrationKeeper k = keeper(Duration.ofMillis(1));
        int threads = 8;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> tasks = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            tasks.add(pool.submit(() -> {
                go.await();
                for (int i = 0; i < 300; i++) {
                    ServiceInstance x = inst("t" + id + "-" + (i % 5));
                    k.register(x);
                    if (i % 3 == 0) {
                        k.lostAll(null);
                    }
                    if (i % 2 == 0) {
                        k.deregister(x);
                    }
                }
                return null;
            }));
        }
        tasks.add(pool.submit(() -> {
            go.await();
            for (int i = 0; i < 300; i++) {
                scheduler.runPending();
            }
            return null;
        }));
        go.countDown();
        for (Future<?> f : tasks) {
            f.get(60, TimeUnit.SECONDS);
        }
        for (int i = 0; i < 10; i++) {
            scheduler.runPending();
        }
        Set<String> kept = new java.util.HashSet<>();
        k.registered().forEach(x -> kept.add(x.id()));
        // The last op on each id: i=299 (odd, registered, not deregistered) for i%5==4; ids i%5 in {0,2} end with
        // a deregister at i=298/296... compute the expectation from the same loop.
        Set<String> expected = new java.util.HashSet<>();
        for (int t = 0; t < threads; t++) {
            Map<String, Boolean> last = new java.util.HashMap<>();
            for (int i = 0; i < 300; i++) {
                last.put("t" + t + "-" + (i % 5), i % 2 != 0);
            }
            last.forEach((id, present) -> {
                if (present) {
                    expected.add(id);
                }
            });
        }
        assertThat(kept).isEqualTo(expected);
        assertThat(backend.stored.keySet()).isEqualTo(expected);
    }

    /** Issue 13, defect 2: a loss found by the keepalive was announced while the entry's monitor was held. */
    @Test
    void aLossFoundByTheKeepaliveIsReportedOutsideTheEntrysMonitor() throws Exception {
        var k = new RegistrationKeeper(
                "fake",
                backend,
                scheduler,
                Clock.fixed(NOW, ZoneOffset.UTC),
                Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0),
                Duration.ofSeconds(5));
        ServiceInstance a = inst("a");
        List<String> seen = new CopyOnWriteArrayList<>();
        k.addListener(Runnable::run, e -> {
            if (e.state() != State.LOST) {
                return;
            }
            // Another thread deregisters while this direct-executor listener runs: it needs the entry's monitor.
            Future<Boolean> other = pool.submit(() -> k.deregister(a));
            try {
                seen.add("deregistered=" + other.get(10, TimeUnit.SECONDS));
            } catch (Exception ex) {
                seen.add("blocked: " + ex);
            }
        });
        k.register(a);
        backend.stored.clear(); // gone behind the keeper's back
        scheduler.runPending(); // the keepalive finds it gone

        assertThat(seen).containsExactly("deregistered=true");
        scheduler.runPending(); // the re-registration scheduled with the loss finds the entry dead
        assertThat(backend.stored).isEmpty();
    }

    /** Mutation testing found these paths unchecked. */
    @Test
    void aSuccessfulKeepaliveIsScheduledAgain() {
        RegistrationKeeper k = keeper(Duration.ofSeconds(5));
        k.register(inst("a"));
        scheduler.runPending(); // present
        assertThat(scheduler.delays()).containsExactly(Duration.ofSeconds(5));
        backend.stored.clear();
        scheduler.runPending(); // the second check notices the deletion
        assertThat(states()).containsExactly(State.REGISTERED, State.LOST);
    }

    @Test
    void afterCloseNothingIsWrittenOrKept() {
        RegistrationKeeper k = keeper(Duration.ofSeconds(5));
        assertThat(k.isClosing()).isFalse();
        k.register(inst("a"));
        assertThat(k.close()).isEmpty();
        assertThat(k.isClosing()).isTrue();
        assertThat(k.registered()).isEmpty();
        assertThat(backend.stored).isEmpty();
        int writes = backend.writes.get();
        assertThatThrownBy(() -> k.register(inst("b")))
                .isInstanceOfSatisfying(
                        RegistryException.class, e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.CLOSED));
        assertThat(backend.writes).as("no write after close").hasValue(writes);
    }

    @Test
    void aClosedListenerGetsNothingAlreadyQueued() {
        RegistrationKeeper k = keeper(null);
        List<Runnable> queued = new ArrayList<>();
        List<RegistrationEvent> late = new CopyOnWriteArrayList<>();
        var sub = k.addListener(queued::add, late::add);
        k.register(inst("a"));
        assertThat(queued).hasSize(1);
        sub.close();
        queued.forEach(Runnable::run);
        assertThat(late).isEmpty();
    }

    @Test
    void retryNowPutsALostInstanceBackWithoutWaitingOutItsBackoff() {
        RegistrationKeeper k = keeper(null);
        k.register(inst("a"));
        k.register(inst("b"));
        backend.down = true;
        k.lost(inst("a"), new RuntimeException("lost, on purpose"));
        scheduler.runPending(); // the first retry fails: the next one waits its backoff
        assertThat(scheduler.delays()).containsExactly(Duration.ofMillis(100));
        k.retryNow();
        scheduler.runPending(); // the backed-off retry fails again; the retry-now task replaces its next wait
        assertThat(scheduler.delays())
                .as("the lost instance is retried at once, the other one is left alone")
                .containsExactly(Duration.ZERO);
        backend.down = false;
        scheduler.runPending();
        assertThat(backend.stored).containsKeys("a", "b");
        assertThat(states()).endsWith(State.RESTORED);
        k.close();
        k.retryNow();
        assertThat(scheduler.size()).as("nothing is scheduled after close").isZero();
    }

    @Test
    void deregisterTellsWhetherItHeldTheInstanceAndLeavesNothingScheduled() {
        RegistrationKeeper k = keeper(Duration.ofSeconds(1));
        assertThat(k.deregister(inst("a"))).as("unknown").isFalse();
        k.register(inst("a"));
        assertThat(scheduler.size()).as("the keepalive").isEqualTo(1);
        assertThat(k.deregister(inst("a"))).isTrue();
        assertThat(scheduler.size()).as("the keepalive was cancelled").isZero();
        assertThat(k.deregister(inst("a"))).as("already gone").isFalse();
        k.register(inst("b"));
        backend.down = true;
        k.lost(inst("b"), new RuntimeException("lost, on purpose"));
        scheduler.runPending(); // the retry fails and waits its backoff
        backend.down = false;
        assertThat(scheduler.delays()).as("the retry").containsExactly(Duration.ofMillis(100));
        assertThat(k.deregister(inst("b"))).isTrue();
        assertThat(scheduler.size()).as("the retry was cancelled").isZero();
    }

    @Test
    void theDefaultVerifyKeepsTheInstance() {
        AtomicInteger writes = new AtomicInteger();
        var k = new RegistrationKeeper(
                "fake",
                new RegistrationKeeper.Hooks() {
                    @Override
                    public void write(ServiceInstance instance) {
                        writes.incrementAndGet();
                    }

                    @Override
                    public void remove(ServiceInstance instance) {}
                },
                scheduler,
                Clock.fixed(NOW, ZoneOffset.UTC),
                Backoff.fixed(Duration.ofMillis(100)),
                Duration.ofSeconds(1));
        k.register(inst("a"));
        scheduler.runPending();
        scheduler.runPending();
        assertThat(writes)
                .as("no re-registration after a keepalive that found it")
                .hasValue(1);
        k.close();
    }

    @Test
    void closeEndsRegistrationListeners() {
        RegistrationKeeper k = keeper(null);
        List<RegistrationEvent> late = new CopyOnWriteArrayList<>();
        List<Runnable> held = new ArrayList<>();
        k.addListener(held::add, late::add);
        k.register(inst("a"));
        assertThat(held).as("a delivery waits on the listener's executor").hasSize(1);
        k.close();
        held.forEach(Runnable::run);
        assertThat(late)
                .as("nothing delivered to a listener once the keeper closed")
                .isEmpty();
    }

    /** A backend whose checks answer when the test completes them: what an HTTP heartbeat in flight looks like. */
    static final class AsyncBackend implements RegistrationKeeper.Hooks {
        final Map<String, ServiceInstance> stored = new ConcurrentHashMap<>();
        final Map<String, List<CompletableFuture<Boolean>>> checks = new ConcurrentHashMap<>();

        @Override
        public void write(ServiceInstance instance) {
            stored.put(instance.id(), instance);
        }

        @Override
        public void remove(ServiceInstance instance) {
            stored.remove(instance.id());
        }

        @Override
        public CompletionStage<Boolean> verifyAsync(ServiceInstance instance) {
            var f = new CompletableFuture<Boolean>();
            checks.computeIfAbsent(instance.id(), k -> new CopyOnWriteArrayList<>())
                    .add(f);
            return f;
        }

        int sent(String id) {
            return checks.getOrDefault(id, List.of()).size();
        }

        CompletableFuture<Boolean> last(String id) {
            List<CompletableFuture<Boolean>> l = checks.getOrDefault(id, List.of());
            assertThat(l).as("checks of " + id).isNotEmpty();
            return l.get(l.size() - 1);
        }
    }

    private RegistrationKeeper asyncKeeper(AsyncBackend async) {
        var k = new RegistrationKeeper(
                "fake",
                async,
                scheduler,
                Clock.fixed(NOW, ZoneOffset.UTC),
                Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0),
                Duration.ofSeconds(5));
        k.addListener(Runnable::run, events::add);
        return k;
    }

    @Test
    void asynchronousChecksOfAllInstancesAreInFlightTogetherAndEachIsSentOnce() {
        var async = new AsyncBackend();
        RegistrationKeeper k = asyncKeeper(async);
        for (int i = 0; i < 50; i++) {
            k.register(inst("i" + i));
        }
        scheduler.runPending(); // every keepalive is due: each sends its check and returns
        for (int i = 0; i < 50; i++) {
            assertThat(async.sent("i" + i)).as("i" + i).isEqualTo(1);
        }
        assertThat(scheduler.size())
                .as("no check is scheduled again while its answer is out")
                .isZero();

        async.last("i7").complete(true);
        assertThat(scheduler.runPending())
                .as("the answer is handled on the scheduler")
                .isEqualTo(1);
        assertThat(scheduler.delays())
                .as("i7's next check, a keepalive interval after its answer")
                .containsExactly(Duration.ofSeconds(5));
        scheduler.runPending();
        assertThat(async.sent("i7")).isEqualTo(2);
        assertThat(async.sent("i8")).as("still waiting for its first answer").isEqualTo(1);
        assertThat(states()).containsOnly(State.REGISTERED);
    }

    @Test
    void anAsynchronousCheckAnsweredGoneReRegistersThroughTheKeeper() {
        var async = new AsyncBackend();
        RegistrationKeeper k = asyncKeeper(async);
        k.register(inst("a"));
        scheduler.runPending(); // the check goes out
        async.stored.clear(); // the agent lost it
        async.last("a").complete(false); // 404
        assertThat(states()).as("nothing happens off the scheduler").containsExactly(State.REGISTERED);
        scheduler.runPending(); // the answer: lost
        assertThat(states()).containsExactly(State.REGISTERED, State.LOST);
        scheduler.runPending(); // written again
        assertThat(states()).containsExactly(State.REGISTERED, State.LOST, State.RESTORED);
        assertThat(async.stored).containsKey("a");
        assertThat(scheduler.delays()).as("checked again from then on").containsExactly(Duration.ofSeconds(5));
    }

    @Test
    void anAsynchronousCheckThatFailsIsRetriedNextIntervalWithoutALoss() {
        var async = new AsyncBackend();
        RegistrationKeeper k = asyncKeeper(async);
        k.register(inst("a"));
        scheduler.runPending();
        async.last("a")
                .completeExceptionally(new RegistryException(RegistryException.Kind.TIMEOUT, "fake", "no answer"));
        scheduler.runPending();
        assertThat(states()).containsExactly(State.REGISTERED);
        assertThat(scheduler.delays()).containsExactly(Duration.ofSeconds(5));
        scheduler.runPending();
        assertThat(async.sent("a")).isEqualTo(2);
    }

    @Test
    void aLateAnswerOfACheckSentBeforeAnUpdateOrDeregistrationIsIgnored() {
        var async = new AsyncBackend();
        RegistrationKeeper k = asyncKeeper(async);
        k.register(inst("a"));
        k.register(inst("b"));
        scheduler.runPending(); // both checks out
        k.register(inst("a").toBuilder().version("2").build()); // updated while its check is out
        assertThat(k.deregister(inst("b"))).isTrue();
        async.last("a").complete(false);
        async.last("b").complete(false);
        scheduler.runPending(); // the two answers, and the updated instance's own keepalive
        assertThat(states())
                .as("no loss from an answer about what was replaced or removed")
                .containsExactly(State.REGISTERED, State.REGISTERED, State.REGISTERED);
        assertThat(async.sent("a")).as("the updated instance's own check").isEqualTo(2);
        assertThat(async.sent("b")).isEqualTo(1);
        async.last("a").complete(true);
        scheduler.runPending();
        assertThat(scheduler.delays())
                .as("only the updated instance is kept alive")
                .containsExactly(Duration.ofSeconds(5));
        assertThat(async.stored).containsOnlyKeys("a");
    }
}
