package io.registry4j.testservers;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.opentest4j.TestAbortedException;

/**
 * The environment variables that decide where a test server comes from, and what happens when none can
 * be had.
 *
 * <p>Resolution order for every backend: {@code REGISTRY4J_TEST_<BACKEND>} (an address: use that server
 * and start nothing) → a local binary found on {@code PATH} → an embedded server → give up. Giving up
 * {@linkplain #serverUnavailable aborts} the test with a loud message on a developer machine, and fails
 * it when {@code CI} is {@code true}, so that a missing install step in CI cannot hide behind skipped
 * tests.
 *
 * <p>{@link #system()} reads the real environment; {@link #of(Map)} makes a fixed one for tests of the
 * harness. Immutable and thread-safe.
 */
public final class TestEnvironment {
    /** Prefix of the variables that point a backend's tests at an existing server. */
    public static final String OVERRIDE_PREFIX = "REGISTRY4J_TEST_";

    private static final TestEnvironment SYSTEM = new TestEnvironment(System::getenv);

    private final Function<String, @Nullable String> variables;

    private TestEnvironment(Function<String, @Nullable String> variables) {
        this.variables = variables;
    }

    /** Returns the environment of this JVM. */
    public static TestEnvironment system() {
        return SYSTEM;
    }

    /** Returns an environment that has exactly {@code variables}. */
    public static TestEnvironment of(Map<String, String> variables) {
        Map<String, String> copy = Map.copyOf(variables);
        return new TestEnvironment(copy::get);
    }

    /** Returns the name of the variable that overrides {@code backend}: {@code etcd} → {@code REGISTRY4J_TEST_ETCD}. */
    public static String overrideVariable(String backend) {
        return OVERRIDE_PREFIX + backend.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** Returns the value of {@code name}, or {@code null} if it is not set. */
    public @Nullable String get(String name) {
        return variables.apply(name);
    }

    /** Returns whether this is a CI run: {@code CI} is {@code true}, ignoring case. */
    public boolean isCi() {
        return "true".equalsIgnoreCase(get("CI"));
    }

    /** Returns the address in {@code REGISTRY4J_TEST_<BACKEND>}, if that variable is set and not blank. */
    public Optional<String> serverOverride(String backend) {
        String value = get(overrideVariable(backend));
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
    }

    /**
     * Returns the first executable file named {@code program} in the directories of {@code PATH}, else the
     * first executable among {@code fallbacks}.
     */
    public Optional<Path> findExecutable(String program, List<Path> fallbacks) {
        List<Path> candidates = new ArrayList<>();
        String path = get("PATH");
        if (path != null) {
            for (String directory : path.split(File.pathSeparator, -1)) {
                if (directory.isEmpty()) {
                    continue;
                }
                try {
                    candidates.add(Path.of(directory, program));
                } catch (InvalidPathException ignored) {
                    // A malformed PATH entry cannot hold the program; the next one may.
                }
            }
        }
        candidates.addAll(fallbacks);
        return candidates.stream()
                .filter(candidate -> Files.isRegularFile(candidate) && Files.isExecutable(candidate))
                .findFirst();
    }

    /**
     * Returns the exception to throw when no {@code server} can be had: a {@link TestAbortedException}
     * locally, an {@link IllegalStateException} under {@code CI=true}. The message names what is missing
     * and {@code remedy}, how to get it; locally it is also printed to standard error, because Surefire
     * only counts skipped tests.
     */
    public RuntimeException serverUnavailable(String server, String backend, String remedy) {
        String how = remedy + ", or set " + overrideVariable(backend) + " to the address of a running " + server;
        if (isCi()) {
            return new IllegalStateException(
                    "no " + server + " for the tests, and CI=true turns this skip into a failure: " + how);
        }
        String message = "SKIPPED: no " + server + " for the tests: " + how;
        System.err.println("registry4j-testservers: " + message);
        return new TestAbortedException(message);
    }
}
