package io.registry4j.resilience;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;

/**
 * The recovery times the scenarios measure: each is printed (so the test report shows it) and appended, one
 * tab-separated line per figure, to {@code target/resilience/recovery-times.tsv}, from which {@code docs/resilience.md}
 * is written. They are figures to read, never assertions: a test bounds recovery only by its Awaitility timeout.
 */
final class RecoveryTimes {
    static final Path FILE = Path.of("target", "resilience", "recovery-times.tsv");

    private RecoveryTimes() {}

    /**
     * Records one figure.
     *
     * @param scenario e.g. {@code cluster}
     * @param backend e.g. {@code etcd}
     * @param what what recovered, e.g. {@code watcher RECOVERED after quorum restored}
     * @param measured how long it took
     * @param documentedBound the backend's documented bound for it, in words
     */
    static synchronized void record(
            String scenario, String backend, String what, Duration measured, String documentedBound) {
        String millis = String.format(Locale.ROOT, "%d", measured.toMillis());
        System.out.println("registry4j-resilience: " + scenario + " / " + backend + ": " + what + ": " + millis
                + " ms (documented bound: " + documentedBound + ")");
        String line = String.join("\t", scenario, backend, what, millis, documentedBound) + System.lineSeparator();
        try {
            Files.createDirectories(FILE.getParent());
            Files.writeString(FILE, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + FILE, e);
        }
    }

    /** Returns the time since {@code startNanos}, a {@link System#nanoTime()} reading. */
    static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
