package io.registry4j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;
import org.jspecify.annotations.Nullable;

/**
 * A real ZooKeeper server in this JVM for {@code demo}: ZooKeeper's own {@link ZooKeeperServerEmbedded}, standalone,
 * on a free loopback port, with its data in a temporary directory that is deleted on close.
 *
 * <p>Design: a short tick makes sessions short (ZooKeeper grants 2 to 20 ticks), so the demo's session expiry and
 * outage play out in about a second. The admin HTTP server is off and nothing listens beyond 127.0.0.1.
 * {@link #restart()} stops the server and starts it again on the same port with the same data, as an operator's
 * restart would: clients see an outage, then find their sessions and nodes again. Not thread-safe; one caller.
 */
final class EmbeddedZooKeeper implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    private final Path directory;
    private final Properties properties;
    private final String connectString;
    private @Nullable ZooKeeperServerEmbedded server;

    private EmbeddedZooKeeper(Path directory, Properties properties, String connectString) {
        this.directory = directory;
        this.properties = properties;
        this.connectString = connectString;
    }

    /** Starts a server with the given tick on a free loopback port. */
    static EmbeddedZooKeeper start(Duration tick) throws Exception {
        Path directory = Files.createTempDirectory("registry4j-demo-zookeeper-");
        String host = InetAddress.getLoopbackAddress().getHostAddress();
        int port = freePort();
        var properties = new Properties();
        properties.setProperty("tickTime", Long.toString(tick.toMillis()));
        properties.setProperty("clientPort", Integer.toString(port));
        properties.setProperty("clientPortAddress", host);
        properties.setProperty("admin.enableServer", "false");
        properties.setProperty("initLimit", "5");
        properties.setProperty("syncLimit", "2");
        var zk = new EmbeddedZooKeeper(directory, properties, host + ":" + port);
        try {
            zk.launch();
        } catch (Exception e) {
            zk.close();
            throw e;
        }
        return zk;
    }

    /** {@code 127.0.0.1:<port>} */
    String connectString() {
        return connectString;
    }

    /** Stops the server (clients see an outage) and starts it again on the same port with the same data. */
    void restart() throws Exception {
        stop();
        launch();
    }

    /** Stops the server and keeps its data. */
    void stop() {
        ZooKeeperServerEmbedded s = server;
        server = null;
        if (s != null) {
            s.close();
        }
    }

    /** Starts the server again after {@link #stop()}. */
    void launch() throws Exception {
        ZooKeeperServerEmbedded s = ZooKeeperServerEmbedded.builder()
                .baseDir(directory)
                .configuration(properties)
                .exitHandler(ExitHandler.LOG_ONLY)
                .build();
        s.start(START_TIMEOUT.toMillis());
        server = s;
    }

    @Override
    public void close() {
        try {
            stop();
        } finally {
            deleteRecursively(directory);
        }
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the demo's ZooKeeper data in " + root, e);
        }
    }
}
