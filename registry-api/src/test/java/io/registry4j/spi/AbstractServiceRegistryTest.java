package io.registry4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.RegistrationEvent;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.Subscription;
import io.registry4j.Watcher;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The shared registry's own bookkeeping: state checks after close, watch counting, the default keepalive. */
class AbstractServiceRegistryTest {

    private static ServiceInstance instance(String id) {
        return ServiceInstance.builder()
                .id(id)
                .name("svc")
                .endpoint("grpc://127.0.0.1:9000")
                .build();
    }

    @Test
    void afterCloseEveryCallIsRefusedAsClosed() {
        var r = new RecordingRegistry(new ManualScheduler(), null);
        ServiceInstance x = instance("x1");
        r.register(x);
        assertThat(r.isClosed()).isFalse();
        r.close();
        assertThat(r.isClosed()).isTrue();
        assertThat(r.clientCloses).hasValue(1);
        assertClosed(() -> r.register(x));
        assertClosed(() -> r.deregister(x));
        assertClosed(() -> r.getService("svc"));
        assertClosed(() -> r.watch("svc"));
        assertClosed(() -> r.watch("svc", Runnable::run, e -> {}));
        assertClosed(() -> r.addRegistrationListener(Runnable::run, e -> {}));
        assertThat(r.written)
                .as("close deregistered, and nothing was written after")
                .isEmpty();
        r.close();
        assertThat(r.clientCloses).as("a second close does nothing").hasValue(1);
    }

    private static void assertClosed(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        RegistryException.class, e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.CLOSED));
    }

    @Test
    void nameAndNativeWatchesAreReported() throws Exception {
        var r = new RecordingRegistry(new ManualScheduler(), null);
        assertThat(r.backend()).isEqualTo("recording");
        assertThat(r.toString()).isEqualTo("RecordingRegistry[recording]");
        assertThat(r.openWatches("svc")).isZero();
        Watcher w1 = r.watch("svc");
        Watcher w2 = r.watch("svc");
        Subscription sub = r.watch("other", Runnable::run, e -> {});
        assertThat(r.openWatches("svc")).isEqualTo(1);
        assertThat(r.openWatches("other")).isEqualTo(1);
        assertThat(r.openWatches("unknown")).isZero();
        assertThat(r.watchedServices()).isEqualTo(2);
        w1.stop();
        assertThat(r.openWatches("svc")).isEqualTo(1);
        w2.stop();
        assertThat(r.openWatches("svc")).isZero();
        sub.close();
        assertThat(r.openWatches("other")).isZero();
        r.close();
        assertThat(r.toString()).isEqualTo("RecordingRegistry[recording, closed]");
    }

    @Test
    void theDefaultKeepaliveFindsTheInstanceThere() {
        var scheduler = new ManualScheduler();
        try (var r = new RecordingRegistry(scheduler, Duration.ofSeconds(1))) {
            List<RegistrationEvent> events = new CopyOnWriteArrayList<>();
            r.addRegistrationListener(Runnable::run, events::add);
            ServiceInstance x = instance("x1");
            r.register(x);
            for (int i = 0; i < 3; i++) {
                assertThat(scheduler.runPending()).as("keepalive ran").isPositive();
            }
            assertThat(r.written)
                    .as("written once: the keepalive found it there")
                    .containsExactly(x);
            assertThat(events).extracting(RegistrationEvent::state).containsExactly(RegistrationEvent.State.REGISTERED);
        }
    }

    @Test
    void anAsynchronousKeepaliveIsReportedWhenItsAnswerComesAndABugInItIsWrapped() {
        var scheduler = new ManualScheduler();
        try (var r = new RecordingRegistry(scheduler, Duration.ofSeconds(1))) {
            r.asyncChecks = true;
            List<String> calls = new CopyOnWriteArrayList<>();
            r.addObserver((operation, elapsed, error) -> calls.add(operation + " " + error));
            r.register(instance("x1"));
            calls.clear();
            scheduler.runPending(); // the check goes out
            assertThat(calls).as("nothing reported before the answer").isEmpty();
            r.checks.get(0).complete(true);
            assertThat(calls).containsExactly("KEEPALIVE null");
            scheduler.runPending(); // the answer handled
            scheduler.runPending(); // the next check
            r.checks.get(1).completeExceptionally(new IllegalStateException("bug"));
            assertThat(calls).containsExactly("KEEPALIVE null", "KEEPALIVE INTERNAL");
            scheduler.runPending(); // a failed check: tried again next interval, no loss
            assertThat(scheduler.delays()).containsExactly(Duration.ofSeconds(1));
            assertThat(r.written).hasSize(1);
        }
    }

    @Test
    void closeOnAnInterruptedThreadStillClosesAndKeepsTheInterrupt() {
        var r = new RecordingRegistry(null, Duration.ofMillis(10)); // its own scheduler thread
        r.register(instance("x1"));
        Thread.currentThread().interrupt();
        try {
            r.close();
            assertThat(Thread.currentThread().isInterrupted())
                    .as("the interrupt survives the wait for the scheduler")
                    .isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(r.clientCloses).hasValue(1);
        assertThat(r.written).isEmpty();
    }
}
