package io.registry4j.nacos.internal;

import com.alibaba.nacos.api.exception.NacosException;
import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.pojo.Instance;
import com.alibaba.nacos.api.naming.utils.NamingUtils;
import com.alibaba.nacos.client.naming.remote.gprc.redo.NamingGrpcRedoService;
import com.alibaba.nacos.client.naming.remote.gprc.redo.data.BatchInstanceRedoData;
import com.alibaba.nacos.client.naming.remote.gprc.redo.data.InstanceRedoData;
import com.alibaba.nacos.common.remote.client.Connection;
import com.alibaba.nacos.common.remote.client.ConnectionEventListener;
import com.alibaba.nacos.common.remote.client.RpcClient;
import io.registry4j.RegistryException;
import io.registry4j.spi.RegistryThreads;
import io.registry4j.spi.Scheduler;
import java.lang.System.Logger.Level;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Watches the SDK's gRPC connection, and answers whether the SDK still means to keep an instance registered.
 *
 * <p>Why: a Nacos ephemeral instance lives exactly as long as the SDK's gRPC connection (the "session"). When the
 * connection drops (server restart, network cut, or the server closing it), the server forgets the connection's
 * instances and subscriptions, and the SDK's "redo" registers and subscribes again once it has a new connection. The
 * public {@link NamingService} API says little of this: {@code getServerStatus()} falls back to an HTTP liveness probe
 * while gRPC is down (a blocking call, and "UP" while the HTTP port answers). The SDK's own {@link RpcClient} knows:
 * {@link RpcClient#isRunning()} is false while it has no working connection, and its {@link ConnectionEventListener}s
 * hear of each new connection, and of the old one's end, once a reconnect succeeds (the SDK reports nothing while
 * it keeps failing). This class reaches the {@link RpcClient} (and the SDK's redo book-keeping) through the private
 * fields {@code NacosNamingService.clientProxy → NamingClientProxyDelegate.grpcClientProxy →
 * NamingGrpcClientProxy.rpcClient / redoService}, unchanged since nacos-client 2.0.
 *
 * <p>So: every poll interval, on the registry's scheduler, {@code isRunning()} is read (no I/O); when it turns false
 * the registry marks its watches stale. When the SDK reports that a connection ended, the server has dropped that
 * connection's instances: the registry reports them lost, and the keeper writes them again (LOST, then RESTORED),
 * alongside the SDK's redo. When a new connection is reported (or the poll sees the client running again), the
 * registry reads its watched services again, which ends the stale state.
 *
 * <p>If the fields cannot be reached (another {@link NamingService} implementation, a changed SDK), the poll falls
 * back to {@code getServerStatus()}: outages still make watches stale, but connection resets go unnoticed (the SDK's
 * redo still restores what it holds) and {@link #sdkHolds} answers {@code null}.
 *
 * <p>Thread-safe. The SDK calls the listener on its own connection-event thread. It has no way to remove a
 * connection listener: after {@link #close()} the listener stays registered with an injected client and does nothing.
 */
public final class NacosConnectionMonitor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(NacosConnectionMonitor.class.getName());

    /** The registry's side. Called on the SDK's event thread or the scheduler; must not block. */
    public interface Listener {
        /**
         * The connection is down, or a connection ended.
         *
         * @param cause what to report to watchers and the keeper
         * @param sessionLost true when the SDK reported that a connection ended, so the server has dropped its
         *     instances; false when the poll found the client without a working connection
         */
        void disconnected(RegistryException cause, boolean sessionLost);

        /** A connection works again (the SDK redoes its registrations and subscriptions shortly). */
        void reconnected();
    }

    private final NamingService naming;
    private final @Nullable RpcClient rpcClient;
    private final @Nullable NamingGrpcRedoService redo;
    private final Listener listener;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Scheduler scheduler;
    private final Duration pollInterval;
    private volatile boolean down;
    private volatile Scheduler.@Nullable Task poll;

    private NacosConnectionMonitor(
            NamingService naming,
            @Nullable RpcClient rpcClient,
            @Nullable NamingGrpcRedoService redo,
            Listener listener,
            Scheduler scheduler,
            Duration pollInterval) {
        this.naming = naming;
        this.rpcClient = rpcClient;
        this.redo = redo;
        this.listener = listener;
        this.scheduler = scheduler;
        this.pollInterval = pollInterval;
    }

    /**
     * Starts monitoring a naming service.
     *
     * @param naming the SDK client
     * @param listener the registry
     * @param scheduler runs the polling fallback
     * @param pollInterval how often the fallback polls
     * @return the monitor
     */
    public static NacosConnectionMonitor start(
            NamingService naming, Listener listener, Scheduler scheduler, Duration pollInterval) {
        Object grpcProxy = field(field(naming, "clientProxy"), "grpcClientProxy");
        RpcClient rpc = field(grpcProxy, "rpcClient") instanceof RpcClient r ? r : null;
        NamingGrpcRedoService redo = field(grpcProxy, "redoService") instanceof NamingGrpcRedoService s ? s : null;
        var monitor = new NacosConnectionMonitor(naming, rpc, redo, listener, scheduler, pollInterval);
        if (rpc != null) {
            rpc.registerConnectionListener(monitor.new Events());
        } else {
            LOG.log(
                    Level.INFO,
                    "nacos: cannot reach the connection of " + naming.getClass().getName()
                            + "; polling getServerStatus() instead, which notices outages but not connection resets");
        }
        monitor.schedulePoll();
        return monitor;
    }

    /**
     * Tells whether connection events are observed directly (else the status is polled).
     *
     * @return true if the SDK's connection listener is attached
     */
    public boolean observesConnection() {
        return rpcClient != null;
    }

    /**
     * Tells whether the SDK's redo book-keeping holds every given Nacos instance as one to keep registered.
     *
     * @param service the Nacos service
     * @param group the group
     * @param expected the Nacos instances
     * @return the answer, or null if the book-keeping cannot be read
     */
    public @Nullable Boolean sdkHolds(String service, String group, List<Instance> expected) {
        NamingGrpcRedoService r = redo;
        if (r == null) {
            return null;
        }
        InstanceRedoData data = r.getRegisteredInstancesByKey(NamingUtils.getGroupedName(service, group));
        if (data == null || !data.isExpectedRegistered()) {
            return false;
        }
        List<Instance> held;
        if (data instanceof BatchInstanceRedoData batch) {
            held = Objects.requireNonNullElse(batch.getInstances(), List.of());
        } else {
            Instance single = data.get();
            held = single == null ? List.of() : List.of(single);
        }
        return NacosInstanceCodec.containsAll(held, expected);
    }

    /**
     * The server's id of the current connection, for tests that make the server close it.
     *
     * @return the id, or null if not connected or not observable
     */
    public @Nullable String connectionId() {
        return field(rpcClient, "currentConnection") instanceof Connection c ? c.getConnectionId() : null;
    }

    private void schedulePoll() {
        if (closed.get()) {
            return;
        }
        try {
            poll = scheduler.schedule(pollInterval, RegistryThreads.guarded("poll nacos server status", this::poll));
        } catch (RejectedExecutionException e) {
            poll = null; // the registry is closing
        }
    }

    private void poll() {
        if (closed.get()) {
            return;
        }
        RpcClient rpc = rpcClient;
        boolean up = rpc != null ? rpc.isRunning() : "UP".equals(naming.getServerStatus());
        if (!up && !down) {
            down = true;
            listener.disconnected(
                    new RegistryException(
                            RegistryException.Kind.UNAVAILABLE,
                            "nacos",
                            rpc != null
                                    ? "the SDK has no working connection to the Nacos server"
                                    : "the Nacos server status is DOWN"),
                    false);
        } else if (up && down) {
            down = false;
            listener.reconnected();
        }
        schedulePoll();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Scheduler.Task t = poll;
            if (t != null) {
                t.cancel();
            }
        }
    }

    /**
     * After the SDK was shut down: shuts its connection client down again if a reconnect finished meanwhile. In
     * nacos-client 3.1, {@code RpcClient.shutdown()} marks the client shut down, interrupts its reconnect thread and
     * closes the current connection; a reconnect already inside {@code connectToServer} then installs the connection
     * it opened and marks the client running again, and nothing closes that connection: its gRPC channel, and the
     * SDK's shared gRPC event loop and executor threads, stay for the life of the JVM (the kit's leak check saw them
     * after an outage test). Waits at most {@code atMost} for the reconnect thread to end, or to install its connection.
     *
     * @param atMost how long to wait for the SDK's reconnect thread
     */
    public void closeLateConnection(Duration atMost) {
        RpcClient rpc = rpcClient;
        if (rpc == null || !(field(rpc, "clientEventExecutor") instanceof ExecutorService executor)) {
            return;
        }
        long deadline = System.nanoTime() + atMost.toNanos();
        try {
            // The reconnect installs its connection before it marks the client running.
            while (rpc.isShutdown() && !executor.awaitTermination(20, TimeUnit.MILLISECONDS)) {
                if (System.nanoTime() - deadline > 0) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!rpc.isShutdown()) {
            try {
                rpc.shutdown();
            } catch (NacosException | RuntimeException e) {
                LOG.log(Level.WARNING, "nacos: closing a connection opened during the shutdown failed", e);
            }
        }
    }

    /** The SDK's connection events, forwarded while the monitor is open. */
    private final class Events implements ConnectionEventListener {
        @Override
        public void onConnected(Connection connection) {
            if (!closed.get()) {
                down = false;
                listener.reconnected();
            }
        }

        @Override
        public void onDisConnect(Connection connection) {
            if (!closed.get()) {
                listener.disconnected(
                        new RegistryException(
                                RegistryException.Kind.UNAVAILABLE,
                                "nacos",
                                "the gRPC connection " + connection.getConnectionId() + " to the Nacos server dropped"),
                        true);
            }
        }
    }

    /** Reads a private field, or returns null if the object is null or has no such field. */
    private static @Nullable Object field(@Nullable Object target, String name) {
        if (target == null) {
            return null;
        }
        for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(target);
            } catch (NoSuchFieldException e) {
                // look in the superclass
            } catch (IllegalAccessException | RuntimeException e) {
                LOG.log(Level.DEBUG, "nacos: cannot read " + c.getName() + "." + name, e);
                return null;
            }
        }
        return null;
    }
}
