package io.registry4j.testservers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooKeeper;
import org.jspecify.annotations.Nullable;

/**
 * A real ZooKeeper server for tests: Apache Curator's {@code TestingServer} (the real ZooKeeper server
 * code, in this JVM), or an existing server named by {@code REGISTRY4J_TEST_ZOOKEEPER=host:port[,…]}.
 *
 * <p>The embedded server listens on a free loopback port only, keeps its data in a
 * {@link ScratchDirectory}, and ticks every {@link #TICK_TIME}, so it grants session timeouts from
 * {@link #MIN_SESSION_TIMEOUT} to {@link #MAX_SESSION_TIMEOUT} and expires an abandoned session within
 * about a second. {@link #stop()} and {@link #restart()} keep the data and the port; after a restart the
 * server reloads its sessions and gives each a fresh timeout, as a real ZooKeeper does.
 * {@link #expireSession(long, byte[])} makes the server itself expire a session, which works on external
 * servers too.
 *
 * <p>The embedded server needs {@code org.apache.curator:curator-test} on the test classpath. This module
 * declares it optional, so every module that uses this class declares it again; {@link #start()} says so
 * when it is missing.
 *
 * <p>Thread-safe; lifecycle methods are serialized.
 */
public final class ZooKeeperServer implements TestServer {
    /** The backend name: {@code REGISTRY4J_TEST_ZOOKEEPER} overrides it. */
    public static final String BACKEND = "zookeeper";

    /** The embedded server's tick, the unit of all its timeouts. */
    public static final Duration TICK_TIME = Duration.ofMillis(100);

    /** The shortest session timeout the embedded server grants; shorter requests are raised to it. */
    public static final Duration MIN_SESSION_TIMEOUT = TICK_TIME;

    /** The longest session timeout the embedded server grants (ZooKeeper's 20 ticks); longer ones are cut. */
    public static final Duration MAX_SESSION_TIMEOUT = TICK_TIME.multipliedBy(20);

    /** How long {@link #expireSession(long, byte[])} waits to attach to the session. */
    public static final Duration ATTACH_TIMEOUT = Duration.ofSeconds(10);

    private static final String TESTING_SERVER = "org.apache.curator.test.TestingServer";
    private static final String CURATOR_TEST_DEPENDENCY = "<dependency><groupId>org.apache.curator</groupId>"
            + "<artifactId>curator-test</artifactId><scope>test</scope></dependency>";

    private final String connectString;
    private final @Nullable Local local;
    private boolean closed;

    private ZooKeeperServer(String connectString, @Nullable Local local) {
        this.connectString = connectString;
        this.local = local;
    }

    /**
     * Starts an embedded ZooKeeper, or returns the one named by {@code REGISTRY4J_TEST_ZOOKEEPER}.
     *
     * @throws IllegalStateException if curator-test is not on the classpath, or the server fails to start
     */
    public static ZooKeeperServer start() {
        return start(TestEnvironment.system());
    }

    /** Like {@link #start()}, reading variables from {@code environment}. */
    public static ZooKeeperServer start(TestEnvironment environment) {
        Optional<String> override = environment.serverOverride(BACKEND);
        if (override.isPresent()) {
            return new ZooKeeperServer(override.get(), null);
        }
        requireCuratorTest();
        Local local = Local.start(ScratchDirectory.create("zookeeper"), LoopbackPorts.freePort());
        return new ZooKeeperServer(local.connectString(), local);
    }

    /** Returns the connect string, e.g. {@code 127.0.0.1:41234}. */
    public String connectString() {
        return connectString;
    }

    @Override
    public boolean isExternal() {
        return local == null;
    }

    @Override
    public boolean supportsRestart() {
        return local != null;
    }

    @Override
    public synchronized boolean isRunning() {
        return local == null ? !closed : local.running;
    }

    @Override
    public synchronized void stop() {
        requireLocal("stop").stop();
    }

    @Override
    public synchronized void restart() {
        Local local = requireLocal("restart");
        if (closed) {
            throw new IllegalStateException("cannot restart " + this + ": it was closed");
        }
        local.restart();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (local != null) {
            local.close();
        }
    }

    /**
     * Makes the server expire the session {@code sessionId} now, as it would after the session timeout:
     * its ephemeral nodes are deleted, watchers see them go, and the session's own client gets
     * {@code Expired} when it next talks to the server.
     *
     * <p>This attaches a second client to the session with its id and password ({@code
     * ZooKeeper.getSessionId()}, {@code getSessionPasswd()}; with Curator,
     * {@code client.getZookeeperClient().getZooKeeper()}) and closes it, which the server treats like an
     * expiry; then it attaches once more to confirm the server no longer knows the session. Unlike a
     * client-side {@code injectSessionExpiration()}, the ephemerals are gone when this method returns.
     *
     * @throws IllegalStateException if the session is not live (already expired or closed, or the password
     *     is wrong), or it cannot be reached within {@link #ATTACH_TIMEOUT}
     */
    public void expireSession(long sessionId, byte[] password) {
        String session = "0x" + Long.toHexString(sessionId);
        if (attachAndClose(sessionId, password) == KeeperState.Expired) {
            throw new IllegalStateException("session " + session + " is not live on " + connectString
                    + ": it already expired or was closed, or the password is wrong");
        }
        // The session's own client may have reconnected and taken the session back while the twin was
        // closing it; attaching again until the server answers Expired proves the session is gone.
        long deadline = System.nanoTime() + ATTACH_TIMEOUT.toNanos();
        while (attachAndClose(sessionId, password) != KeeperState.Expired) {
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException(
                        "session " + session + " on " + connectString + " outlived " + ATTACH_TIMEOUT + " of closing");
            }
        }
    }

    /**
     * Attaches a second client to the session and closes it, which closes the session on the server.
     * Returns {@code SyncConnected} if the session was live, {@code Expired} if the server did not know it.
     */
    private KeeperState attachAndClose(long sessionId, byte[] password) {
        String session = "0x" + Long.toHexString(sessionId);
        CompletableFuture<KeeperState> attached = new CompletableFuture<>();
        ZooKeeper twin;
        try {
            twin = new ZooKeeper(
                    connectString,
                    (int) MAX_SESSION_TIMEOUT.toMillis(),
                    event -> {
                        KeeperState state = event.getState();
                        if (state == KeeperState.SyncConnected || state == KeeperState.Expired) {
                            attached.complete(state);
                        }
                    },
                    sessionId,
                    password);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to ZooKeeper at " + connectString, e);
        }
        try {
            return attached.get(ATTACH_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "could not attach to session " + session + " on " + connectString + " within " + ATTACH_TIMEOUT, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("unreachable: the future is only completed normally", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while expiring session " + session, e);
        } finally {
            closeQuietly(twin);
        }
    }

    @Override
    public String toString() {
        return "ZooKeeperServer{" + connectString + (local == null ? ", external" : ", " + local.directory) + "}";
    }

    /** Returns the scratch directory of an embedded server, for the harness's own tests. */
    @Nullable
    Path directory() {
        return local == null ? null : local.directory.path();
    }

    private static void closeQuietly(ZooKeeper twin) {
        try {
            // Closing the twin sends closeSession: this is what expires the session on the server.
            twin.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Local requireLocal(String operation) {
        if (local == null) {
            throw new UnsupportedOperationException("cannot " + operation + " ZooKeeper at " + connectString
                    + ": it comes from " + TestEnvironment.overrideVariable(BACKEND)
                    + " and the harness does not control it; check supportsRestart() first");
        }
        return local;
    }

    private static void requireCuratorTest() {
        try {
            Class.forName(TESTING_SERVER, false, ZooKeeperServer.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            // A build mistake, not a missing server: fail even outside CI.
            throw new IllegalStateException(
                    "the embedded ZooKeeper needs curator-test on the test classpath; add "
                            + CURATOR_TEST_DEPENDENCY + " to the module's pom, or set "
                            + TestEnvironment.overrideVariable(BACKEND) + "=host:port",
                    e);
        }
    }

    /**
     * The embedded server. Kept in its own class so that {@code ZooKeeperServer} itself loads without
     * curator-test, and the missing dependency can be reported clearly. Guarded by the outer lock.
     */
    private static final class Local {
        final ScratchDirectory directory;
        final TestingServer server;
        boolean running = true;

        private Local(ScratchDirectory directory, TestingServer server) {
            this.directory = directory;
            this.server = server;
        }

        static Local start(ScratchDirectory directory, int port) {
            InstanceSpec spec = new InstanceSpec(
                    directory.resolve("data").toFile(),
                    port,
                    0, // election and quorum ports: unused by a standalone server, and 0 binds nothing
                    0,
                    false, // the scratch directory is deleted on close instead
                    1,
                    (int) TICK_TIME.toMillis(),
                    -1,
                    // Without it ZooKeeper listens on every interface.
                    Map.of("clientPortAddress", LoopbackPorts.address().getHostAddress()),
                    LoopbackPorts.host());
            try {
                // Curator writes a placeholder config file to java.io.tmpdir, which the build points at a
                // target/tmp directory that nothing else creates.
                Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
                return new Local(directory, new TestingServer(spec, true));
            } catch (Exception e) {
                // The embedded server logs through SLF4J, not into the directory: nothing there to keep.
                directory.close();
                throw new IllegalStateException("embedded ZooKeeper failed to start on port " + port, e);
            }
        }

        String connectString() {
            return server.getConnectString();
        }

        void stop() {
            try {
                server.stop();
                running = false;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot stop the embedded ZooKeeper", e);
            }
        }

        void restart() {
            try {
                server.restart();
                running = true;
            } catch (Exception e) {
                throw new IllegalStateException("embedded ZooKeeper failed to restart; files in " + directory, e);
            }
        }

        void close() {
            try {
                server.close();
                running = false;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot stop the embedded ZooKeeper", e);
            } finally {
                directory.close();
            }
        }
    }
}
