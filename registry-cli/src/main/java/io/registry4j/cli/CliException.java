package io.registry4j.cli;

import org.jspecify.annotations.Nullable;

/**
 * A failure the command line reports as one line and an exit code: {@link #USAGE} (2) when the command was given
 * something it cannot use, {@link #RUNTIME} (1) when what it tried did not work. The message says what was tried and
 * what to do.
 */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Exit code of a successful run. */
    static final int OK = 0;

    /** Exit code when what the command tried failed: an unreachable server, a refused call, a failed check. */
    static final int RUNTIME = 1;

    /** Exit code when the command line itself is wrong: a missing argument, a bad URL, an unknown scheme. */
    static final int USAGE = 2;

    /**
     * Exit code when a second Ctrl-C ended {@code register} before it could deregister: the instance stays until its
     * lease or session ends.
     */
    static final int QUIT = 3;

    /** Exit code of {@code watch} or {@code register} stopped by Ctrl-C after cleaning up (deregistered, closed). */
    static final int INTERRUPTED = 130;

    private final int exitCode;

    private CliException(int exitCode, String message, @Nullable Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    static CliException usage(String message) {
        return new CliException(USAGE, message, null);
    }

    static CliException usage(String message, Throwable cause) {
        return new CliException(USAGE, message, cause);
    }

    static CliException runtime(String message) {
        return new CliException(RUNTIME, message, null);
    }

    static CliException runtime(String message, Throwable cause) {
        return new CliException(RUNTIME, message, cause);
    }

    int exitCode() {
        return exitCode;
    }
}
