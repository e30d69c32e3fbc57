package io.registry4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The demo runs a real ZooKeeper in-process and tells the story; it needs nothing installed. */
class DemoCommandTest {

    @Test
    void demoNarratesRegistrationExpiryDeregistrationAndOutageThenSucceeds() {
        var run = CliRun.plain();
        int code = run.execute("demo", "--pace", "0ms");
        assertThat(code).as(run.all()).isZero();
        String out = run.out();
        assertThat(out)
                .as(run.all())
                .contains("ZooKeeper 3.9")
                .contains("started in this process on 127.0.0.1:")
                .contains("B sees orders: orders-1  [+orders-1]")
                .contains("B sees orders: orders-1, orders-2  [+orders-2]")
                .contains("B sees payments: payments-1  [+payments-1]")
                .contains("[~orders-2: version 1.4.2 -> 1.5.0]")
                .contains("the server ends A's session 0x")
                .contains("A: LOST orders/orders-1")
                .contains("A: RESTORED orders/orders-1: back in ZooKeeper")
                .contains("instances are back")
                .contains("A deregisters payments/payments-1")
                .contains("B sees payments: (none)  [-payments-1]")
                .contains("B's view of orders is STALE: it keeps its last list, orders-1, orders-2")
                .contains("B's view of orders RECOVERED")
                .contains("A closes")
                .contains("B sees orders: (none)")
                .contains("What B saw, and what the library did:")
                .contains("each a full list sorted by id, none a repeat of the one before")
                .contains("Done in ");
        assertThat(out).doesNotContain("WARNING");
        assertThat(run.err()).as(run.all()).isEmpty();
    }
}
