package io.registry4j.testservers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * A temporary directory for one test server's data and logs, deleted with everything in it on
 * {@link #close()}.
 *
 * <p>Directories are created under {@link #root()}: the directory named by the system property
 * {@value #ROOT_PROPERTY} if set, else {@code target/test-servers} relative to the working directory
 * (Surefire runs each module's tests in the module's directory), so that leftovers of a killed test run
 * land in {@code target/} and go away with {@code mvn clean}.
 *
 * <p>Thread-safe; {@link #close()} is idempotent.
 */
public final class ScratchDirectory implements AutoCloseable {
    /** System property naming the directory under which scratch directories are created. */
    public static final String ROOT_PROPERTY = "registry4j.test.dir";

    private static final String DEFAULT_ROOT = "target/test-servers";

    private final Path path;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ScratchDirectory(Path path) {
        this.path = path;
    }

    /** Returns the directory under which {@link #create(String)} creates scratch directories. */
    public static Path root() {
        return Path.of(System.getProperty(ROOT_PROPERTY, DEFAULT_ROOT)).toAbsolutePath();
    }

    /** Creates a new, empty directory under {@link #root()} whose name starts with {@code prefix}. */
    public static ScratchDirectory create(String prefix) {
        return createUnder(root(), prefix);
    }

    static ScratchDirectory createUnder(Path root, String prefix) {
        try {
            Files.createDirectories(root);
            return new ScratchDirectory(Files.createTempDirectory(root, prefix + "-"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a scratch directory under " + root, e);
        }
    }

    /** Returns the absolute path of this directory. */
    public Path path() {
        return path;
    }

    /** Returns {@code name} resolved against this directory; nothing is created. */
    public Path resolve(String name) {
        return path.resolve(name);
    }

    /** Deletes this directory and everything in it; does nothing when called again. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            deleteRecursively(path);
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }

    /** Deletes {@code target} and, if it is a directory, everything in it; a missing target is fine. */
    static void deleteRecursively(Path target) {
        if (!Files.exists(target)) {
            return;
        }
        try {
            Files.walkFileTree(target, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    // A server that is still shutting down may remove its own files while we walk.
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path directory, @Nullable IOException e) throws IOException {
                    if (e != null) {
                        throw e;
                    }
                    Files.deleteIfExists(directory);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + target, e);
        }
    }
}
