package io.registry4j.testservers;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Requests an in-process fake server keeps waiting before it looks at them, while a hold is in place: a slow server
 * or link, for tests of what a client does while its calls are in flight. Each held request waits on the fake's own
 * thread for it. Thread-safe.
 */
public final class RequestHolds {
    private final List<Hold> holds = new CopyOnWriteArrayList<>();

    /** Creates an empty set of holds. */
    public RequestHolds() {}

    /**
     * Holds every request that {@code which} matches, until the hold is released. Requests that arrive after the
     * release pass.
     *
     * @param which the requests to hold, given as {@code METHOD target}
     * @return the hold; {@link Hold#close()} releases it
     */
    public Hold hold(Predicate<String> which) {
        var h = new Hold(Objects.requireNonNull(which, "which"));
        holds.add(h);
        return h;
    }

    /**
     * Called by the fake for each request before it looks at it: waits while a hold matching it is in place.
     *
     * @param request {@code METHOD target}
     * @throws InterruptedException if the fake's thread is interrupted (the fake is stopping)
     */
    public void pass(String request) throws InterruptedException {
        for (Hold h : holds) {
            h.pass(request);
        }
    }

    /** Requests held by {@link #hold}: which are waiting now and how many waited at once at most. Thread-safe. */
    public final class Hold implements AutoCloseable {
        private final Predicate<String> which;
        private final List<String> waiting = new ArrayList<>(); // guarded by this
        private int highest; // guarded by this
        private int total; // guarded by this
        private boolean released; // guarded by this

        private Hold(Predicate<String> which) {
            this.which = which;
        }

        /** Waits while this hold is in place, if it matches the request. */
        void pass(String request) throws InterruptedException {
            if (!which.test(request)) {
                return;
            }
            synchronized (this) {
                if (released) {
                    return;
                }
                waiting.add(request);
                total++;
                highest = Math.max(highest, waiting.size());
                try {
                    while (!released) {
                        wait();
                    }
                } finally {
                    waiting.remove(request);
                }
            }
        }

        /**
         * The requests waiting now, in arrival order.
         *
         * @return a snapshot
         */
        public synchronized List<String> waiting() {
            return List.copyOf(waiting);
        }

        /**
         * The most requests that waited at once.
         *
         * @return the count
         */
        public synchronized int highestWaiting() {
            return highest;
        }

        /**
         * How many requests this hold has caught.
         *
         * @return the count
         */
        public synchronized int caught() {
            return total;
        }

        /** Lets every waiting request through, and all later ones. Idempotent. */
        @Override
        public void close() {
            holds.remove(this);
            synchronized (this) {
                released = true;
                notifyAll();
            }
        }
    }
}
