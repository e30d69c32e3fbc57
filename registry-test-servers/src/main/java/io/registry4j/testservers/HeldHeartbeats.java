package io.registry4j.testservers;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * The check that a registry keeps a bounded number of heartbeats in flight without blocking its scheduler thread, on a
 * fake server that holds them ({@link RequestHolds}): held heartbeats wait for the test, not for a timeout, so what is
 * in flight at once can be counted and nothing depends on how fast the machine is. Sent one after the other on the
 * scheduler thread, a single held heartbeat would stop all the others and the scheduler with them.
 */
public final class HeldHeartbeats {
    private HeldHeartbeats() {}

    /**
     * Awaits {@code bound} heartbeats held at once by {@code hold}; checks that {@code scheduler} still runs other work
     * meanwhile, that the {@code bound} heartbeats are still held (the registry queues the others) and that no more
     * were ever held at once; then releases the hold.
     *
     * @param hold the hold on the registry's heartbeats, placed by the test
     * @param bound how many heartbeats the registry may have in flight at once
     * @param scheduler the registry's scheduler thread
     * @param atMost how long to wait for the held heartbeats, and for the scheduler to run other work
     * @param server what holds them, for the first wait's message, such as {@code "the agent"}
     * @throws InterruptedException if the test is interrupted while it waits for the scheduler
     */
    public static void check(RequestHolds.Hold hold, int bound, Executor scheduler, Duration atMost, String server)
            throws InterruptedException {
        Objects.requireNonNull(hold, "hold");
        Objects.requireNonNull(scheduler, "scheduler");
        Awaitility.await(bound + " heartbeats held by " + server + " at once")
                .atMost(atMost)
                .until(() -> hold.waiting().size() == bound);
        var ran = new CountDownLatch(1);
        scheduler.execute(ran::countDown);
        assertThat(ran.await(atMost.toMillis(), TimeUnit.MILLISECONDS))
                .as("the scheduler thread runs other work while heartbeats are in flight")
                .isTrue();
        assertThat(hold.waiting()).as("still in flight, the others queued").hasSize(bound);
        assertThat(hold.highestWaiting()).as("never more than the bound").isEqualTo(bound);
        hold.close();
    }
}
