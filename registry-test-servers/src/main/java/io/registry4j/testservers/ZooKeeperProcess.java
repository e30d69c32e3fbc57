package io.registry4j.testservers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A real standalone ZooKeeper server in a child JVM ({@code org.apache.zookeeper.server.ZooKeeperServerMain}, from the
 * test JVM's own class path), for faults an in-process server cannot take: SIGSTOP ({@link #pause()}) and a network
 * partition (started inside a {@link NetworkNamespace}, listening on its address).
 *
 * <p>The server ticks every {@link ZooKeeperServer#TICK_TIME} (sessions of up to {@link
 * ZooKeeperServer#MAX_SESSION_TIMEOUT}), keeps its data and log in a {@link ScratchDirectory}, and is ready when it
 * answers the {@code srvr} command. The test JVM's class path must hold ZooKeeper's server classes (any module that
 * depends on {@code curator-test} has them). Thread-safe; lifecycle methods are serialized.
 */
public final class ZooKeeperProcess implements AutoCloseable {
    /** How long a start may take. */
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private static final String MAIN = "org.apache.zookeeper.server.ZooKeeperServerMain";

    private final ScratchDirectory directory;
    private final String host;
    private final int port;
    private @Nullable ChildProcess process;
    private boolean paused;
    private boolean closed;

    private ZooKeeperProcess(ScratchDirectory directory, String host, int port) {
        this.directory = directory;
        this.host = host;
        this.port = port;
    }

    /**
     * Starts a server on a free loopback port, or on {@code namespace}'s address inside it if not null.
     *
     * @throws ChildProcess.StartException if it does not become ready; its log stays in the scratch directory
     */
    public static ZooKeeperProcess start(@Nullable NetworkNamespace namespace) {
        ScratchDirectory directory = ScratchDirectory.create("zookeeper-process");
        String host = namespace == null ? LoopbackPorts.address().getHostAddress() : namespace.address();
        ZooKeeperProcess server = new ZooKeeperProcess(directory, host, LoopbackPorts.freePort());
        server.launch(namespace);
        return server;
    }

    /** Returns the connect string, e.g. {@code 10.231.0.2:41234}. */
    public String connectString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** Returns the server's process id. */
    public synchronized long pid() {
        return requireProcess().pid();
    }

    /** Suspends the server with SIGSTOP. */
    public synchronized void pause() {
        requireProcess().pause();
        paused = true;
    }

    /** Continues the server after {@link #pause()}. */
    public synchronized void resume() {
        requireProcess().resume();
        paused = false;
    }

    /** Stops the server and deletes its data; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        ChildProcess running = process;
        if (running != null) {
            if (paused) {
                running.resume();
            }
            running.stop();
            process = null;
        }
        directory.close();
    }

    @Override
    public String toString() {
        return "ZooKeeperProcess{" + connectString() + ", " + directory + "}";
    }

    private void launch(@Nullable NetworkNamespace namespace) {
        Path config = directory.resolve("zoo.cfg");
        String text = String.join(
                "\n",
                "tickTime=" + ZooKeeperServer.TICK_TIME.toMillis(),
                "dataDir=" + directory.resolve("data"),
                "clientPort=" + port,
                "clientPortAddress=" + host,
                "maxSessionTimeout=" + ZooKeeperServer.MAX_SESSION_TIMEOUT.toMillis(),
                "4lw.commands.whitelist=srvr",
                "admin.enableServer=false",
                "");
        try {
            Files.createDirectories(directory.resolve("data"));
            Files.writeString(config, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + config, e);
        }
        List<String> command = new ArrayList<>();
        if (namespace != null) {
            command.addAll(namespace.execPrefix());
        }
        command.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Dzookeeper.jmx.log4j.disable=true",
                "-cp",
                System.getProperty("java.class.path"),
                MAIN,
                config.toString()));
        process = ChildProcess.builder(command)
                .logFile(directory.resolve("zookeeper.log"))
                .readiness(this::answersSrvr, READY_TIMEOUT)
                .stopTimeout(Duration.ofSeconds(5))
                .start();
    }

    private boolean answersSrvr() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            socket.setSoTimeout(1000);
            socket.getOutputStream().write("srvr".getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return answer.contains("Mode:");
        } catch (IOException notYet) {
            return false;
        }
    }

    private ChildProcess requireProcess() {
        ChildProcess running = process;
        if (running == null || !running.isAlive()) {
            throw new IllegalStateException(this + " is not running");
        }
        return running;
    }
}
