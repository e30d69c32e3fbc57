package io.registry4j.testservers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Go program the tests need (the Kratos peer, a registry server built from its Go module), built from a
 * directory of this project that has its own {@code go.mod}, with the machine's Go, once per source.
 *
 * <p>{@link #binary(TestEnvironment)} finds the directory by walking up from the working directory to one
 * that has {@code <sourceDirectory>/go.mod} (or takes the directory in the system property
 * {@code registry4j.<name>.source}), and builds the main package into
 * {@code ~/.cache/registry4j/<name>/<hash of the package, go.mod, go.sum and *.go>/<name>}. Later runs,
 * other modules and other worktrees reuse that binary; Go's own module and build caches make a rebuild
 * after a source change cheap. Concurrent builders, in this JVM or another, take a file lock next to the
 * cache directory, so one builds and the others wait and reuse its result. After a build, the builds of
 * earlier sources that are older than seven days are deleted.
 *
 * <p>Without {@code go} on {@code PATH} (or in {@code /usr/local/go/bin}, {@code /usr/lib/go/bin}) the test
 * is aborted loudly, or failed under {@code CI=true} (see {@link TestEnvironment#serverUnavailable}).
 * {@code REGISTRY4J_TEST_<NAME>} may name a prebuilt binary instead.
 *
 * <p>Immutable and thread-safe.
 */
public final class GoBuild {
    /** How long a {@code go build} may take by default; a cold one downloads and compiles every module. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(20);

    static final List<Path> WELL_KNOWN_GO = List.of(Path.of("/usr/local/go/bin/go"), Path.of("/usr/lib/go/bin/go"));

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");

    /** How long a build of an earlier source is kept after it was made. */
    static final Duration STALE_AFTER = Duration.ofDays(7);

    private static final Object BUILD_LOCK = new Object();

    private final String name;
    private final String sourceDirectory;
    private final String mainPackage;
    private final Duration timeout;

    private GoBuild(String name, String sourceDirectory, String mainPackage, Duration timeout) {
        this.name = name;
        this.sourceDirectory = sourceDirectory;
        this.mainPackage = mainPackage;
        this.timeout = timeout;
    }

    /**
     * Returns the build of the main package in {@code sourceDirectory} (relative to the project root) into a
     * binary called {@code name}.
     *
     * @throws IllegalArgumentException if {@code name} is not lower-case letters, digits and dashes
     */
    public static GoBuild of(String name, String sourceDirectory) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(sourceDirectory, "sourceDirectory");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "name must be lower-case letters, digits and dashes, starting with a letter or digit: '" + name
                            + "'");
        }
        return new GoBuild(name, sourceDirectory, ".", DEFAULT_TIMEOUT);
    }

    /**
     * Returns a copy that builds {@code importPath} (a main package among the module's dependencies, such as
     * {@code k8s.io/kubernetes/cmd/kube-apiserver}) instead of the package in the source directory.
     */
    public GoBuild mainPackage(String importPath) {
        Objects.requireNonNull(importPath, "importPath");
        if (importPath.isBlank()) {
            throw new IllegalArgumentException("importPath must not be blank");
        }
        return new GoBuild(name, sourceDirectory, importPath, timeout);
    }

    /** Returns a copy whose {@code go build} may take {@code timeout}. */
    public GoBuild timeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        return new GoBuild(name, sourceDirectory, mainPackage, timeout);
    }

    /** Returns the binary's name, which also names its cache directory and its override variable. */
    public String name() {
        return name;
    }

    /** Returns the system property that may name the source directory: {@code registry4j.<name>.source}. */
    public String sourceProperty() {
        return "registry4j." + name + ".source";
    }

    /**
     * Returns the binary: the one named by {@code REGISTRY4J_TEST_<NAME>}, else the cached build for the current
     * source, building it first if there is none.
     *
     * @throws org.opentest4j.TestAbortedException if there is no Go toolchain (outside CI)
     * @throws IllegalStateException if there is no Go toolchain under {@code CI=true}, the source cannot be
     *     found, or the build fails (the message ends with the build's output)
     * @throws IllegalArgumentException if the override names no executable file
     */
    public Path binary(TestEnvironment environment) {
        Objects.requireNonNull(environment, "environment");
        var prebuilt = environment.serverOverride(name);
        if (prebuilt.isPresent()) {
            Path binary = Path.of(prebuilt.get());
            if (!Files.isExecutable(binary)) {
                throw new IllegalArgumentException(TestEnvironment.overrideVariable(name) + " must name an executable "
                        + name + " binary, not '" + prebuilt.get() + "'");
            }
            return binary;
        }
        Path go = environment
                .findExecutable("go", WELL_KNOWN_GO)
                .orElseThrow(() -> environment.serverUnavailable(
                        "Go toolchain to build " + name,
                        name,
                        "install Go 1.24 or later with `go` on PATH (the Go module proxy must be reachable the"
                                + " first time)"));
        return build(go, findSource(), environment);
    }

    /** Returns {@code ~/.cache/registry4j/<name>}. */
    public Path cacheRoot() {
        return Path.of(System.getProperty("user.home"), ".cache", "registry4j", name);
    }

    /** Finds the directory with the program's {@code go.mod}; see the class comment. */
    public Path findSource() {
        String property = System.getProperty(sourceProperty());
        if (property != null && !property.isBlank()) {
            Path dir = Path.of(property).toAbsolutePath();
            if (!Files.isRegularFile(dir.resolve("go.mod"))) {
                throw new IllegalStateException(sourceProperty() + "=" + property + " has no go.mod");
            }
            return dir;
        }
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(sourceDirectory);
            if (Files.isRegularFile(candidate.resolve("go.mod"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("cannot find the source of " + name + ": no " + sourceDirectory + "/go.mod in "
                + start + " or any parent; set -D" + sourceProperty() + "=<dir>");
    }

    /**
     * Hashes the main package's name and every {@code go.mod}, {@code go.sum} and {@code .go} file under
     * {@code source} (relative names and contents), for the cache directory.
     */
    public String sourceHash(Path source) {
        try (Stream<Path> files = Files.walk(source)) {
            List<Path> inputs = files.filter(Files::isRegularFile)
                    .filter(p -> {
                        String n = p.getFileName().toString();
                        return n.equals("go.mod") || n.equals("go.sum") || n.endsWith(".go");
                    })
                    .sorted()
                    .toList();
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            if (!mainPackage.equals(".")) {
                digest.update(mainPackage.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
            for (Path input : inputs) {
                digest.update(source.relativize(input).toString().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(Files.readAllBytes(input));
                digest.update((byte) 0);
            }
            return java.util.HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the source of " + name + " in " + source, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Returns the cached binary for {@code source}, building it first if there is none. Builders in this JVM
     * serialize on a monitor, builders in other JVMs on a file lock beside the cache directory; each build
     * goes to a temporary file that is moved into place atomically.
     */
    Path build(Path go, Path source, TestEnvironment environment) {
        String hash = sourceHash(source);
        Path dir = cacheRoot().resolve(hash);
        Path binary = dir.resolve(name);
        if (Files.isExecutable(binary)) {
            return binary;
        }
        synchronized (BUILD_LOCK) {
            try {
                Files.createDirectories(dir);
                try (FileChannel channel = FileChannel.open(
                        cacheRoot().resolve(hash + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    FileLock lock = channel.lock();
                    try {
                        if (!Files.isExecutable(binary)) {
                            runGoBuild(go, source, dir, binary, environment);
                            pruneStaleBuilds(hash);
                        }
                        return binary;
                    } finally {
                        lock.release();
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot build " + name + " from " + source + " into " + dir, e);
            }
        }
    }

    /**
     * Deletes the builds of earlier sources that nobody has built for {@link #STALE_AFTER}, so the cache does not
     * grow with every edit. A recent build stays: another worktree may still be on that source.
     */
    private void pruneStaleBuilds(String current) {
        Instant cutoff = Instant.now().minus(STALE_AFTER);
        try (Stream<Path> entries = Files.list(cacheRoot())) {
            for (Path entry : entries.toList()) {
                String entryName = entry.getFileName().toString();
                if (entryName.startsWith(current)
                        || Files.getLastModifiedTime(entry).toInstant().isAfter(cutoff)) {
                    continue;
                }
                if (Files.isDirectory(entry)) {
                    try (Stream<Path> files = Files.list(entry)) {
                        for (Path file : files.toList()) {
                            Files.deleteIfExists(file);
                        }
                    }
                }
                Files.deleteIfExists(entry);
            }
        } catch (IOException e) {
            // Pruning is housekeeping: a failure leaves old builds behind and nothing else.
            System.err.println("registry4j-testservers: cannot prune old builds of " + name + ": " + e);
        }
    }

    private void runGoBuild(Path go, Path source, Path dir, Path binary, TestEnvironment environment)
            throws IOException {
        Path partial = Files.createTempFile(dir, name + "-", ".partial");
        Path log = Files.createTempFile(dir, "build-", ".log");
        try {
            List<String> command = new ArrayList<>(List.of(go.toString(), "build", "-o", partial.toString()));
            command.add(mainPackage);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(source.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            // A go.work above the source must not pull other modules in.
            builder.environment().put("GOWORK", "off");
            String path = environment.get("PATH");
            if (path != null) {
                builder.environment().put("PATH", path);
            }
            long started = System.nanoTime();
            Process process = builder.start();
            ChildProcessReaper.global().register(process);
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    ChildProcessReaper.terminate(List.of(process.toHandle()), Duration.ofSeconds(5));
                    throw new IllegalStateException("`go build " + mainPackage + "` of " + name + " in " + source
                            + " did not finish within " + timeout + "; output:" + System.lineSeparator()
                            + ChildProcess.readLogTail(log, 40));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ChildProcessReaper.terminate(List.of(process.toHandle()), Duration.ofSeconds(5));
                throw new IllegalStateException("interrupted while building " + name, e);
            } finally {
                ChildProcessReaper.global().unregister(process);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("`go build " + mainPackage + "` of " + name + " in " + source
                        + " failed with exit code " + process.exitValue() + "; output:" + System.lineSeparator()
                        + ChildProcess.readLogTail(log, 40));
            }
            try {
                Files.move(partial, binary, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(partial, binary, StandardCopyOption.REPLACE_EXISTING);
            }
            System.err.printf(
                    "registry4j-testservers: built %s in %d s into %s%n",
                    name, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started), binary);
        } finally {
            Files.deleteIfExists(partial);
            Files.deleteIfExists(log);
        }
    }

    @Override
    public String toString() {
        return "GoBuild[" + name + " from " + sourceDirectory + (mainPackage.equals(".") ? "" : ", " + mainPackage)
                + "]";
    }
}
