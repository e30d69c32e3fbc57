package io.registry4j;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The one exception registry4j throws for failures of a registry, as opposed to programming errors (which are
 * {@link NullPointerException} and {@link IllegalArgumentException}, naming the argument).
 *
 * <p>It carries a {@link Kind} that says what went wrong in terms a caller can act on, whether retrying may help,
 * the name of the backend that failed, and the native SDK exception as its cause. Native exceptions never escape
 * unwrapped.
 */
public class RegistryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong, independent of the backend. */
    public enum Kind {
        /** The request or a configuration value is invalid; retrying the same call fails again. */
        INVALID_ARGUMENT(false),
        /** The backend could not be reached or refused to serve; retrying later may succeed. */
        UNAVAILABLE(true),
        /** The call did not complete within the configured call timeout; retrying may succeed. */
        TIMEOUT(true),
        /** The backend rejected the credentials. */
        UNAUTHENTICATED(false),
        /** The credentials are valid but not allowed to do this. */
        PERMISSION_DENIED(false),
        /** Another process owns the entry this call would change (for example a live ZooKeeper node). */
        CONFLICT(false),
        /** The registry or watcher was closed. */
        CLOSED(false),
        /** The calling thread was interrupted; its interrupt flag is set again. */
        INTERRUPTED(false),
        /** A bug or an answer from the backend that makes no sense. */
        INTERNAL(false);

        private final boolean retryable;

        Kind(boolean retryable) {
            this.retryable = retryable;
        }

        /**
         * Tells whether retrying a call that failed this way may succeed.
         *
         * @return true for {@link #UNAVAILABLE} and {@link #TIMEOUT}
         */
        public boolean isRetryable() {
            return retryable;
        }
    }

    private final Kind kind;
    private final String backend;

    /**
     * Creates an exception.
     *
     * @param kind what went wrong
     * @param backend the backend's name, such as {@code etcd}
     * @param message what was attempted and what happened, naming the values involved
     * @param cause the native exception, if any
     */
    public RegistryException(Kind kind, String backend, String message, @Nullable Throwable cause) {
        super(backend + " " + kind + ": " + message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.backend = Objects.requireNonNull(backend, "backend");
    }

    /**
     * Creates an exception without a cause.
     *
     * @param kind what went wrong
     * @param backend the backend's name, such as {@code etcd}
     * @param message what was attempted and what happened, naming the values involved
     */
    public RegistryException(Kind kind, String backend, String message) {
        this(kind, backend, message, null);
    }

    /**
     * The kind of failure.
     *
     * @return the kind
     */
    public Kind kind() {
        return kind;
    }

    /**
     * The name of the backend that failed, such as {@code etcd} or {@code memory}.
     *
     * @return the backend name
     */
    public String backend() {
        return backend;
    }

    /**
     * Tells whether retrying may succeed; the same as {@code kind().isRetryable()}.
     *
     * @return whether the failure is transient
     */
    public boolean isRetryable() {
        return kind.isRetryable();
    }
}
