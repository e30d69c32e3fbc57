package io.registry4j.testkit;

import io.registry4j.RegistryException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The server side of {@link InMemoryRegistry}: a registry held in memory that several clients share, as they would
 * share an etcd or ZooKeeper server, with the faults a real server has.
 *
 * <p>It behaves like a small ZooKeeper: entries are text (the Kratos JSON) under {@code service/id}, each owned by
 * the client session that wrote it and dropped when that session expires. Watches are notified synchronously, on the
 * thread of the write, after the write. Faults: {@link #stop()} makes every call fail with {@code UNAVAILABLE} and
 * drops every watch until {@link #start()}; {@link #expire(long)} ends a session and drops its entries;
 * {@link #delete} and {@link #putRaw} change entries behind the clients' backs; {@link #dropWatches(long)} cuts a
 * client's watches. No threads, unless {@link Realism#asyncNotifications()} asks for the one delivery thread.
 * Thread-safe.
 */
public final class InMemoryServer implements AutoCloseable {
    private static final Map<String, InMemoryServer> NAMED = new ConcurrentHashMap<>();

    /** Notified of a session's end. */
    interface SessionListener {
        void expired(long session);
    }

    /** Notified of changes to one service, or of the watch being dropped. */
    interface WatchCallback {
        /** Something changed: read the service now (the helpful server's notification). */
        void changed();

        /** The service's entries as they were when the change happened (the realistic server's notification). */
        void changedTo(Map<String, String> entries);

        void dropped(RegistryException cause);
    }

    private record Entry(String value, long session) {}

    private record Watch(long session, String service, WatchCallback callback) {}

    private record Held(WatchCallback callback, Map<String, String> entries) {}

    /**
     * How much of the registry layer's work the server does for its clients. The default server is helpful: it
     * answers a watch's first read and its notifications synchronously, lists entries sorted, refuses to remove an
     * entry of another session and drops a session's entries when the client closes it. A real server does none of
     * that, and a registry layer that relies on it is wrong on real backends; the realistic settings take that help
     * away so that the compatibility kit can see such bugs on the in-memory backend too.
     *
     * @param asyncNotifications watch notifications, including the first read of a new watch, are delivered later,
     *     in order, on one server thread ({@code registry4j-testservers-memory-<name>}), as a network answer would
     *     be; a dropped or closed watch may still get notifications already queued
     * @param unsortedLists entries are listed in no useful order (reverse id order)
     * @param noOwnershipHelp a client's remove deletes the entry whoever wrote it, as on etcd or ZooKeeper
     * @param entriesOutliveSession closing a session leaves its entries (they go only when it expires), and a
     *     closed session can no longer remove anything, as with a lease or heartbeat-based server
     */
    public record Realism(
            boolean asyncNotifications, boolean unsortedLists, boolean noOwnershipHelp, boolean entriesOutliveSession) {

        /** The helpful server of earlier versions: everything synchronous, sorted, guarded. */
        public static final Realism HELPFUL = new Realism(false, false, false, false);

        /** A server that helps with nothing. */
        public static final Realism REALISTIC = new Realism(true, true, true, true);
    }

    private final String name;
    private final Realism realism;
    private final Map<String, Map<String, Entry>> services = new TreeMap<>();
    private final Map<Long, SessionListener> sessions = new ConcurrentHashMap<>();
    private final List<Watch> watches = new CopyOnWriteArrayList<>();
    private final AtomicLong nextSession = new AtomicLong(1);
    private final Map<String, List<Held>> held = new ConcurrentHashMap<>();
    private volatile boolean running = true;
    private volatile boolean closed;
    private @Nullable ExecutorService delivery;

    /**
     * A new, empty, running server.
     *
     * @param name a name for messages
     */
    public InMemoryServer(String name) {
        this(name, Realism.HELPFUL);
    }

    /**
     * A new, empty, running server that helps its clients as much as {@code realism} says.
     *
     * @param name a name for messages
     * @param realism what the server leaves to the registry layer
     */
    public InMemoryServer(String name, Realism realism) {
        this.name = Objects.requireNonNull(name, "name");
        this.realism = Objects.requireNonNull(realism, "realism");
    }

    /**
     * What this server leaves to its clients.
     *
     * @return the realism settings
     */
    public Realism realism() {
        return realism;
    }

    /**
     * The server of that name in this JVM, created on first use; what {@code memory://name} connects to.
     *
     * @param name the name
     * @return the shared server
     */
    public static InMemoryServer named(String name) {
        return NAMED.computeIfAbsent(name, InMemoryServer::new);
    }

    /**
     * The server's name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    // ---- client side ----

    long openSession(SessionListener listener) {
        check();
        long id = nextSession.getAndIncrement();
        sessions.put(id, listener);
        return id;
    }

    boolean isLive(long session) {
        return sessions.containsKey(session);
    }

    void closeSession(long session) {
        if (sessions.remove(session) != null && !realism.entriesOutliveSession()) {
            dropEntriesOf(session);
        }
    }

    void put(long session, String service, String id, String value) {
        check();
        if (!isLive(session)) {
            throw new RegistryException(
                    RegistryException.Kind.UNAVAILABLE, "memory", "session " + session + " expired");
        }
        synchronized (services) {
            Entry old = services.computeIfAbsent(service, s -> new TreeMap<>()).get(id);
            if (old != null && old.session != session && isLive(old.session)) {
                throw new RegistryException(
                        RegistryException.Kind.CONFLICT,
                        "memory",
                        "instance " + service + "/" + id + " is owned by another live client (session " + old.session
                                + ")");
            }
            services.get(service).put(id, new Entry(value, session));
        }
        notifyWatches(service);
    }

    boolean remove(long session, String service, String id) {
        check();
        if (realism.entriesOutliveSession() && !isLive(session)) {
            throw new RegistryException(
                    RegistryException.Kind.UNAVAILABLE, "memory", "session " + session + " is closed or expired");
        }
        boolean removed;
        synchronized (services) {
            Map<String, Entry> m = services.get(service);
            Entry e = m == null ? null : m.get(id);
            removed = m != null && e != null && (e.session == session || realism.noOwnershipHelp());
            if (m != null && removed) {
                m.remove(id);
            }
        }
        if (removed) {
            notifyWatches(service);
        }
        return removed;
    }

    boolean holds(long session, String service, String id) {
        check();
        synchronized (services) {
            Map<String, Entry> m = services.get(service);
            Entry e = m == null ? null : m.get(id);
            return e != null && e.session == session;
        }
    }

    Map<String, String> list(String service) {
        check();
        return snapshot(service);
    }

    private Map<String, String> snapshot(String service) {
        synchronized (services) {
            Map<String, String> out =
                    realism.unsortedLists() ? new TreeMap<String, String>(Comparator.reverseOrder()) : new TreeMap<>();
            services.getOrDefault(service, Map.of()).forEach((id, e) -> out.put(id, e.value));
            return realism.unsortedLists() ? new LinkedHashMap<>(out) : out;
        }
    }

    Set<String> serviceNames() {
        check();
        synchronized (services) {
            Set<String> out = new TreeSet<>();
            services.forEach((s, m) -> {
                if (!m.isEmpty()) {
                    out.add(s);
                }
            });
            return out;
        }
    }

    /**
     * Opens a watch of a service. With {@link Realism#asyncNotifications()} the first notification (the cue for the
     * client's first read) comes later on the server thread; otherwise the caller reads at once itself.
     */
    AutoCloseable watch(long session, String service, WatchCallback callback) {
        check();
        var w = new Watch(session, service, callback);
        if (realism.asyncNotifications()) {
            // The state and its place in the delivery queue are taken together, as for every change (see
            // notifyWatches): a first answer must never be queued behind a newer change's state.
            synchronized (services) {
                watches.add(w);
                Map<String, String> now = snapshot(service);
                deliver(() -> callback.changedTo(now));
            }
        } else {
            watches.add(w);
        }
        return () -> watches.remove(w);
    }

    /** How many watches a session holds on a service, as the server sees them. */
    int watchCount(long session, String service) {
        int n = 0;
        for (Watch w : watches) {
            if (w.session == session && w.service.equals(service)) {
                n++;
            }
        }
        return n;
    }

    private void deliver(Runnable notification) {
        if (!realism.asyncNotifications()) {
            notification.run();
            return;
        }
        ExecutorService d;
        synchronized (this) {
            d = delivery;
            if (d == null) {
                d = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "registry4j-testservers-memory-" + name);
                    t.setDaemon(true);
                    return t;
                });
                delivery = d;
            }
        }
        try {
            d.execute(notification);
        } catch (RejectedExecutionException e) {
            // the server is closed
        }
    }

    private void check() {
        if (closed) {
            throw new RegistryException(RegistryException.Kind.UNAVAILABLE, "memory", "server " + name + " is closed");
        }
        if (!running) {
            throw new RegistryException(
                    RegistryException.Kind.UNAVAILABLE, "memory", "server " + name + " is down (stopped)");
        }
    }

    private void notifyWatches(String service) {
        // The realistic server sends the state as of the change, in order, like an etcd event at its revision. The
        // state is read and queued under the lock of the state: two changes (or a change and a new watch's first
        // answer) racing here would otherwise queue their states in the opposite order, and the older state, arriving
        // last, would stay with the watcher (seen once in the kit: a watch reopened after an outage kept [] while
        // the instance registered again meanwhile was back on the server).
        if (realism.asyncNotifications()) {
            synchronized (services) {
                Map<String, String> now = snapshot(service);
                for (Watch w : watches) {
                    if (w.service.equals(service)) {
                        deliver(() -> w.callback.changedTo(now));
                    }
                }
            }
            return;
        }
        for (Watch w : watches) {
            if (w.service.equals(service)) {
                w.callback.changed();
            }
        }
    }

    private void dropEntriesOf(long session) {
        List<String> changed = new ArrayList<>();
        synchronized (services) {
            services.forEach((service, m) -> {
                if (m.values().removeIf(e -> e.session == session)) {
                    changed.add(service);
                }
            });
        }
        changed.forEach(this::notifyWatches);
    }

    private void dropWatches(@Nullable Long session, String reason) {
        var cause = new RegistryException(RegistryException.Kind.UNAVAILABLE, "memory", reason);
        List<Watch> dropped = new ArrayList<>();
        for (Watch w : watches) {
            if (session == null || w.session == session) {
                dropped.add(w);
            }
        }
        watches.removeAll(dropped);
        dropped.forEach(w -> deliver(() -> w.callback.dropped(cause)));
    }

    // ---- faults ----

    /** Takes the server down: every call fails with {@code UNAVAILABLE} and every watch is dropped. Data is kept. */
    public void stop() {
        running = false;
        dropWatches(null, "server " + name + " went down");
    }

    /**
     * Brings the server up again.
     *
     * @param wipe if true, the server comes back empty and every session is expired, as after a restart that lost
     *     its data
     */
    public void start(boolean wipe) {
        if (wipe) {
            synchronized (services) {
                services.clear();
            }
            expireAll();
        }
        running = true;
    }

    /**
     * Crashes the server: it goes down as with {@link #stop()}, loses its data and expires every session at once, so
     * clients must register everything again, and keep trying, for as long as it is down.
     */
    public void crash() {
        stop();
        synchronized (services) {
            services.clear();
        }
        expireAll();
    }

    /** Brings the server up again with its data. */
    public void start() {
        start(false);
    }

    /**
     * Tells whether the server is up.
     *
     * @return false between {@link #stop()} and {@link #start()}
     */
    public boolean isRunning() {
        return running && !closed;
    }

    /**
     * Expires one client session: its entries are dropped and the client is told.
     *
     * @param session the session id ({@link InMemoryRegistry#sessionId()})
     */
    public void expire(long session) {
        SessionListener l = sessions.remove(session);
        if (l != null) {
            dropEntriesOf(session);
            l.expired(session);
        }
    }

    private void expireAll() {
        for (Long s : new ArrayList<>(sessions.keySet())) {
            expire(s);
        }
    }

    /**
     * Deletes an entry whoever owns it, as an operator or another tool would.
     *
     * @param service the service
     * @param id the instance id
     * @return whether there was such an entry
     */
    public boolean delete(String service, String id) {
        boolean removed;
        synchronized (services) {
            Map<String, Entry> m = services.get(service);
            removed = m != null && m.remove(id) != null;
        }
        if (removed) {
            notifyWatches(service);
        }
        return removed;
    }

    /**
     * Writes an entry of any text, owned by no session, as a foreign client would; for garbage and interop tests.
     *
     * @param service the service
     * @param id the entry's key
     * @param value the stored text, normally Kratos JSON
     */
    public void putRaw(String service, String id, String value) {
        synchronized (services) {
            services.computeIfAbsent(service, s -> new TreeMap<>()).put(id, new Entry(value, 0));
        }
        notifyWatches(service);
    }

    /**
     * Drops the watches of one client without an outage, as a broken stream would.
     *
     * @param session the client's session id
     */
    public void dropWatches(long session) {
        dropWatches(Long.valueOf(session), "watch stream of session " + session + " dropped");
    }

    /**
     * Drops the watches of one client like {@link #dropWatches(long)}, holding back for each of its watches of
     * {@code service} a notification of the service's entries as they are now, as a message in flight on a broken
     * stream; {@link #deliverHeld} delivers it late.
     *
     * @param session the client's session id
     * @param service the service whose notifications to hold
     */
    public void dropWatchesHolding(long session, String service) {
        Map<String, String> now = snapshot(service);
        List<Held> kept = new ArrayList<>();
        for (Watch w : watches) {
            if (w.session == session && w.service.equals(service)) {
                kept.add(new Held(w.callback, now));
            }
        }
        held.put(session + "/" + service, kept);
        dropWatches(session);
    }

    /**
     * Delivers the notifications held by {@link #dropWatchesHolding} to the dropped watches, and returns once they
     * were handled.
     *
     * @param session the client's session id
     * @param service the service
     * @return how many were delivered
     * @throws InterruptedException if interrupted while waiting for the deliveries
     */
    public int deliverHeld(long session, String service) throws InterruptedException {
        List<Held> kept = held.remove(session + "/" + service);
        if (kept == null) {
            return 0;
        }
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(kept.size());
        for (Held h : kept) {
            deliver(() -> {
                try {
                    h.callback.changedTo(h.entries);
                } finally {
                    done.countDown();
                }
            });
        }
        if (!done.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
            throw new IllegalStateException("held notifications of " + service + " not handled within 30 s");
        }
        return kept.size();
    }

    /** Closes the server: every later call fails. */
    @Override
    public void close() {
        closed = true;
        dropWatches(null, "server " + name + " closed");
        NAMED.remove(name, this);
        ExecutorService d;
        synchronized (this) {
            d = delivery;
        }
        if (d != null) {
            d.shutdown(); // queued notifications still run; the thread then ends
        }
    }

    /**
     * Tells whether {@link #close()} was called.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "InMemoryServer[" + name + (running ? "" : ", stopped") + "]";
    }
}
