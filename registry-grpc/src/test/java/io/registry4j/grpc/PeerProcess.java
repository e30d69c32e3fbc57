package io.registry4j.grpc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One run of a Kratos peer command that {@link io.registry4j.testservers.KratosPeer} has no method for (its gRPC
 * commands, {@code grpc-serve} and {@code grpc-call}): standard output read line by line, standard error kept in a
 * file for the failure message, the process killed on close.
 */
final class PeerProcess implements AutoCloseable {
    private final List<String> command;
    private final Process process;
    private final Path log;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private PeerProcess(List<String> command, Process process, Path log) {
        this.command = command;
        this.process = process;
        this.log = log;
        Thread reader = new Thread(this::readLines, "kratos-peer-stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    static PeerProcess start(Path binary, String... args) {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(List.of(args));
        try {
            Path log = Files.createTempFile("kratos-peer-" + args[0] + "-", ".log");
            Process p = new ProcessBuilder(command)
                    .redirectError(log.toFile())
                    .redirectOutput(ProcessBuilder.Redirect.PIPE)
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start();
            return new PeerProcess(command, p, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    private void readLines() {
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                lines.add(line);
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    /** The next line of standard output; fails with the process's log when none comes in time. */
    String awaitLine(Duration timeout) throws InterruptedException {
        String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null) {
            throw new AssertionError("no output from " + command + " within " + timeout + "; alive: "
                    + process.isAlive() + "; stderr:\n" + logTail());
        }
        return line;
    }

    /** Ends standard input: the peer's signal to stop (a server deregisters first). */
    void closeInput() throws IOException {
        process.getOutputStream().close();
    }

    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(command + " did not exit within " + timeout + "; stderr:\n" + logTail());
        }
        return process.exitValue();
    }

    private String logTail() {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - 30), all.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // already closed
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException e) {
            // a temporary file
        }
    }
}
