package io.registry4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
        assertTimesNeverGoBack(out);
        assertEachLineUnderItsStep(out);
    }

    /** Every timestamped line has a time at or after the one above it. */
    private static void assertTimesNeverGoBack(String out) {
        double last = 0;
        for (String line : out.lines().toList()) {
            Matcher m = TIME.matcher(line);
            if (m.find()) {
                double t = Double.parseDouble(m.group(1));
                assertThat(t).as("time of '" + line.strip() + "' in%n" + out).isGreaterThanOrEqualTo(last);
                last = t;
            }
        }
    }

    /** With --pace 0ms nothing waits between steps, so only the demo's own waits keep lines under their heading. */
    private static void assertEachLineUnderItsStep(String out) {
        Map<String, List<String>> steps = new LinkedHashMap<>();
        String heading = "start";
        for (String line : out.lines().toList()) {
            if (line.matches("[1-6]\\. .*") || line.startsWith("What B saw")) {
                heading = line.substring(0, 2);
            }
            steps.computeIfAbsent(heading, h -> new ArrayList<>()).add(line);
        }
        assertThat(String.join("\n", steps.getOrDefault("1.", List.of())))
                .as(out)
                .contains("B sees orders: orders-1, orders-2  [+orders-2]")
                .contains("B sees payments: payments-1  [+payments-1]")
                .contains("A: REGISTERED payments/payments-1");
        assertThat(String.join("\n", steps.getOrDefault("2.", List.of())))
                .as(out)
                .contains("[~orders-2: version 1.4.2 -> 1.5.0]")
                .contains("A: REGISTERED orders/orders-2");
        assertThat(String.join("\n", steps.getOrDefault("3.", List.of())))
                .as(out)
                .contains(
                        "A: RESTORED orders/orders-1", "A: RESTORED orders/orders-2", "A: RESTORED payments/payments-1")
                .containsPattern("B sees orders: orders-1, orders-2 .*\\n(.*\\n)*.*all 3 instances are back")
                .containsPattern("B sees payments: payments-1 .*\\n(.*\\n)*.*all 3 instances are back");
        assertThat(String.join("\n", steps.getOrDefault("4.", List.of())))
                .as(out)
                .contains("B sees payments: (none)  [-payments-1]")
                .doesNotContain("B sees orders");
        assertThat(String.join("\n", steps.getOrDefault("5.", List.of())))
                .as(out)
                .contains("B's view of orders RECOVERED", "B's view of payments RECOVERED");
        assertThat(String.join("\n", steps.getOrDefault("6.", List.of())))
                .as(out)
                .contains("B sees orders: (none)")
                .doesNotContain("RECOVERED");
        assertThat(String.join("\n", steps.getOrDefault("Wh", List.of())))
                .as(out)
                .doesNotContain("B sees")
                .doesNotContain("A: ");
    }

    private static final Pattern TIME = Pattern.compile("^ +(\\d+\\.\\d\\d)s  ");
}
