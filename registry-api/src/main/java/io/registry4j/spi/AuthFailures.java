package io.registry4j.spi;

import io.registry4j.RegistryException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One wording for a rejected login on every backend, so that a user reads the same cause whatever the registry:
 * {@code authentication failed for user root}, or, when no credentials were given to a server that wants them, a
 * hint to add them.
 */
public final class AuthFailures {
    /** The text every such message starts with. */
    public static final String PREFIX = "authentication failed";

    private AuthFailures() {}

    /**
     * Builds the exception of a rejected login.
     *
     * @param backend the backend name
     * @param user the user the registry logged in as, or null if it was given none
     * @param what the call that was refused and the server's own words, such as {@code get /x: invalid password}
     * @param cause the native failure
     * @return an {@code UNAUTHENTICATED} exception whose message starts with {@value #PREFIX}
     */
    public static RegistryException of(String backend, @Nullable String user, String what, @Nullable Throwable cause) {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(what, "what");
        String head = user == null
                ? PREFIX + ": the server asks for credentials and none were given; add the options user=… and "
                        + "password=… to the registry URL (or set them on the builder)"
                : PREFIX + " for user " + user + " (wrong password, or no such user)";
        return new RegistryException(RegistryException.Kind.UNAUTHENTICATED, backend, head + "; " + what, cause);
    }

    /**
     * Rewords an {@code UNAUTHENTICATED} failure with {@link #of}; any other failure, or one already reworded, is
     * returned as is.
     *
     * @param user the user the registry logged in as, or null if it was given none
     * @param failure a failure of a call
     * @return the failure to throw
     */
    public static RegistryException named(@Nullable String user, RegistryException failure) {
        String message = String.valueOf(failure.getMessage());
        if (failure.kind() != RegistryException.Kind.UNAUTHENTICATED
                || message.contains(PREFIX + " for user ")
                || message.contains(PREFIX + ": the server asks")) {
            return failure;
        }
        String prefix = failure.backend() + " " + failure.kind() + ": ";
        String what = message.startsWith(prefix) ? message.substring(prefix.length()) : message;
        Throwable cause = failure.getCause();
        return of(failure.backend(), user, what, cause != null ? cause : failure);
    }
}
