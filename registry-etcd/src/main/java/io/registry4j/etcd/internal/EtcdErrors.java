package io.registry4j.etcd.internal;

import io.etcd.jetcd.common.exception.ClosedClientException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.registry4j.RegistryException;
import io.registry4j.RegistryException.Kind;
import io.registry4j.spi.Calls;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Turns jetcd and gRPC failures into {@link RegistryException}s.
 *
 * <p>Design: jetcd reports failures in two shapes, its own {@link EtcdException} (watch and lease streams, with an
 * {@code ErrorCode} named after the gRPC code) and the raw {@code StatusRuntimeException} of a failed unary call;
 * both come down to a gRPC status code plus etcd's text. The kind follows the code, except that etcd answers a wrong
 * password, or a call without credentials when authentication is on, with {@code INVALID_ARGUMENT}
 * ("authentication failed", "user name is empty"), which is {@code UNAUTHENTICATED} here, and a
 * missing lease ({@code NOT_FOUND}) is recognised by {@link #isLeaseNotFound} so callers can grant a new one.
 * Stateless and thread-safe.
 */
public final class EtcdErrors {
    private EtcdErrors() {}

    /**
     * A classifier for {@link Calls#await}.
     *
     * @param what the call, such as {@code put /microservices/orders/1}
     * @return turns a native failure into a {@link RegistryException} that names the call
     */
    public static Function<Throwable, RegistryException> classifier(String what) {
        return t -> toRegistryException(what, t);
    }

    /**
     * Wraps a native failure.
     *
     * @param what the call that failed
     * @param failure the failure, possibly wrapped in execution layers
     * @return the exception, with the native failure as its cause
     */
    public static RegistryException toRegistryException(String what, Throwable failure) {
        Throwable t = Calls.unwrap(failure);
        if (t instanceof RegistryException re) {
            return re;
        }
        if (t instanceof ClosedClientException) {
            return new RegistryException(Kind.CLOSED, "etcd", what + " failed: the jetcd client is closed", t);
        }
        if (t instanceof TimeoutException) {
            return new RegistryException(Kind.TIMEOUT, "etcd", what + " did not complete in time", t);
        }
        if (t instanceof CancellationException) {
            return new RegistryException(Kind.UNAVAILABLE, "etcd", what + " was cancelled", t);
        }
        Status.Code code = code(t);
        String detail = detail(t);
        Kind kind = switch (code) {
            case UNAVAILABLE, CANCELLED, UNKNOWN, RESOURCE_EXHAUSTED, ABORTED, NOT_FOUND -> Kind.UNAVAILABLE;
            case DEADLINE_EXCEEDED -> Kind.TIMEOUT;
            case UNAUTHENTICATED -> Kind.UNAUTHENTICATED;
            case PERMISSION_DENIED -> Kind.PERMISSION_DENIED;
            case INVALID_ARGUMENT -> isAuthentication(detail) ? Kind.UNAUTHENTICATED : Kind.INVALID_ARGUMENT;
            default -> Kind.INTERNAL;
        };
        String unreachable = unreachable(t);
        if (unreachable != null) {
            return new RegistryException(Kind.UNAVAILABLE, "etcd", what + " failed: " + unreachable, t);
        }
        return new RegistryException(kind, "etcd", what + " failed: " + code + " " + detail, t);
    }

    /**
     * Says in plain words why the server could not be reached, when the failure knows: a refused connection (nothing
     * listens on the port) or a host name that does not resolve; null for anything else.
     */
    static @Nullable String unreachable(Throwable failure) {
        for (Throwable c = failure; c != null; c = c.getCause()) {
            if (c instanceof ConnectException) {
                return "connection refused (" + c.getMessage() + "): nothing listens on that address";
            }
            if (c instanceof UnknownHostException) {
                return "unknown host " + c.getMessage();
            }
            String m = c.getMessage();
            if (m != null && (m.contains("Unable to resolve host") || m.contains("unresolved address"))) {
                return "unknown host: the endpoint's host name does not resolve (" + m + ")";
            }
        }
        return null;
    }

    /**
     * Tells whether a failure says that the lease it used does not exist (expired, revoked, or the server was wiped).
     *
     * @param failure a failure of a put, a revoke or a keepalive
     * @return true for etcd's "requested lease not found"
     */
    public static boolean isLeaseNotFound(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof EtcdException e) {
                return e.getErrorCode() == ErrorCode.NOT_FOUND;
            }
            if (t instanceof StatusRuntimeException || t instanceof StatusException) {
                return Status.fromThrowable(t).getCode() == Status.Code.NOT_FOUND;
            }
        }
        return false;
    }

    /** etcd answers a wrong password, and a call without credentials to a server with auth on, this way. */
    private static boolean isAuthentication(String detail) {
        String d = detail.toLowerCase(Locale.ROOT);
        return d.contains("authentication failed") || d.contains("user name is empty");
    }

    private static Status.Code code(Throwable t) {
        if (t instanceof EtcdException e) {
            try {
                return Status.Code.valueOf(e.getErrorCode().name());
            } catch (IllegalArgumentException unknown) {
                return Status.Code.UNKNOWN;
            }
        }
        return Status.fromThrowable(t).getCode();
    }

    private static String detail(Throwable t) {
        String description = t instanceof EtcdException
                ? t.getMessage()
                : Status.fromThrowable(t).getDescription();
        if (description == null) {
            // jetcd fails a call whose login failed with a bare UNAUTHENTICATED; the server's words are its cause.
            for (Throwable c = t.getCause(); c != null && description == null; c = c.getCause()) {
                description = c instanceof StatusRuntimeException || c instanceof StatusException
                        ? Status.fromThrowable(c).getDescription()
                        : c.getMessage();
            }
        }
        return description == null ? "(no detail)" : plain(description);
    }

    /**
     * gRPC's transport texts, said in words a user can act on; the original stays in parentheses, so it can still be
     * searched for.
     */
    static String plain(String description) {
        String d = description.toLowerCase(Locale.ROOT);
        String said;
        if (d.contains("network closed for unknown reason")) {
            said = "the connection to etcd closed (the server stopped or restarted, or the network dropped it)";
        } else if (d.equals("io exception")) {
            said = "an I/O error on the connection to etcd";
        } else if (d.startsWith("keepalive failed")) {
            said = "the connection to etcd stopped answering keepalive pings";
        } else if (d.contains("connection closed after goaway")) {
            said = "etcd closed the connection (it is shutting down or shedding connections)";
        } else {
            return description;
        }
        return said + "; gRPC: " + description;
    }
}
