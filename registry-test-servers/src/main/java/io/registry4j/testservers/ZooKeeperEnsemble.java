package io.registry4j.testservers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;

/**
 * A real ZooKeeper ensemble for tests: Apache Curator's {@code TestingCluster} (the real ZooKeeper quorum code, every
 * server in this JVM) on free loopback client, quorum and election ports, with its data in a {@link ScratchDirectory}.
 *
 * <p>Servers tick every {@link ZooKeeperServer#TICK_TIME}, so they grant session timeouts up to
 * {@link ZooKeeperServer#MAX_SESSION_TIMEOUT} and elect a new leader within about a second. Faults act on one server
 * by index: {@link #kill(int)} and {@link #restart(int)} (same data, same ports: it rejoins). {@link #leader()} asks
 * each server's {@code srvr} command for its mode.
 *
 * <p>Needs {@code org.apache.curator:curator-test} on the test classpath, like {@link ZooKeeperServer}. Thread-safe;
 * every method is serialized.
 */
public final class ZooKeeperEnsemble implements AutoCloseable {
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

    private final ScratchDirectory directory;
    private final TestingCluster cluster;
    private final List<InstanceSpec> specs;
    private final boolean[] running;
    private boolean closed;

    private ZooKeeperEnsemble(ScratchDirectory directory, TestingCluster cluster, List<InstanceSpec> specs) {
        this.directory = directory;
        this.cluster = cluster;
        this.specs = specs;
        this.running = new boolean[specs.size()];
        java.util.Arrays.fill(running, true);
    }

    /**
     * Starts an ensemble of {@code size} servers and returns once it has started (a quorum may still be electing).
     *
     * @throws IllegalStateException if it fails to start
     */
    public static ZooKeeperEnsemble start(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be positive: " + size);
        }
        ScratchDirectory directory = ScratchDirectory.create("zookeeper-ensemble");
        List<InstanceSpec> specs = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            specs.add(new InstanceSpec(
                    directory.resolve("server-" + i).toFile(),
                    LoopbackPorts.freePort(),
                    LoopbackPorts.freePort(),
                    LoopbackPorts.freePort(),
                    false,
                    i + 1,
                    (int) ZooKeeperServer.TICK_TIME.toMillis(),
                    -1,
                    Map.of(
                            "clientPortAddress",
                            LoopbackPorts.address().getHostAddress(),
                            "4lw.commands.whitelist",
                            "srvr"),
                    LoopbackPorts.host()));
        }
        try {
            // Curator writes placeholder config files to java.io.tmpdir, which the build points at target/tmp.
            Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
            for (InstanceSpec spec : specs) {
                Files.createDirectories(spec.getDataDirectory().toPath());
            }
            TestingCluster cluster = new TestingCluster(specs);
            cluster.start();
            return new ZooKeeperEnsemble(directory, cluster, specs);
        } catch (Exception e) {
            directory.close();
            throw new IllegalStateException("embedded ZooKeeper ensemble of " + size + " failed to start", e);
        }
    }

    /** Returns the connect string of all servers. */
    public String connectString() {
        return cluster.getConnectString();
    }

    /** Returns how many servers the ensemble has. */
    public int size() {
        return specs.size();
    }

    /** Returns the index of the server that says it leads, if one does. */
    public synchronized OptionalInt leader() {
        for (int i = 0; i < specs.size(); i++) {
            if (running[i] && "leader".equals(mode(i))) {
                return OptionalInt.of(i);
            }
        }
        return OptionalInt.empty();
    }

    /** Returns whether every running server serves: a leader or follower, which needs a quorum. */
    public synchronized boolean isServing() {
        for (int i = 0; i < specs.size(); i++) {
            if (running[i]) {
                String mode = mode(i);
                if (!"leader".equals(mode) && !"follower".equals(mode) && !"standalone".equals(mode)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Kills server {@code index}, as a crash; its data stays for {@link #restart(int)}. */
    public synchronized void kill(int index) {
        try {
            cluster.killServer(specs.get(index));
            running[index] = false;
        } catch (Exception e) {
            throw new IllegalStateException("cannot kill ZooKeeper server " + index, e);
        }
    }

    /** Starts server {@code index} again with its data on its ports; it rejoins the ensemble. */
    public synchronized void restart(int index) {
        if (closed) {
            throw new IllegalStateException("cannot restart a server of a closed ensemble");
        }
        try {
            cluster.restartServer(specs.get(index));
            running[index] = true;
        } catch (Exception e) {
            throw new IllegalStateException("cannot restart ZooKeeper server " + index, e);
        }
    }

    /** Stops every server and deletes the data; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            cluster.close();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot stop the embedded ZooKeeper ensemble", e);
        } finally {
            directory.close();
        }
    }

    @Override
    public String toString() {
        return "ZooKeeperEnsemble{" + connectString() + "}";
    }

    /** The {@code Mode:} line of server {@code index}'s {@code srvr} answer, or {@code "down"}. */
    private String mode(int index) {
        InstanceSpec spec = specs.get(index);
        try (Socket socket = new Socket()) {
            socket.connect(
                    new InetSocketAddress(LoopbackPorts.address(), spec.getPort()), (int) PROBE_TIMEOUT.toMillis());
            socket.setSoTimeout((int) PROBE_TIMEOUT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write("srvr".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            for (String line : answer.split("\n", -1)) {
                if (line.startsWith("Mode:")) {
                    return line.substring("Mode:".length()).strip();
                }
            }
            return "not serving";
        } catch (IOException e) {
            return "down";
        }
    }
}
