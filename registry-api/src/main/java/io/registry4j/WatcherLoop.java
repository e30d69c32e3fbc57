package io.registry4j;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The listener form of {@link Discovery#watch(String, Executor, WatchListener)} for backends that only implement the
 * blocking {@link Watcher}: one executor task loops on {@code next()} until the subscription is closed.
 */
final class WatcherLoop implements Subscription, Runnable {
    private static final System.Logger LOG = System.getLogger(WatcherLoop.class.getName());

    private final String name;
    private final Watcher watcher;
    private final WatchListener listener;
    private volatile boolean closed;

    private WatcherLoop(String name, Watcher watcher, WatchListener listener) {
        this.name = name;
        this.watcher = watcher;
        this.listener = listener;
    }

    static Subscription start(String name, Watcher watcher, Executor executor, WatchListener listener) {
        Objects.requireNonNull(executor, "executor");
        Objects.requireNonNull(listener, "listener");
        var loop = new WatcherLoop(name, watcher, listener);
        try {
            executor.execute(loop);
        } catch (RuntimeException e) {
            watcher.stop();
            throw e;
        }
        return loop;
    }

    @Override
    public void run() {
        boolean first = true;
        while (true) {
            List<ServiceInstance> instances;
            try {
                instances = watcher.next();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                watcher.stop();
                return;
            } catch (RegistryException e) {
                if (e.kind() != RegistryException.Kind.CLOSED) {
                    LOG.log(Level.WARNING, "watch of " + name + " ended", e);
                    watcher.stop();
                }
                return;
            } catch (RuntimeException e) { // a custom backend's bug: end the subscription, never leave it half open
                LOG.log(Level.WARNING, "watch of " + name + " ended", e);
                watcher.stop();
                return;
            }
            if (closed) {
                return; // closed while next() returned: deliver nothing after close()
            }
            try {
                listener.onEvent(
                        new WatchEvent(name, instances, first ? WatchEvent.Type.INITIAL : WatchEvent.Type.CHANGED));
            } catch (VirtualMachineError e) {
                watcher.stop(); // the loop ends here: release the native watch with it
                throw e;
            } catch (Throwable e) { // an AssertionError in a test listener must not end the deliveries
                LOG.log(Level.WARNING, "listener of " + name + " threw; the subscription goes on", e);
            }
            first = false;
        }
    }

    @Override
    public void close() {
        closed = true;
        watcher.stop();
    }
}
