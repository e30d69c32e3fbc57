package io.registry4j.zookeeper.internal;

import io.registry4j.RegistryException;
import io.registry4j.spi.Calls;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.BackgroundCallback;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;

/**
 * Bounded calls to ZooKeeper through Curator, and the mapping of ZooKeeper's result codes to
 * {@link RegistryException} kinds.
 *
 * <p>Design: every operation runs in Curator's background mode and is awaited here with a deadline, so a call never
 * blocks longer than the registry's call timeout, whatever Curator's own retry policy does, and honours interrupts.
 * The result code is returned to the caller, because several codes are expected answers ({@code NONODE},
 * {@code NODEEXISTS}, {@code BADVERSION}) rather than failures. Before the first operation of a call, the caller waits
 * for the connection ({@link #awaitConnected}), so that an outage gives a clear {@code UNAVAILABLE} naming the
 * servers instead of a bare connection-loss code. Stateless apart from its settings; thread-safe.
 */
public final class ZooKeeperCalls {
    /** The backend name used in exceptions and thread names. */
    public static final String BACKEND = "zookeeper";

    private final CuratorFramework client;
    private final Duration timeout;

    /**
     * Creates the helper.
     *
     * @param client the started Curator client
     * @param timeout the bound of one registry call, which may consist of several ZooKeeper operations
     */
    public ZooKeeperCalls(CuratorFramework client, Duration timeout) {
        this.client = Objects.requireNonNull(client, "client");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** A Curator operation started in background mode, reporting to {@code callback}. */
    @FunctionalInterface
    public interface Operation {
        /**
         * Starts the operation, for example {@code cb -> client.getData().inBackground(cb).forPath(path)}.
         *
         * @param callback where Curator reports the result
         * @throws Exception if Curator refuses to start it
         */
        void start(BackgroundCallback callback) throws Exception;
    }

    /** The time left for one registry call. */
    public static final class Deadline {
        private final long end;
        private final Duration total;

        private Deadline(Duration total) {
            this.total = total;
            this.end = System.nanoTime() + total.toNanos();
        }

        Duration left() {
            return Duration.ofNanos(Math.max(0, end - System.nanoTime()));
        }
    }

    /**
     * Starts the clock of one registry call.
     *
     * @return a deadline one call timeout from now
     */
    public Deadline deadline() {
        return new Deadline(timeout);
    }

    /**
     * The servers the client talks to, for messages.
     *
     * @return the connect string
     */
    public String servers() {
        try {
            return client.getZookeeperClient().getCurrentConnectionString();
        } catch (RuntimeException e) {
            return "(unknown servers)";
        }
    }

    /**
     * Waits until the client is connected.
     *
     * @param deadline the call's deadline
     * @param what what the call does, for messages
     * @throws RegistryException {@code UNAVAILABLE} if the client is not started or does not connect in time,
     *     {@code INTERRUPTED} if the thread is interrupted (its flag is set again)
     */
    public void awaitConnected(Deadline deadline, String what) {
        if (client.getState() != CuratorFrameworkState.STARTED) {
            throw new RegistryException(
                    RegistryException.Kind.UNAVAILABLE,
                    BACKEND,
                    what + " failed: the Curator client is " + client.getState() + ", not STARTED");
        }
        try {
            if (!client.getZookeeperClient().isConnected()
                    && !client.blockUntilConnected(
                            (int) Math.max(1, deadline.left().toMillis()), TimeUnit.MILLISECONDS)) {
                throw new RegistryException(
                        RegistryException.Kind.UNAVAILABLE,
                        BACKEND,
                        what + " failed: not connected to ZooKeeper at " + servers() + " within " + deadline.total);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(RegistryException.Kind.INTERRUPTED, BACKEND, what + " was interrupted", e);
        }
    }

    /**
     * Runs one operation and waits for its result within the deadline.
     *
     * @param deadline the call's deadline
     * @param what what the operation does, naming the path, for messages
     * @param operation the operation
     * @return the event Curator reported; its result code may be an error the caller expects
     * @throws RegistryException {@code TIMEOUT} when the deadline passes, {@code INTERRUPTED}, or the kind of what
     *     Curator threw
     */
    public CuratorEvent call(Deadline deadline, String what, Operation operation) {
        return await(deadline, what, start(what, operation));
    }

    /**
     * Starts one operation without waiting, so that several can run at once; see {@link #await}.
     *
     * @param what what the operation does, naming the path, for messages
     * @param operation the operation
     * @return completes with the event Curator reports
     * @throws RegistryException of the kind of what Curator threw when starting it
     */
    public CompletableFuture<CuratorEvent> start(String what, Operation operation) {
        CompletableFuture<CuratorEvent> result = new CompletableFuture<>();
        try {
            operation.start((c, event) -> result.complete(event));
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw failure(what, e);
        }
        return result;
    }

    /**
     * Waits for an operation started with {@link #start} within the deadline.
     *
     * @param deadline the call's deadline
     * @param what what the operation does, for messages
     * @param result the started operation
     * @return the event Curator reported
     * @throws RegistryException {@code TIMEOUT} when the deadline passes, or {@code INTERRUPTED}
     */
    public CuratorEvent await(Deadline deadline, String what, CompletableFuture<CuratorEvent> result) {
        Duration left = deadline.left();
        if (left.isZero()) {
            left = Duration.ofMillis(1);
        }
        return Calls.await(result, left, BACKEND, what, e -> failure(what, e));
    }

    /**
     * The result code of an event.
     *
     * @param event a Curator event
     * @return its code
     */
    public static Code code(CuratorEvent event) {
        return Code.get(event.getResultCode());
    }

    /**
     * Tells whether a code means the connection or session broke, so that the operation may succeed once the client
     * reconnects.
     *
     * @param code a result code
     * @return true for connection loss, session expiry and the like
     */
    public static boolean isConnectionProblem(Code code) {
        return switch (code) {
            case CONNECTIONLOSS,
                    SESSIONEXPIRED,
                    OPERATIONTIMEOUT,
                    SESSIONMOVED,
                    REQUESTTIMEOUT,
                    THROTTLEDOP,
                    NOTREADONLY,
                    RECONFIGINPROGRESS,
                    SESSIONCLOSEDREQUIRESASLAUTH -> true;
            default -> false;
        };
    }

    /**
     * The exception for an unexpected result code.
     *
     * @param what what the operation did, naming the path
     * @param code the code
     * @return the exception, of the kind the code means
     */
    public static RegistryException failure(String what, Code code) {
        return new RegistryException(
                kind(code), BACKEND, what + " failed: " + code, code == Code.OK ? null : KeeperException.create(code));
    }

    /**
     * The exception for anything Curator or ZooKeeper threw.
     *
     * @param what what the operation did, naming the path
     * @param e what was thrown
     * @return the exception; a {@link RegistryException} is returned as it is
     */
    public static RegistryException failure(String what, Throwable e) {
        Throwable t = Calls.unwrap(e);
        if (t instanceof RegistryException re) {
            return re;
        }
        RegistryException.Kind kind;
        if (t instanceof KeeperException ke) {
            kind = kind(ke.code());
        } else if (t instanceof IllegalArgumentException) {
            kind = RegistryException.Kind.INVALID_ARGUMENT;
        } else if (t instanceof IllegalStateException) {
            kind = RegistryException.Kind.UNAVAILABLE; // Curator's "client is closed" and the like
        } else if (t instanceof InterruptedException) {
            kind = RegistryException.Kind.INTERRUPTED;
        } else {
            kind = RegistryException.Kind.INTERNAL;
        }
        return new RegistryException(kind, BACKEND, what + " failed: " + t, t);
    }

    /**
     * The kind of failure a result code means.
     *
     * @param code the code
     * @return the kind
     */
    public static RegistryException.Kind kind(Code code) {
        if (isConnectionProblem(code)) {
            return RegistryException.Kind.UNAVAILABLE;
        }
        return switch (code) {
            case NOAUTH -> RegistryException.Kind.PERMISSION_DENIED;
            case AUTHFAILED -> RegistryException.Kind.UNAUTHENTICATED;
            case BADARGUMENTS, INVALIDACL, NOCHILDRENFOREPHEMERALS -> RegistryException.Kind.INVALID_ARGUMENT;
            case NODEEXISTS, BADVERSION, NOTEMPTY -> RegistryException.Kind.CONFLICT;
            default -> RegistryException.Kind.INTERNAL;
        };
    }
}
