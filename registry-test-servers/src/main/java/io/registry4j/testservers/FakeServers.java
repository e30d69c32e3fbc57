package io.registry4j.testservers;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** What the in-process fakes share: binding their fixed loopback port again after a stop, and their threads. */
final class FakeServers {
    private FakeServers() {}

    /** Opens a listening socket on an address. */
    @FunctionalInterface
    interface Binder<T> {
        T bind(InetSocketAddress address) throws IOException;
    }

    /**
     * Binds the fake's port on the loopback address, trying again for about 5 s while the socket of a stopped fake
     * lingers on it.
     *
     * @param port the port
     * @param fake what the fake is called, for messages
     * @param binder opens the socket
     * @param <T> the socket's type
     * @return the bound socket
     * @throws IllegalStateException if the port stays taken or cannot be bound
     */
    static <T> T bind(int port, String fake, Binder<T> binder) {
        IOException last = null;
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                return binder.bind(new InetSocketAddress(LoopbackPorts.address(), port));
            } catch (BindException e) { // the old socket may linger a moment after a stop
                last = e;
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while binding port " + port, ie);
                }
            } catch (IOException e) {
                throw new IllegalStateException(fake + " cannot listen on port " + port, e);
            }
        }
        throw new IllegalStateException(fake + " cannot listen on port " + port, last);
    }

    /**
     * Daemon threads with one name.
     *
     * @param name the name
     * @return the factory
     */
    static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Daemon threads named {@code <prefix><n>}.
     *
     * @param prefix the name before the number
     * @param counter numbers the threads
     * @return the factory
     */
    static ThreadFactory daemon(String prefix, AtomicInteger counter) {
        return r -> {
            Thread t = new Thread(r, prefix + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
