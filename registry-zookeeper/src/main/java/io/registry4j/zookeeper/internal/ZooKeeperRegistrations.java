package io.registry4j.zookeeper.internal;

import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.spi.RegistryThreads;
import io.registry4j.spi.Scheduler;
import io.registry4j.zookeeper.internal.ZooKeeperCalls.Deadline;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.WatcherRemoveCuratorFramework;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;

/**
 * The registry's own ephemeral nodes: writing, removing, and noticing when ZooKeeper loses them.
 *
 * <p>Design: an instance is the ephemeral node {@code <root>/<name>/<id>} of the client's session, its parents
 * persistent. A node is <em>ours</em> if its {@code ephemeralOwner} is the current session or a session in which this
 * registry wrote nodes before; nothing else is ever changed or deleted (Kratos deleted any node with the same id, live
 * or not). So {@link #write} creates the node; in our current session leaves it alone if its data is the same, and
 * otherwise replaces it (delete and create in one transaction, so that watchers of the children, such as Kratos', see
 * the change); replaces the leftover of one of our expired sessions (whose ephemerals the server may keep for one more
 * session timeout); and fails with {@code CONFLICT} when another session holds it. Each step is conditional on the node's version, and a write that
 * loses a race simply looks again.
 *
 * <p>Losses are found three ways: Curator's {@code LOST} (the session expired: every instance is reported to the
 * keeper, which writes them again in the new session); a one-shot watch on each own node, armed by every write and
 * every check, which fires when the node is deleted behind our back within the session; and a sweep of every node we
 * may hold after each reconnection, since changes made while we were disconnected may not be replayed. The checks
 * run on the registry's scheduler, never on ZooKeeper's event thread, because the keeper may hold its lock while it
 * waits for one of our writes, whose answer comes on that thread. A check reports a loss only for an instance the
 * keeper still holds, so a deregistered instance is never brought back; a node of ours that the keeper no longer holds
 * (its removal failed during an outage, or a write that timed out landed late) is deleted by the same check.
 * Operations on one path are serialized by a striped lock. Thread-safe.
 */
public final class ZooKeeperRegistrations {
    private static final System.Logger LOG = System.getLogger(ZooKeeperRegistrations.class.getName());
    private static final int MAX_ATTEMPTS = 8;
    private static final int STRIPES = 64;

    /** The registration keeper, as this class sees it. */
    public interface Keeper {
        /**
         * The instance the keeper holds with this name and id.
         *
         * @param name the service name
         * @param id the instance id
         * @return the instance, or null if it is not (or no longer) registered
         */
        @Nullable
        ServiceInstance kept(String name, String id);

        /**
         * Reports that ZooKeeper lost one instance; the keeper writes it again.
         *
         * @param instance the instance
         * @param cause what happened
         */
        void lost(ServiceInstance instance, Throwable cause);

        /**
         * Reports that the session expired, so every instance is lost.
         *
         * @param cause what happened
         */
        void lostAll(Throwable cause);
    }

    private record Target(String name, String id) {}

    private final CuratorFramework client;
    private final WatcherRemoveCuratorFramework watching;
    private final ZooKeeperCalls calls;
    private final ZooKeeperInstanceCodec codec;
    private final List<ACL> acl;
    private final Scheduler scheduler;
    private final Keeper keeper;
    private final Watcher ownNodeWatcher = this::onOwnNodeEvent;
    private final Set<Long> ownSessions = ConcurrentHashMap.newKeySet();
    private final Map<String, Target> tracked = new ConcurrentHashMap<>();
    private final Object[] stripes = new Object[STRIPES];
    private volatile boolean closed;

    /**
     * Creates the registrations of one registry.
     *
     * @param client the Curator client
     * @param calls bounded calls on that client
     * @param codec the layout
     * @param acl the ACL of every node created
     * @param scheduler runs checks off ZooKeeper's event thread
     * @param keeper the registry's keeper
     */
    public ZooKeeperRegistrations(
            CuratorFramework client,
            ZooKeeperCalls calls,
            ZooKeeperInstanceCodec codec,
            List<ACL> acl,
            Scheduler scheduler,
            Keeper keeper) {
        this.client = Objects.requireNonNull(client, "client");
        this.watching = client.newWatcherRemoveCuratorFramework();
        this.calls = Objects.requireNonNull(calls, "calls");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.acl = List.copyOf(acl);
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.keeper = Objects.requireNonNull(keeper, "keeper");
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Object();
        }
    }

    private Object stripe(String path) {
        return stripes[Math.floorMod(path.hashCode(), STRIPES)];
    }

    private String pathOf(ServiceInstance instance) {
        try {
            return codec.instancePath(instance);
        } catch (IllegalArgumentException e) {
            throw new RegistryException(
                    RegistryException.Kind.INVALID_ARGUMENT, ZooKeeperCalls.BACKEND, String.valueOf(e.getMessage()), e);
        }
    }

    private long currentSession() {
        try {
            return client.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception e) {
            throw ZooKeeperCalls.failure("reading the session id", e);
        }
    }

    private boolean ours(long owner, long session) {
        return owner != 0 && (owner == session || ownSessions.contains(owner));
    }

    /**
     * Creates or replaces the node of an instance; idempotent.
     *
     * @param instance the instance
     * @throws RegistryException {@code CONFLICT} if another session holds a node with this id, {@code UNAVAILABLE}
     *     or {@code TIMEOUT} if ZooKeeper cannot be reached in time, {@code INVALID_ARGUMENT} if the id cannot be a node
     *     name
     */
    public void write(ServiceInstance instance) {
        String path = pathOf(instance);
        byte[] data = ZooKeeperInstanceCodec.encode(instance);
        String what = "register " + path;
        Deadline deadline = calls.deadline();
        synchronized (stripe(path)) {
            calls.awaitConnected(deadline, what);
            tracked.put(path, new Target(instance.name(), instance.id()));
            for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
                long session = currentSession();
                // Arms the watch on our node before changing it, so a deletion right after the write is seen too; the
                // create follows in the same round trip: ZooKeeper applies one session's requests in the order sent,
                // so the watch is armed before the node appears. Where the node exists the create fails harmlessly and
                // what the check found decides, as if the create had never been sent.
                CompletableFuture<CuratorEvent> checking = calls.start(
                        "check " + path,
                        cb -> watching.checkExists()
                                .usingWatcher(ownNodeWatcher)
                                .inBackground(cb)
                                .forPath(path));
                CompletableFuture<CuratorEvent> creating = startCreate(path, data);
                CuratorEvent found = calls.await(deadline, "check " + path, checking);
                CuratorEvent made = calls.await(deadline, "create " + path, creating);
                Code code = ZooKeeperCalls.code(found);
                if (code != Code.OK && code != Code.NONODE) {
                    throw ZooKeeperCalls.failure("check " + path, code);
                }
                if (code == Code.NONODE || ZooKeeperCalls.code(made) == Code.OK) {
                    if (created(path, made)) {
                        return;
                    }
                    continue; // created by someone else meanwhile, or a parent vanished: look again
                }
                // The node exists: whatever the create met (NODEEXISTS, a refusal) is moot; the check decides.
                Stat stat = found.getStat();
                if (stat == null) {
                    // Nothing to decide on: look again.
                } else if (stat.getEphemeralOwner() == session && session != 0) {
                    if (update(deadline, path, data, stat.getVersion())) {
                        return;
                    }
                } else if (ours(stat.getEphemeralOwner(), session)) {
                    // The leftover of one of our expired sessions: the server drops it when it gets round to
                    // expiring that session, so it must not stay as our registration.
                    deleteIfVersion(deadline, path, stat.getVersion());
                } else {
                    throw new RegistryException(
                            RegistryException.Kind.CONFLICT,
                            ZooKeeperCalls.BACKEND,
                            what + " failed: the node is held by "
                                    + owner(stat.getEphemeralOwner())
                                    + "; registry4j never replaces a node it did not write (deregister it there, or "
                                    + "wait for that session to expire)");
                }
            }
            throw new RegistryException(
                    RegistryException.Kind.CONFLICT,
                    ZooKeeperCalls.BACKEND,
                    what + " failed: the node kept changing under us in " + MAX_ATTEMPTS + " attempts");
        }
    }

    private static String owner(long session) {
        return session == 0
                ? "no session (a persistent node written by another tool)"
                : "another live session, 0x" + Long.toHexString(session);
    }

    /** Sends the create of the node. */
    private CompletableFuture<CuratorEvent> startCreate(String path, byte[] data) {
        return calls.start(
                "create " + path,
                cb -> client.create()
                        .creatingParentsIfNeeded()
                        .withMode(CreateMode.EPHEMERAL)
                        .withACL(acl, true)
                        .inBackground(cb)
                        .forPath(path, data));
    }

    /** Whether a create made the node; false if it existed (or a parent vanished), so the caller looks again. */
    private boolean created(String path, CuratorEvent created) {
        Code code = ZooKeeperCalls.code(created);
        if (code == Code.OK) {
            Stat stat = created.getStat();
            if (stat != null && stat.getEphemeralOwner() != 0) {
                ownSessions.add(stat.getEphemeralOwner());
            }
            return true;
        }
        if (code == Code.NODEEXISTS || code == Code.NONODE) {
            return false; // created concurrently (perhaps by a retry of our own), or a parent vanished: look again
        }
        throw ZooKeeperCalls.failure("create " + path, code);
    }

    /**
     * Brings our node of the current session up to date; false if it changed meanwhile. Equal data is left alone, so
     * that an unchanged re-register writes nothing. Changed data replaces the node, deleting and creating it in one
     * transaction: Kratos' watcher (like any that watches children only) sees an instance change only as a change of
     * the children, and the transaction shows readers no moment without the instance.
     */
    private boolean update(Deadline deadline, String path, byte[] data, int version) {
        CuratorEvent read = calls.call(
                deadline,
                "read " + path,
                cb -> client.getData().inBackground(cb).forPath(path));
        Code readCode = ZooKeeperCalls.code(read);
        if (readCode == Code.NONODE) {
            return false;
        }
        if (readCode != Code.OK) {
            throw ZooKeeperCalls.failure("read " + path, readCode);
        }
        Stat stat = read.getStat();
        if (stat == null || stat.getVersion() != version) {
            return false;
        }
        if (Arrays.equals(read.getData(), data)) {
            ownSessions.add(currentSession());
            return true;
        }
        CuratorEvent replaced = calls.call(
                deadline,
                "replace " + path,
                cb -> client.transaction()
                        .inBackground(cb)
                        .forOperations(
                                client.transactionOp()
                                        .delete()
                                        .withVersion(version)
                                        .forPath(path),
                                client.transactionOp()
                                        .create()
                                        .withMode(CreateMode.EPHEMERAL)
                                        .withACL(acl)
                                        .forPath(path, data)));
        Code code = ZooKeeperCalls.code(replaced);
        if (code == Code.OK) {
            ownSessions.add(currentSession());
            return true;
        }
        if (code == Code.BADVERSION || code == Code.NONODE || code == Code.NODEEXISTS) {
            return false;
        }
        throw ZooKeeperCalls.failure("replace " + path, code);
    }

    /** Deletes the node if it still has this version; true if it is gone. */
    private boolean deleteIfVersion(Deadline deadline, String path, int version) {
        CuratorEvent deleted = calls.call(
                deadline,
                "delete " + path,
                cb -> client.delete().withVersion(version).inBackground(cb).forPath(path));
        Code code = ZooKeeperCalls.code(deleted);
        if (code == Code.OK || code == Code.NONODE) {
            return true;
        }
        if (code == Code.BADVERSION) {
            return false;
        }
        throw ZooKeeperCalls.failure("delete " + path, code);
    }

    /**
     * Deletes the node of an instance if it is ours; a node another session holds is left alone.
     *
     * @param instance the instance
     * @throws RegistryException {@code UNAVAILABLE} or {@code TIMEOUT} if ZooKeeper cannot be reached in time; the node
     *     is then deleted by the check after the next reconnection, or goes with the session
     */
    public void remove(ServiceInstance instance) {
        String path = pathOf(instance);
        String what = "deregister " + path;
        Deadline deadline = calls.deadline();
        synchronized (stripe(path)) {
            calls.awaitConnected(deadline, what);
            for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
                CuratorEvent found = calls.call(
                        deadline,
                        "check " + path,
                        cb -> client.checkExists().inBackground(cb).forPath(path));
                Code code = ZooKeeperCalls.code(found);
                Stat stat = found.getStat();
                if (code == Code.NONODE || (code == Code.OK && stat == null)) {
                    tracked.remove(path);
                    return;
                }
                if (code != Code.OK) {
                    throw ZooKeeperCalls.failure("check " + path, code);
                }
                if (!ours(stat.getEphemeralOwner(), currentSession())) {
                    tracked.remove(path); // another process holds it now: never harm it
                    return;
                }
                if (deleteIfVersion(deadline, path, stat.getVersion())) {
                    tracked.remove(path);
                    return;
                }
            }
            throw new RegistryException(
                    RegistryException.Kind.CONFLICT,
                    ZooKeeperCalls.BACKEND,
                    what + " failed: the node kept changing under us in " + MAX_ATTEMPTS + " attempts");
        }
    }

    private void onOwnNodeEvent(WatchedEvent event) {
        String path = event.getPath();
        if (event.getType() == EventType.None || path == null || !tracked.containsKey(path)) {
            return;
        }
        scheduleCheck(path);
    }

    private void scheduleCheck(String path) {
        if (closed) {
            return;
        }
        try {
            scheduler.schedule(Duration.ZERO, RegistryThreads.guarded("check " + path, () -> check(path)));
        } catch (RejectedExecutionException e) {
            // The registry is closing.
        }
    }

    /**
     * Compares one node with what the keeper holds: reports a lost instance, deletes a node of ours that is no longer
     * wanted, and arms the watch on a wanted node.
     */
    private void check(String path) {
        Target target = tracked.get(path);
        if (closed || target == null) {
            return;
        }
        ServiceInstance lost = null;
        String why = "";
        try {
            synchronized (stripe(path)) {
                if (!client.getZookeeperClient().isConnected()) {
                    return; // the sweep after the reconnection checks again
                }
                ServiceInstance kept = keeper.kept(target.name(), target.id());
                Deadline deadline = calls.deadline();
                CuratorEvent found = calls.call(deadline, "check " + path, cb -> {
                    if (kept != null) {
                        watching.checkExists()
                                .usingWatcher(ownNodeWatcher)
                                .inBackground(cb)
                                .forPath(path);
                    } else {
                        client.checkExists().inBackground(cb).forPath(path);
                    }
                });
                Code code = ZooKeeperCalls.code(found);
                Stat stat = found.getStat();
                boolean absent = code == Code.NONODE || (code == Code.OK && stat == null);
                if (code != Code.OK && !absent) {
                    LOG.log(Level.DEBUG, "check of {0} failed ({1}); the next reconnection checks again", path, code);
                    return;
                }
                if (kept != null) {
                    if (absent) {
                        lost = kept;
                        why = "its node " + path + " was deleted";
                    } else if (!ours(stat.getEphemeralOwner(), currentSession())) {
                        lost = kept;
                        why = "its node " + path + " is now held by " + owner(stat.getEphemeralOwner());
                    }
                } else if (absent
                        || !ours(stat.getEphemeralOwner(), currentSession())
                        || deleteIfVersion(deadline, path, stat.getVersion())) {
                    tracked.remove(path, target);
                }
            }
        } catch (RegistryException e) {
            LOG.log(Level.DEBUG, "check of {0} failed; the next reconnection checks again: {1}", path, e);
            return;
        }
        if (lost != null) {
            // Outside the stripe: the keeper takes its own lock and then writes, which takes the stripe.
            keeper.lost(lost, new RegistryException(RegistryException.Kind.UNAVAILABLE, ZooKeeperCalls.BACKEND, why));
        }
    }

    /**
     * Reacts to Curator's {@code LOST}: the session expired, so ZooKeeper dropped (or is about to drop) every node of
     * ours.
     *
     * @param cause what happened
     */
    public void sessionLost(Throwable cause) {
        if (closed) {
            return;
        }
        try {
            // Not on Curator's connection thread: the keeper may be waiting for a write to time out.
            scheduler.schedule(Duration.ZERO, RegistryThreads.guarded("report session loss", () -> {
                if (!closed) {
                    keeper.lostAll(cause);
                }
            }));
        } catch (RejectedExecutionException e) {
            // The registry is closing.
        }
    }

    /** Checks every node we may hold, after a (re)connection. */
    public void reconnected() {
        tracked.keySet().forEach(this::scheduleCheck);
    }

    /**
     * Stops reacting to ZooKeeper.
     *
     * @param removeWatches true to remove our watches from the client, which lives on (a client passed in by the user)
     */
    public void close(boolean removeWatches) {
        closed = true;
        if (removeWatches) {
            try {
                watching.removeWatchers();
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "removing the watches of our nodes failed: {0}", e);
            }
        }
    }
}
