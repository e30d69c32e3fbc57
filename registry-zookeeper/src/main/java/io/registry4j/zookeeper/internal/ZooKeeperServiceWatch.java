package io.registry4j.zookeeper.internal;

import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.spi.ServiceViews;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.Watcher.WatcherType;
import org.jspecify.annotations.Nullable;

/**
 * The native watch of one service: a persistent recursive ZooKeeper watch on {@code <root>/<service>} and a cache of
 * its children, feeding full lists (after a sync) and changes (after events) to the service's shared view.
 *
 * <p>Design: a <em>sync</em> adds the watch (which works on a path that does not exist yet, so a watcher started
 * before the first provider sees it appear), lists the children ({@code NONODE} is an empty service) and reads each
 * one, plus every child the cache already knows, so that children deleted while we were away are noticed. After
 * that, each watch event on a direct child (created, changed, deleted) reads that child again. Every read carries a
 * sequence number and only the latest read of a child is applied: ZooKeeper answers one session's requests in order,
 * so the latest read reflects at least the latest event, and an older answer arriving late cannot undo a newer one.
 * A read answered {@code NONODE} removes the child; data that does not decode is skipped with a warning.
 *
 * <p>Lists are pushed to the view only when a sync has completed and no read is in flight, so the first list is
 * never partial. When the connection is suspended or lost, the registry calls {@link #outage}: the view goes stale
 * and the current sync is abandoned; on reconnection (same or new session; a new session has lost its watches) the
 * registry calls {@link #sync} again, whose completion clears the stale state. A failure that is not an outage
 * (missing permission, an error while connected) is reported as {@link ServiceViews.Sink#failed}, and the views
 * reopen the watch after a backoff. Pushes and stale reports are serialized on one monitor and always read the
 * latest state, so they reach the view in order. No thread of its own: callbacks run on ZooKeeper's event thread.
 * Thread-safe.
 */
public final class ZooKeeperServiceWatch implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ZooKeeperServiceWatch.class.getName());

    private final CuratorFramework client;
    private final String service;
    private final String path;
    private final ServiceViews.Sink sink;
    private final BiConsumer<String, Exception> skip;
    private final Consumer<ZooKeeperServiceWatch> onClose;
    private final Watcher watcher = this::onEvent;

    /** Serializes what goes to the sink; taken before {@link #lock}, never after it. */
    private final Object pushLock = new Object();

    private final Object lock = new Object();
    // Guarded by lock:
    private boolean closed;
    private final Map<String, ServiceInstance> instances = new HashMap<>();
    private final Map<String, Long> latestRead = new HashMap<>();
    private long reads;
    private int outstanding;
    private long syncs;
    private long listedSync;
    private boolean synced;
    private boolean announce;
    private boolean changed;
    // What changed since the last push, netted out; recorded only while the next push is a change, not a full list.
    private final List<ServiceInstance> removed = new ArrayList<>();
    private final List<ServiceInstance> added = new ArrayList<>();

    /**
     * Creates the watch; {@link #sync()} starts it.
     *
     * @param client the Curator client
     * @param codec the layout
     * @param service the service name
     * @param sink where lists and outages go
     * @param skip records a node that is not a valid instance: its path and why
     * @param onClose called once with this watch when it is closed
     */
    public ZooKeeperServiceWatch(
            CuratorFramework client,
            ZooKeeperInstanceCodec codec,
            String service,
            ServiceViews.Sink sink,
            BiConsumer<String, Exception> skip,
            Consumer<ZooKeeperServiceWatch> onClose) {
        this.client = Objects.requireNonNull(client, "client");
        this.service = Objects.requireNonNull(service, "service");
        this.path = codec.servicePath(service);
        this.sink = Objects.requireNonNull(sink, "sink");
        this.skip = Objects.requireNonNull(skip, "skip");
        this.onClose = Objects.requireNonNull(onClose, "onClose");
    }

    /** Adds the watch and reads the service afresh; called at start and after every reconnection. Never blocks. */
    public void sync() {
        long n;
        synchronized (lock) {
            if (closed) {
                return;
            }
            n = ++syncs;
            synced = false;
        }
        try {
            client.watchers()
                    .add()
                    .withMode(AddWatchMode.PERSISTENT_RECURSIVE)
                    .inBackground((c, event) -> watchAdded(n, event))
                    .usingWatcher(watcher)
                    .forPath(path);
        } catch (Exception e) {
            broken(ZooKeeperCalls.failure("watch " + path, e));
        }
    }

    /**
     * Reports that the connection is suspended or lost: the view keeps its list and goes stale until the next sync.
     *
     * @param cause what happened
     */
    public void outage(Throwable cause) {
        synchronized (pushLock) {
            synchronized (lock) {
                if (closed) {
                    return;
                }
                syncs++; // late answers of the running sync must not end the stale state
                synced = false;
            }
            sink.stale(cause);
        }
    }

    private void watchAdded(long n, CuratorEvent event) {
        Code code = ZooKeeperCalls.code(event);
        if (code != Code.OK) {
            problem(n, "watch " + path, code);
            return;
        }
        try {
            client.getChildren().inBackground((c, e) -> listed(n, e)).forPath(path);
        } catch (Exception e) {
            broken(ZooKeeperCalls.failure("list " + path, e));
        }
    }

    private void listed(long n, CuratorEvent event) {
        Code code = ZooKeeperCalls.code(event);
        List<String> children;
        if (code == Code.OK) {
            children = event.getChildren();
        } else if (code == Code.NONODE) {
            children = List.of(); // no provider yet: an empty service, and the watch sees it appear
        } else {
            problem(n, "list " + path, code);
            return;
        }
        RegistryException failure = null;
        synchronized (lock) {
            if (closed || n != syncs) {
                return;
            }
            Set<String> toRead = new HashSet<>(children);
            toRead.addAll(instances.keySet()); // known children that are gone are removed by their NONODE answer
            for (String child : toRead) {
                RegistryException f = read(child);
                if (f != null && failure == null) {
                    failure = f;
                }
            }
            listedSync = n;
            completeSync();
        }
        if (failure != null) {
            broken(failure);
            return;
        }
        push();
    }

    private void onEvent(WatchedEvent event) {
        if (event.getType() == EventType.None) {
            return; // connection states reach us through the registry's connection listener
        }
        String child = ZooKeeperInstanceCodec.childOf(path, event.getPath());
        if (child == null) {
            return; // the service node itself, or something deeper
        }
        RegistryException failure;
        synchronized (lock) {
            if (closed) {
                return;
            }
            failure = read(child);
        }
        if (failure != null) {
            broken(failure);
        }
    }

    /**
     * Reads one child in the background; the caller holds {@link #lock} and reports a returned failure once it has
     * released it.
     */
    private @Nullable RegistryException read(String child) {
        long id = ++reads;
        latestRead.put(child, id);
        outstanding++;
        String childPath = ZKPaths.makePath(path, child);
        try {
            client.getData().inBackground((c, e) -> childRead(child, id, e)).forPath(childPath);
            return null;
        } catch (Exception e) {
            outstanding--;
            latestRead.remove(child, id);
            syncs++;
            synced = false;
            return ZooKeeperCalls.failure("read " + childPath, e);
        }
    }

    private void childRead(String child, long id, CuratorEvent event) {
        Code code = ZooKeeperCalls.code(event);
        String childPath = ZKPaths.makePath(path, child);
        boolean failed = false;
        synchronized (lock) {
            outstanding--;
            if (closed) {
                return;
            }
            Long latest = latestRead.get(child);
            if (latest != null && latest == id) {
                latestRead.remove(child);
                if (code == Code.OK) {
                    apply(child, childPath, event.getData());
                } else if (code == Code.NONODE) {
                    changed |= recordRemoval(instances.remove(child));
                } else {
                    syncs++; // the state of this child is unknown until the next sync
                    synced = false;
                    failed = true;
                }
            }
            completeSync();
        }
        if (failed) {
            problem(-1, "read " + childPath, code);
        }
        push();
    }

    private void apply(String child, String childPath, byte[] data) {
        try {
            ServiceInstance instance = ZooKeeperInstanceCodec.decode(service, child, data);
            ServiceInstance old = instances.put(child, instance);
            if (!instance.equals(old)) {
                changed = true;
                recordRemoval(old);
                if (synced && !announce) {
                    added.add(instance);
                }
            }
        } catch (IllegalArgumentException e) {
            changed |= recordRemoval(instances.remove(child));
            skip.accept(childPath, e);
        }
    }

    /**
     * Records that an instance left the map (if one did); the caller holds the lock. Returns whether one did. While
     * a full list is due (a sync not announced yet) nothing is recorded: the next push sends the whole map.
     */
    @SuppressWarnings("ReferenceEquality") // the very instance added, not an equal one of another child
    private boolean recordRemoval(@Nullable ServiceInstance old) {
        if (old == null) {
            return false;
        }
        if (synced && !announce) {
            for (int i = added.size() - 1; i >= 0; i--) {
                if (added.get(i) == old) { // added since the last push: it was never reported
                    added.remove(i);
                    return true;
                }
            }
            removed.add(old);
        }
        return true;
    }

    /** The full list now, for a view that cannot patch its snapshot with a change. */
    private List<ServiceInstance> all() {
        synchronized (lock) {
            return List.copyOf(instances.values());
        }
    }

    /** Marks the sync complete once its listing is applied and no read is in flight; the caller holds the lock. */
    private void completeSync() {
        if (!synced && outstanding == 0 && listedSync == syncs) {
            synced = true;
            announce = true;
        }
    }

    /** Sends the latest full list to the view, if a sync completed and something changed or must be announced. */
    private void push() {
        synchronized (pushLock) {
            List<ServiceInstance> snapshot = null;
            List<ServiceInstance> gone;
            List<ServiceInstance> fresh;
            synchronized (lock) {
                if (closed || !synced || outstanding > 0 || !(changed || announce)) {
                    return;
                }
                if (announce) {
                    snapshot = List.copyOf(instances.values()); // a completed sync: the whole list
                }
                gone = List.copyOf(removed);
                fresh = List.copyOf(added);
                removed.clear();
                added.clear();
                changed = false;
                announce = false;
            }
            if (snapshot != null) {
                sink.update(snapshot);
            } else {
                // Only the change travels: the view patches its snapshot (O(change), not O(service size)).
                sink.change(gone, fresh, this::all);
            }
        }
    }

    /**
     * Handles a failed operation: during an outage, reconnection syncs again; otherwise the watch is reported dead.
     */
    private void problem(long n, String what, Code code) {
        if (ZooKeeperCalls.isConnectionProblem(code)
                && !client.getZookeeperClient().isConnected()) {
            LOG.log(Level.DEBUG, "{0} failed during an outage ({1}); the next reconnection syncs again", what, code);
            return;
        }
        synchronized (lock) {
            if (closed || (n > 0 && n != syncs)) {
                return; // a newer sync is running
            }
        }
        broken(ZooKeeperCalls.failure(what, code));
    }

    private void broken(RegistryException cause) {
        synchronized (lock) {
            if (closed) {
                return;
            }
        }
        sink.failed(cause);
    }

    /** Stops the watch: removes the ZooKeeper watch (in the background) and ignores every later answer. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            instances.clear();
            latestRead.clear();
        }
        onClose.accept(this);
        try {
            client.watchers()
                    .remove(watcher)
                    .ofType(WatcherType.PersistentRecursive)
                    .locally()
                    .quietly()
                    .inBackground()
                    .forPath(path);
        } catch (Exception e) {
            // The client is closing or closed: its watches go with it.
            LOG.log(Level.DEBUG, "removing the watch of {0} failed: {1}", path, e);
        }
    }

    @Override
    public String toString() {
        return "ZooKeeperServiceWatch[" + path + "]";
    }
}
