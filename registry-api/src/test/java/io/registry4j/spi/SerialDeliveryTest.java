package io.registry4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/** Registration events handed to one listener's executor: in order, one drain at a time, never stuck. */
class SerialDeliveryTest {

    /** Holds the runnables it is given until the test runs them. */
    private static final class HeldExecutor implements Executor {
        final List<Runnable> held = new ArrayList<>();

        @Override
        public void execute(Runnable command) {
            held.add(command);
        }

        void runAll() {
            List<Runnable> now = new ArrayList<>(held);
            held.clear();
            now.forEach(Runnable::run);
        }
    }

    @Test
    void offersAreDeliveredInOrderByOneDrain() {
        var executor = new HeldExecutor();
        List<String> got = new CopyOnWriteArrayList<>();
        var d = new SerialDelivery<String>(executor, got::add);
        d.offer("a");
        d.offer("b");
        d.offer("c");
        assertThat(executor.held).as("one drain for three offers").hasSize(1);
        executor.runAll();
        assertThat(got).containsExactly("a", "b", "c");
        d.offer("d");
        assertThat(executor.held).as("a new drain once the last one ended").hasSize(1);
        executor.runAll();
        assertThat(got).containsExactly("a", "b", "c", "d");
    }

    @Test
    void aClosedDeliveryHandsNothingMoreToTheExecutor() {
        var executor = new HeldExecutor();
        List<String> got = new CopyOnWriteArrayList<>();
        var d = new SerialDelivery<String>(executor, got::add);
        d.offer("a");
        d.close();
        executor.runAll();
        d.schedule();
        d.offer("b");
        assertThat(executor.held)
                .as("drains handed to the executor after close")
                .isEmpty();
        assertThat(got).isEmpty();
    }

    @Test
    void aRejectedDrainIsHandedOverAgainWithTheNextOffer() {
        List<String> got = new CopyOnWriteArrayList<>();
        boolean[] reject = {true};
        var d = new SerialDelivery<String>(
                command -> {
                    if (reject[0]) {
                        throw new RejectedExecutionException("busy, on purpose");
                    }
                    command.run();
                },
                got::add);
        d.offer("a");
        assertThat(got).isEmpty();
        reject[0] = false;
        d.offer("b");
        assertThat(got).containsExactly("a", "b");
    }

    @Test
    void aVirtualMachineErrorFromTheListenerEndsOnlyThatDrain() {
        List<String> got = new CopyOnWriteArrayList<>();
        var d = new SerialDelivery<String>(Runnable::run, s -> {
            if (s.equals("boom")) {
                throw new StackOverflowError("on purpose");
            }
            got.add(s);
        });
        assertThatThrownBy(() -> d.offer("boom")).isInstanceOf(StackOverflowError.class);
        d.offer("next");
        assertThat(got).containsExactly("next");
    }
}
