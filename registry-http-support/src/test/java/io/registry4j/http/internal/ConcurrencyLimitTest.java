package io.registry4j.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.RegistryException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class ConcurrencyLimitTest {
    private final ConcurrencyLimit limit = new ConcurrencyLimit("fake", 3);
    private final List<CompletableFuture<String>> started = new ArrayList<>();

    private CompletableFuture<String> submit() {
        return limit.submit(() -> {
            var call = new CompletableFuture<String>();
            started.add(call);
            return call;
        });
    }

    @Test
    void startsUpToTheLimitAndTheRestInOrderAsEarlierCallsComplete() {
        List<CompletableFuture<String>> results = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            results.add(submit());
        }
        assertThat(started).hasSize(3);
        assertThat(limit.inFlight()).isEqualTo(3);
        assertThat(limit.waiting()).isEqualTo(7);

        started.get(1).complete("b");
        assertThat(results.get(1)).isCompletedWithValue("b");
        assertThat(started).as("the next one in order took the free slot").hasSize(4);
        started.get(3).complete("d");
        assertThat(results.get(3)).isCompletedWithValue("d");

        for (int i = 0; i < started.size(); i++) { // completes the rest as they start
            started.get(i).complete("x" + i);
        }
        assertThat(results).allMatch(CompletableFuture::isDone);
        assertThat(started).hasSize(10);
        assertThat(limit.highestInFlight()).isEqualTo(3);
        assertThat(limit.inFlight()).isZero();
    }

    @Test
    void aCallThatFailsOrThrowsGivesItsSlotBack() {
        CompletableFuture<String> thrown = limit.submit(() -> {
            throw new IllegalStateException("broken client");
        });
        CompletableFuture<String> failed =
                limit.submit(() -> CompletableFuture.failedFuture(new IllegalStateException("refused")));
        assertThatThrownBy(thrown::join).isInstanceOf(CompletionException.class).hasMessageContaining("broken client");
        assertThatThrownBy(failed::join).isInstanceOf(CompletionException.class).hasMessageContaining("refused");
        assertThat(limit.inFlight()).isZero();
        for (int i = 0; i < 3; i++) {
            var unused = submit();
        }
        assertThat(started).as("every slot free again").hasSize(3);
    }

    @Test
    void aLongQueueOfCallsThatCompleteAtOnceDoesNotRecurse() {
        var first = new ConcurrencyLimit("fake", 1);
        var gate = new CompletableFuture<String>();
        CompletableFuture<String> head = first.submit(() -> gate);
        List<CompletableFuture<String>> rest = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            rest.add(first.submit(() -> CompletableFuture.completedFuture("done")));
        }
        assertThat(first.waiting()).isEqualTo(100_000);
        gate.complete("open");
        assertThat(head).isCompletedWithValue("open");
        assertThat(rest).allMatch(f -> "done".equals(f.join()));
        assertThat(first.inFlight()).isZero();
    }

    @Test
    void closeFailsWaitingAndLaterCallsAndLetsCallsInFlightFinish() {
        CompletableFuture<String> running = submit();
        for (int i = 0; i < 2; i++) {
            var unused = submit();
        }
        CompletableFuture<String> queued = submit();
        limit.close();
        assertThatThrownBy(queued::join)
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(RegistryException.class)
                .hasMessageContaining("registry is closed");
        assertThatThrownBy(() -> submit().join()).hasCauseInstanceOf(RegistryException.class);
        started.get(0).complete("late");
        assertThat(running).isCompletedWithValue("late");
        assertThat(started).as("nothing started after close").hasSize(3);
        limit.close();
    }

    @Test
    void aLimitBelowOneIsRejected() {
        assertThatThrownBy(() -> new ConcurrencyLimit("consul", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("consul")
                .hasMessageContaining("got 0");
    }
}
