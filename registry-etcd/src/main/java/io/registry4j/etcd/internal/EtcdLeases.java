package io.registry4j.etcd.internal;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import io.registry4j.RegistryException;
import io.registry4j.RegistryException.Kind;
import io.registry4j.ServiceInstance;
import io.registry4j.spi.Calls;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The leases of one registry: each registered instance's key is attached to a lease of its own, kept alive by
 * jetcd's keepalive stream.
 *
 * <p>Design: one lease per instance, so that deregistering is a single {@code LeaseRevoke} (which deletes the key
 * in the same step and never touches a key another process wrote over ours), a lost lease affects exactly one
 * instance, and a failed revoke still ends with the key gone: we stop renewing, so it expires within the TTL. jetcd
 * renews every lease on one stream every TTL/3 and tells us three things, which are mapped here:
 *
 * <ul>
 *   <li>a renewal: the keepalive is healthy;
 *   <li>"lease not found" (revoked by someone, expired, or the server came back without our data): the instance is
 *       lost now, reported to the {@link LossListener} so the registration keeper grants a new lease and puts the
 *       key again;
 *   <li>completion, which jetcd signals when no renewal succeeded within the TTL (the server was unreachable that
 *       long): the lease is expired or about to be, so the instance is lost too; any other stream error only marks
 *       the keepalive unhealthy, since jetcd reopens the stream by itself every 500 ms.
 * </ul>
 *
 * <p>Every write, check and release of one key runs under that key's lock, so a deregistration and a new
 * registration of the same id cannot interleave. Loss reports come from jetcd's threads and are passed on as they
 * come; the listener must not block. Keys deleted behind our back while the lease lives are found by {@link #holds},
 * which the registration keeper calls periodically. Thread-safe.
 */
public final class EtcdLeases implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EtcdLeases.class.getName());
    private static final int MAX_PUT_ATTEMPTS = 5;

    /** Receives what the keepalive learns. Called on jetcd's threads; must not block. */
    public interface LossListener {
        /**
         * The lease of an instance is gone; its key is gone or about to be.
         *
         * @param instance the instance as last written
         * @param cause what was observed
         */
        void lost(ServiceInstance instance, RegistryException cause);

        /** A keepalive that was failing works again: the server is reachable, pending re-registrations may go now. */
        void reconnected();
    }

    private final Lease leases;
    private final KV kv;
    private final long ttlSeconds;
    private final Duration callTimeout;
    private final LossListener listener;
    private final Map<String, Kept> kept = new ConcurrentHashMap<>();
    private final Map<String, Object> keyLocks = new ConcurrentHashMap<>();
    /** Every lease this registry granted and has not seen revoked: a key on one of them is ours to rewrite. */
    private final Set<Long> ours = ConcurrentHashMap.newKeySet();

    private volatile boolean closed;

    /**
     * Creates the leases of a registry.
     *
     * @param leases jetcd's lease client
     * @param kv jetcd's key-value client
     * @param ttlSeconds the TTL to ask for
     * @param callTimeout bound of each call
     * @param listener told about lost leases and a keepalive that works again
     */
    public EtcdLeases(Lease leases, KV kv, long ttlSeconds, Duration callTimeout, LossListener listener) {
        this.leases = Objects.requireNonNull(leases, "leases");
        this.kv = Objects.requireNonNull(kv, "kv");
        this.ttlSeconds = ttlSeconds;
        this.callTimeout = Objects.requireNonNull(callTimeout, "callTimeout");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    private Object lockOf(String key) {
        return keyLocks.computeIfAbsent(key, k -> new Object());
    }

    /**
     * Puts an instance on its lease, granting and keeping alive a new lease if it has none (or its lease vanished).
     * A lease granted for a put that fails is revoked and forgotten, so a failed registration leaves nothing behind
     * for longer than the TTL.
     *
     * @param key the instance's key
     * @param instance the instance, remembered for loss reports
     * @param value its encoded value
     * @throws RegistryException if the grant or the put failed
     */
    public void put(String key, ServiceInstance instance, ByteSequence value) {
        synchronized (lockOf(key)) {
            checkOpen();
            Kept k = kept.get(key);
            boolean fresh = k == null;
            if (k == null) {
                k = grant(key, instance);
            }
            try {
                put(key, value, k);
            } catch (RegistryException e) {
                if (fresh || !EtcdErrors.isLeaseNotFound(e)) {
                    if (fresh) {
                        abandon(k);
                    }
                    throw e;
                }
                // Our lease vanished since the last write and its keepalive has not told us yet: start over.
                forget(k);
                Kept renewed = grant(key, instance);
                try {
                    put(key, value, renewed);
                } catch (RegistryException again) {
                    abandon(renewed);
                    throw again;
                }
                k = renewed;
            }
            k.instance = instance;
        }
    }

    /**
     * Writes the key on lease {@code k} only if it is absent, held by one of this registry's leases, or held by no
     * lease at all (a leftover written by a tool: nothing keeps it alive and no process owns it). A key on another
     * client's lease is never replaced: {@code CONFLICT}. Each write is a transaction conditional on what was read,
     * so a concurrent writer makes it fail and start over instead of being overwritten.
     */
    private void put(String key, ByteSequence value, Kept k) {
        ByteSequence bytes = EtcdInstanceCodec.bytes(key);
        PutOption onLease = PutOption.builder().withLeaseId(k.id).build();
        Cmp guard = new Cmp(bytes, Cmp.Op.EQUAL, CmpTarget.createRevision(0));
        for (int attempt = 1; attempt <= MAX_PUT_ATTEMPTS; attempt++) {
            TxnResponse answer = Calls.await(
                    kv.txn()
                            .If(guard)
                            .Then(Op.put(bytes, value, onLease))
                            .Else(Op.get(bytes, GetOption.DEFAULT))
                            .commit(),
                    callTimeout,
                    "etcd",
                    "put " + key,
                    EtcdErrors.classifier("put " + key + " on lease " + hex(k.id)));
            if (answer.isSucceeded()) {
                return;
            }
            List<KeyValue> found = answer.getGetResponses().isEmpty()
                    ? List.of()
                    : answer.getGetResponses().get(0).getKvs();
            if (found.isEmpty()) {
                guard = new Cmp(bytes, Cmp.Op.EQUAL, CmpTarget.createRevision(0));
                continue;
            }
            KeyValue held = found.get(0);
            long holder = held.getLease();
            if (holder != 0 && !ours.contains(holder)) {
                throw new RegistryException(
                        Kind.CONFLICT,
                        "etcd",
                        "put " + key + " refused: the key is held by lease " + hex(holder)
                                + " of another client (another process registered the same name and id); "
                                + "registry4j never replaces an entry it did not write (deregister it there, or wait "
                                + "for that lease to expire)");
            }
            guard = new Cmp(bytes, Cmp.Op.EQUAL, CmpTarget.modRevision(held.getModRevision()));
        }
        throw new RegistryException(
                Kind.CONFLICT,
                "etcd",
                "put " + key + " failed: the key kept changing under us in " + MAX_PUT_ATTEMPTS + " attempts");
    }

    private Kept grant(String key, ServiceInstance instance) {
        LeaseGrantResponse granted = Calls.await(
                leases.grant(ttlSeconds),
                callTimeout,
                "etcd",
                "grant a lease for " + key,
                EtcdErrors.classifier("grant a lease of " + ttlSeconds + " s for " + key));
        Kept k = new Kept(key, granted.getID(), granted.getTTL(), instance);
        ours.add(k.id);
        try {
            k.keepAlive = leases.keepAlive(k.id, new Renewals(k));
        } catch (RuntimeException e) {
            revokeQuietly(k.id);
            throw EtcdErrors.toRegistryException("keep lease " + hex(k.id) + " of " + key + " alive", e);
        }
        kept.put(key, k);
        return k;
    }

    /**
     * Stops keeping an instance and revokes its lease, which deletes its key. Does nothing if the instance has no
     * lease (it was lost, and its key is gone or about to expire).
     *
     * @param key the instance's key
     * @throws RegistryException if the revoke failed; the lease is no longer renewed, so the key expires within the
     *     TTL anyway
     */
    public void release(String key) {
        synchronized (lockOf(key)) {
            Kept k = kept.remove(key);
            if (k == null) {
                return;
            }
            k.released = true;
            k.stopKeepAlive();
            try {
                Calls.await(
                        leases.revoke(k.id),
                        callTimeout,
                        "etcd",
                        "revoke lease " + hex(k.id),
                        EtcdErrors.classifier("revoke lease " + hex(k.id) + " of " + key));
                ours.remove(k.id);
            } catch (RegistryException e) {
                if (!EtcdErrors.isLeaseNotFound(e)) {
                    throw e;
                }
            }
        }
    }

    /**
     * Checks that an instance's key is still there on its lease. While the keepalive is failing the check fails with
     * {@code UNAVAILABLE} without asking: the server is out of reach, and if the lease expires the keepalive reports
     * it.
     *
     * @param key the instance's key
     * @param timeout bound of the check
     * @return false if the key is gone or the instance has no lease
     * @throws RegistryException if the read failed
     */
    public boolean holds(String key, Duration timeout) {
        synchronized (lockOf(key)) {
            Kept k = kept.get(key);
            if (k == null) {
                return false;
            }
            if (!k.healthy) {
                if (System.nanoTime() - k.renewedNanos > TimeUnit.SECONDS.toNanos(k.ttl)) {
                    // No renewal for a whole TTL: the lease has expired on the server, or will as soon as it is
                    // back. jetcd says so by completing the keepalive too, but not while it fails to even open
                    // the stream (calls fail fast): we stop keeping it, and the keeper registers it again.
                    forget(k);
                    LOG.log(
                            Level.WARNING,
                            "etcd: no keepalive of lease " + hex(k.id) + " (" + key + ") succeeded within its TTL of "
                                    + k.ttl + " s; registering it again once the server answers");
                    return false;
                }
                // Not a check that passed: the server is out of reach.
                throw new RegistryException(
                        Kind.UNAVAILABLE,
                        "etcd",
                        "cannot check " + key + ": the keepalive of its lease " + hex(k.id)
                                + " is failing (the server is out of reach)");
            }
            GetResponse read = Calls.await(
                    kv.get(EtcdInstanceCodec.bytes(key)),
                    timeout,
                    "etcd",
                    "get " + key,
                    EtcdErrors.classifier("get " + key));
            if (read.getKvs().isEmpty()) {
                return false;
            }
            KeyValue found = read.getKvs().get(0);
            if (found.getLease() != k.id && !ours.contains(found.getLease())) {
                // Another process wrote the same name and id over our deleted key: we are not registered any more.
                // The keeper writes again, which is refused with CONFLICT until that entry is gone; we never
                // delete or replace it.
                LOG.log(
                        Level.WARNING,
                        "etcd: " + key + " is held by lease " + hex(found.getLease()) + ", not by ours " + hex(k.id)
                                + ": another process registered the same name and id; leaving its entry alone");
                return false;
            }
            return true;
        }
    }

    /**
     * The ids of the leases held now, for tests and diagnostics.
     *
     * @return the lease ids
     */
    public List<Long> leaseIds() {
        List<Long> ids = new ArrayList<>();
        kept.values().forEach(k -> ids.add(k.id));
        return ids;
    }

    /**
     * Tells whether every lease's keepalive stream works.
     *
     * @return false while some keepalive fails
     */
    public boolean healthy() {
        for (Kept k : kept.values()) {
            if (!k.healthy) {
                return false;
            }
        }
        return true;
    }

    /** Stops renewing every lease, without revoking them; they expire within the TTL. Idempotent. */
    @Override
    public void close() {
        closed = true;
        for (Kept k : new ArrayList<>(kept.values())) {
            if (kept.remove(k.key, k)) {
                k.released = true;
                k.stopKeepAlive();
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new RegistryException(Kind.CLOSED, "etcd", "registry is closed");
        }
    }

    /** Forgets a lease we no longer use; it is not renewed any more. */
    private void forget(Kept k) {
        k.released = true;
        kept.remove(k.key, k);
        k.stopKeepAlive();
    }

    /** Forgets a lease granted for a put that failed, and revokes it in the background. */
    private void abandon(Kept k) {
        forget(k);
        revokeQuietly(k.id);
    }

    private void revokeQuietly(long id) {
        CompletableFuture<?> unused = leases.revoke(id).whenComplete((ok, e) -> {
            if (e != null) {
                LOG.log(Level.DEBUG, "etcd: revoking unused lease {0} failed, it will expire: {1}", hex(id), e);
            }
        });
    }

    private void lose(Kept k, RegistryException cause) {
        if (closed || k.released || !kept.remove(k.key, k)) {
            return;
        }
        k.released = true;
        k.stopKeepAlive();
        listener.lost(k.instance, cause);
    }

    static String hex(long id) {
        return Long.toHexString(id);
    }

    /** One instance's lease. Fields written under the key's lock or by the lease's keepalive callbacks. */
    private static final class Kept {
        final String key;
        final long id;
        final long ttl;
        volatile ServiceInstance instance;
        volatile @Nullable CloseableClient keepAlive;
        volatile boolean healthy = true;
        /** When the lease was granted or last renewed, by {@link System#nanoTime()}. */
        volatile long renewedNanos = System.nanoTime();

        volatile boolean released;
        volatile @Nullable Throwable lastError;

        Kept(String key, long id, long ttl, ServiceInstance instance) {
            this.key = key;
            this.id = id;
            this.ttl = ttl;
            this.instance = instance;
        }

        void stopKeepAlive() {
            CloseableClient c = keepAlive;
            keepAlive = null;
            if (c != null) {
                c.close();
            }
        }
    }

    /** jetcd's reports on one lease. */
    private final class Renewals implements StreamObserver<LeaseKeepAliveResponse> {
        private final Kept k;

        Renewals(Kept k) {
            this.k = k;
        }

        @Override
        public void onNext(LeaseKeepAliveResponse renewal) {
            if (renewal.getTTL() > 0) {
                k.renewedNanos = System.nanoTime();
            }
            if (renewal.getTTL() > 0 && !k.healthy) {
                k.healthy = true;
                k.lastError = null;
                LOG.log(Level.INFO, "etcd: keepalive of lease {0} ({1}) works again", hex(k.id), k.key);
                listener.reconnected();
            }
        }

        @Override
        public void onError(Throwable error) {
            if (closed || k.released) {
                return;
            }
            if (EtcdErrors.isLeaseNotFound(error)) {
                lose(
                        k,
                        new RegistryException(
                                Kind.UNAVAILABLE,
                                "etcd",
                                "lease " + hex(k.id) + " of " + k.key
                                        + " no longer exists (revoked, expired, or the server lost its data)",
                                error));
                return;
            }
            k.lastError = error;
            if (k.healthy) {
                k.healthy = false;
                LOG.log(
                        Level.WARNING,
                        "etcd: keepalive of lease " + hex(k.id) + " (" + k.key + ") is failing: " + error
                                + "; the instance stays registered unless this lasts longer than the TTL of " + k.ttl
                                + " s");
            }
        }

        @Override
        public void onCompleted() {
            if (closed || k.released) {
                return;
            }
            Throwable last = k.lastError;
            lose(
                    k,
                    new RegistryException(
                            Kind.UNAVAILABLE,
                            "etcd",
                            "no keepalive of lease " + hex(k.id) + " of " + k.key + " succeeded within its TTL of "
                                    + k.ttl + " s" + (last == null ? "" : " (last error: " + last + ")"),
                            last));
        }
    }
}
