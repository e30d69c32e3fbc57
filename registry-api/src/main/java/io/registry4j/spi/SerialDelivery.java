package io.registry4j.spi;

import java.lang.System.Logger.Level;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Delivers every item to one consumer, in order, one at a time, on a given executor, without a thread of its own.
 * Unlike a {@link ServiceView} listener, nothing is coalesced: each item is delivered.
 *
 * @param <T> the item type
 */
final class SerialDelivery<T> implements Runnable {
    private static final System.Logger LOG = System.getLogger(SerialDelivery.class.getName());

    private final Executor executor;
    private final Consumer<T> consumer;
    private final Queue<T> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile boolean closed;

    SerialDelivery(Executor executor, Consumer<T> consumer) {
        this.executor = executor;
        this.consumer = consumer;
    }

    void offer(T item) {
        enqueue(item);
        schedule();
    }

    /** Queues without running anything; {@link #schedule()} later hands the queue to the executor. */
    void enqueue(T item) {
        if (!closed) {
            queue.add(item);
        }
    }

    void close() {
        closed = true;
        queue.clear();
    }

    void schedule() {
        if (!queue.isEmpty() && scheduled.compareAndSet(false, true)) {
            try {
                executor.execute(this);
            } catch (RejectedExecutionException e) {
                scheduled.set(false);
                LOG.log(Level.WARNING, "executor rejected a registration event delivery", e);
            }
        }
    }

    @Override
    public void run() {
        while (true) {
            T item = closed ? null : queue.poll();
            if (item == null) {
                scheduled.set(false);
                if (closed || queue.isEmpty() || !scheduled.compareAndSet(false, true)) {
                    return;
                }
                continue;
            }
            try {
                consumer.accept(item);
            } catch (VirtualMachineError e) {
                scheduled.set(false);
                throw e;
            } catch (Throwable e) { // an AssertionError in a test listener must not end the deliveries
                LOG.log(Level.WARNING, "registration listener threw; it stays subscribed", e);
            }
        }
    }
}
