package io.registry4j.etcd.internal;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.registry4j.RegistryException;
import io.registry4j.RegistryException.Kind;
import io.registry4j.ServiceInstance;
import io.registry4j.spi.ServiceViews;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The native watch of one service: a read of the prefix {@code <namespace>/<name>/} at revision R, then a server
 * watch of that prefix from R+1, folded into the full list the service view wants, then into changes of it.
 *
 * <p>Design: starting the watch right after the revision of the read means no change is missed or seen twice. The
 * read is asynchronous, so opening never blocks; the watch is created when the read completes, under this object's
 * lock, so its events are applied after the read. Each PUT is decoded (an entry that does not decode is reported to
 * the {@link Skipper} and left out, and a key that held an instance and now holds garbage drops that instance), each
 * DELETE removes its key, and every response that changed the map delivers what it removed and added (the view patches its snapshot), outside the lock (a
 * listener may run in that call); jetcd delivers one response at a time per watch, so lists leave in order. Any failure (the read,
 * a stream error, a compacted revision, the server gone) ends this watch: it is closed, jetcd's own resumption is
 * stopped, and the service view is told it {@linkplain ServiceViews.Sink#failed failed}, which marks it stale and
 * reopens a new one (a fresh read, a fresh watch) after a backoff. Thread-safe; one lock guards the map and the
 * state, and neither jetcd nor the sink is called while holding it.
 */
public final class EtcdServiceWatch implements AutoCloseable {

    /** Receives entries that are not valid instances. */
    @FunctionalInterface
    public interface Skipper {
        /**
         * An entry was left out.
         *
         * @param key its key
         * @param reason why it does not decode
         */
        void skip(String key, Exception reason);
    }

    private final KV kv;
    private final Watch watch;
    private final String service;
    private final EtcdInstanceCodec codec;
    private final ByteSequence prefix;
    private final ServiceViews.Sink sink;
    private final Skipper skipper;
    private final Duration timeout;
    private final Object lock = new Object();
    private final Map<String, ServiceInstance> instances = new HashMap<>();
    private boolean closed;
    private @Nullable CompletableFuture<GetResponse> read;
    private Watch.@Nullable Watcher watcher;

    private EtcdServiceWatch(
            KV kv,
            Watch watch,
            String service,
            EtcdInstanceCodec codec,
            ServiceViews.Sink sink,
            Skipper skipper,
            Duration timeout) {
        this.kv = kv;
        this.watch = watch;
        this.service = service;
        this.codec = codec;
        this.prefix = EtcdInstanceCodec.bytes(codec.servicePrefix(service));
        this.sink = sink;
        this.skipper = skipper;
        this.timeout = timeout;
    }

    /**
     * Starts watching a service: reads it in the background, then watches from the revision after the read.
     *
     * @param kv jetcd's key-value client
     * @param watch jetcd's watch client
     * @param service the service name
     * @param codec the layout
     * @param sink where the full lists and failures go
     * @param skipper where entries that do not decode go
     * @param timeout bound of the read
     * @return the watch; close it to stop
     */
    public static EtcdServiceWatch open(
            KV kv,
            Watch watch,
            String service,
            EtcdInstanceCodec codec,
            ServiceViews.Sink sink,
            Skipper skipper,
            Duration timeout) {
        var w = new EtcdServiceWatch(
                Objects.requireNonNull(kv, "kv"),
                Objects.requireNonNull(watch, "watch"),
                Objects.requireNonNull(service, "service"),
                Objects.requireNonNull(codec, "codec"),
                Objects.requireNonNull(sink, "sink"),
                Objects.requireNonNull(skipper, "skipper"),
                Objects.requireNonNull(timeout, "timeout"));
        w.start();
        return w;
    }

    private void start() {
        CompletableFuture<GetResponse> f =
                kv.get(prefix, GetOption.builder().isPrefix(true).build());
        synchronized (lock) {
            read = f;
        }
        CompletableFuture<?> unused =
                f.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).whenComplete(this::onRead);
    }

    private void onRead(@Nullable GetResponse response, @Nullable Throwable error) {
        if (error != null || response == null) {
            fail(EtcdErrors.toRegistryException(
                    "read " + codec.servicePrefix(service),
                    error != null ? error : new IllegalStateException("no response")));
            return;
        }
        List<ServiceInstance> initial;
        synchronized (lock) {
            if (closed) {
                return;
            }
            read = null;
            for (KeyValue entry : response.getKvs()) {
                apply(entry, null);
            }
            initial = List.copyOf(instances.values());
        }
        // Outside the lock: a listener on a direct executor runs in this call. The watch starts only after it,
        // so no event can overtake this list.
        sink.update(initial);
        watchFrom(response.getHeader().getRevision() + 1);
    }

    /**
     * Opens the server watch from a revision; the map must hold the state just before it.
     *
     * @param revision the first revision to receive
     */
    private void watchFrom(long revision) {
        WatchOption option = WatchOption.builder()
                .isPrefix(true)
                .withRevision(revision)
                .withRequireLeader(true)
                .build();
        Watch.Watcher opened;
        try {
            opened = watch.watch(prefix, option, new Events());
        } catch (RuntimeException e) {
            fail(EtcdErrors.toRegistryException("watch " + codec.servicePrefix(service), e));
            return;
        }
        boolean keep;
        synchronized (lock) {
            keep = !closed;
            if (keep) {
                watcher = opened;
            }
        }
        if (!keep) {
            opened.close();
        }
    }

    /** Applies a PUT; the caller holds the lock. Returns whether the map changed; records the change if asked. */
    private boolean apply(KeyValue entry, @Nullable Change change) {
        String key = EtcdInstanceCodec.text(entry.getKey());
        ServiceInstance decoded;
        try {
            decoded = codec.decode(service, entry);
        } catch (IllegalArgumentException e) {
            skipper.skip(key, e);
            return remove(key, change);
        }
        ServiceInstance old = instances.put(key, decoded);
        if (decoded.equals(old)) {
            return false;
        }
        if (change != null) {
            if (old != null) {
                change.remove(old);
            }
            change.added.add(decoded);
        }
        return true;
    }

    /** Applies a DELETE (or an entry that no longer decodes); the caller holds the lock. */
    private boolean remove(String key, @Nullable Change change) {
        ServiceInstance old = instances.remove(key);
        if (old == null) {
            return false;
        }
        if (change != null) {
            change.remove(old);
        }
        return true;
    }

    /** The instances one watch response removed and added, netted out (what it adds and then removes is neither). */
    private static final class Change {
        final List<ServiceInstance> removed = new ArrayList<>(1);
        final List<ServiceInstance> added = new ArrayList<>(1);

        @SuppressWarnings("ReferenceEquality") // the very instance added, not an equal one from another key
        void remove(ServiceInstance old) {
            for (int i = added.size() - 1; i >= 0; i--) {
                if (added.get(i) == old) {
                    added.remove(i);
                    return;
                }
            }
            removed.add(old);
        }
    }

    /** The full list now, for a view that cannot patch its snapshot with a change. */
    private List<ServiceInstance> all() {
        synchronized (lock) {
            return List.copyOf(instances.values());
        }
    }

    private void fail(RegistryException cause) {
        Watch.Watcher w;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            w = watcher;
            watcher = null;
        }
        if (w != null) {
            w.close(); // stops jetcd from resuming the stream on its own; we reopen with a fresh read instead
        }
        sink.failed(cause);
    }

    /** Stops the read and the server watch; idempotent. */
    @Override
    public void close() {
        Watch.Watcher w;
        CompletableFuture<GetResponse> r;
        synchronized (lock) {
            closed = true;
            w = watcher;
            watcher = null;
            r = read;
            read = null;
        }
        if (r != null) {
            r.cancel(false);
        }
        if (w != null) {
            w.close();
        }
    }

    /** The server watch's callbacks. jetcd calls them one at a time per watch. */
    private final class Events implements Watch.Listener {
        @Override
        public void onNext(WatchResponse response) {
            var change = new Change();
            synchronized (lock) {
                if (closed) {
                    return;
                }
                boolean changed = false;
                for (WatchEvent event : response.getEvents()) {
                    switch (event.getEventType()) {
                        case PUT -> changed |= apply(event.getKeyValue(), change);
                        case DELETE ->
                            changed |= remove(
                                    EtcdInstanceCodec.text(event.getKeyValue().getKey()), change);
                        default -> {
                            // An event type this client does not know; the next read will tell.
                        }
                    }
                }
                if (!changed) {
                    return;
                }
            }
            // jetcd delivers one response at a time per watch, so changes leave in the order of the events. Only the
            // change travels: the view patches its snapshot (O(change), not O(service size)).
            sink.change(change.removed, change.added, EtcdServiceWatch.this::all);
        }

        @Override
        public void onError(Throwable error) {
            fail(EtcdErrors.toRegistryException("watch " + codec.servicePrefix(service), error));
        }

        @Override
        public void onCompleted() {
            fail(new RegistryException(
                    Kind.UNAVAILABLE, "etcd", "the server ended the watch of " + codec.servicePrefix(service)));
        }
    }
}
