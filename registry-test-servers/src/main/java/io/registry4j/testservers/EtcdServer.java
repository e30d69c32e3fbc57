package io.registry4j.testservers;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A real etcd server for tests: the {@code etcd} binary (Debian package {@code etcd-server}, etcd 3.4 or
 * later) as a child process, or an existing server named by {@code REGISTRY4J_TEST_ETCD}.
 *
 * <p>{@link #start()} resolves, in this order: {@code REGISTRY4J_TEST_ETCD=http://host:port[,…]} (start
 * nothing) → {@code etcd} on {@code PATH} or in {@code /usr/bin} or {@code /usr/local/bin} → abort the
 * test, or fail it under {@code CI=true} (see {@link TestEnvironment#serverUnavailable}).
 *
 * <p>A local server is a single-member cluster on two free loopback ports (client and peer), with its
 * data directory and logs ({@code etcd-N.log}, one per launch) in a {@link ScratchDirectory}, and
 * {@code --log-level warn --logger zap}. It is ready when {@code GET /health} answers
 * {@code "health":"true"}, which etcd does only once it has elected itself leader; the readiness timeout
 * is {@link #READY_TIMEOUT}. {@link #stop()} and {@link #restart()} keep the data and the ports, so clients
 * reconnect to the same endpoint and find their keys; {@link #restartWiped()} starts over with no data
 * (and a new cluster id), as after a disaster.
 *
 * <p>Design: after SIGTERM the old process is reaped before a restart begins, but a port can still be
 * taken for a moment (by the previous process's sockets or by another test); a launch that dies with
 * "address already in use" is therefore retried on the same ports until the readiness timeout, and the
 * final failure carries the tail of etcd's log.
 *
 * <p>Thread-safe; lifecycle methods are serialized.
 */
public final class EtcdServer extends LocalProcessServer<EtcdServer.Local> {
    /** The backend name: {@code REGISTRY4J_TEST_ETCD} overrides it. */
    public static final String BACKEND = "etcd";

    /** How to get the binary on Debian and Ubuntu. */
    public static final String INSTALL_HINT = "apt-get install -y etcd-server";

    /** How long one start or restart may take, retries included. */
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

    static final List<Path> WELL_KNOWN_BINARIES = List.of(Path.of("/usr/bin/etcd"), Path.of("/usr/local/bin/etcd"));

    private static final String MEMBER_NAME = "registry4j-test";
    private static final String PORT_TAKEN = "address already in use";

    private final List<URI> endpoints;

    private EtcdServer(List<URI> endpoints, @Nullable Local local) {
        super("etcd", BACKEND, local);
        this.endpoints = List.copyOf(endpoints);
    }

    /**
     * Starts a local etcd, or returns the one named by {@code REGISTRY4J_TEST_ETCD}; see the class comment.
     *
     * @throws org.opentest4j.TestAbortedException if there is no etcd binary (outside CI)
     * @throws IllegalStateException if there is no etcd binary under {@code CI=true}
     * @throws ChildProcess.StartException if etcd does not become ready; its logs stay in the scratch directory
     * @throws IllegalArgumentException if {@code REGISTRY4J_TEST_ETCD} is not a list of http(s) URLs
     */
    public static EtcdServer start() {
        return start(TestEnvironment.system());
    }

    /** Like {@link #start()}, reading variables from {@code environment}. */
    public static EtcdServer start(TestEnvironment environment) {
        return start(environment, WELL_KNOWN_BINARIES);
    }

    static EtcdServer start(TestEnvironment environment, List<Path> fallbackBinaries) {
        Optional<String> override = environment.serverOverride(BACKEND);
        if (override.isPresent()) {
            return new EtcdServer(parseEndpoints(override.get()), null);
        }
        Path binary = environment
                .findExecutable("etcd", fallbackBinaries)
                .orElseThrow(() -> environment.serverUnavailable(
                        "etcd server", BACKEND, "install etcd 3.4 or later (" + INSTALL_HINT + ")"));
        String host = LoopbackPorts.host();
        int clientPort = LoopbackPorts.freePort();
        int peerPort = LoopbackPorts.freePort();
        URI client = URI.create("http://" + host + ":" + clientPort);
        Local local = new Local(
                binary,
                ScratchDirectory.create("etcd"),
                client,
                URI.create("http://" + host + ":" + peerPort),
                ReadinessProbe.httpGet(client.resolve("/health"), body -> body.contains("\"health\":\"true\"")));
        EtcdServer server = new EtcdServer(List.of(client), local);
        // On failure the scratch directory is kept on purpose: its logs explain what went wrong.
        server.launch(local);
        return server;
    }

    /** Returns the first client endpoint, e.g. {@code http://127.0.0.1:41234}. */
    public URI clientEndpoint() {
        return endpoints.get(0);
    }

    /** Returns all client endpoints, comma-separated, as etcd clients take them. */
    public String endpoints() {
        List<String> texts = new ArrayList<>(endpoints.size());
        endpoints.forEach(endpoint -> texts.add(endpoint.toString()));
        return String.join(",", texts);
    }

    @Override
    String address() {
        return endpoints();
    }

    /**
     * Stops the server, deletes all its data and starts a fresh one on the same ports: every key, lease
     * and revision is gone and the cluster id changes.
     *
     * @throws UnsupportedOperationException if {@link #supportsRestart()} is false
     * @throws IllegalStateException if the server was closed
     */
    public void restartWiped() {
        restartWiped(local -> ScratchDirectory.deleteRecursively(local.dataDirectory()));
    }

    @Override
    public String toString() {
        return "EtcdServer{" + endpoints() + (local == null ? ", external" : ", " + local.directory) + "}";
    }

    /** Returns the scratch directory of a local server, for the harness's own tests. */
    @Nullable
    Path directory() {
        return local == null ? null : local.directory.path();
    }

    /** Returns the running child of a local server, for the harness's own tests. */
    synchronized @Nullable ChildProcess process() {
        return local == null ? null : local.process;
    }

    @Override
    void launch(Local local) {
        local.process = startOnSamePorts(READY_TIMEOUT, PORT_TAKEN, remaining -> {
            local.launches++;
            return ChildProcess.builder(local.command())
                    .removeInheritedEnvironment("ETCD_")
                    .logFile(local.directory.resolve("etcd-" + local.launches + ".log"))
                    .readiness(local.readiness, remaining)
                    .start();
        });
    }

    private static List<URI> parseEndpoints(String text) {
        List<URI> parsed = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            String trimmed = part.strip();
            URI uri;
            try {
                uri = URI.create(trimmed);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(badOverride(text), e);
            }
            boolean http = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
            if (!http || uri.getHost() == null || uri.getPort() < 0) {
                throw new IllegalArgumentException(badOverride(text));
            }
            parsed.add(uri);
        }
        return parsed;
    }

    private static String badOverride(String text) {
        return TestEnvironment.overrideVariable(BACKEND) + " must be http(s)://host:port[,http(s)://host:port…], not '"
                + text + "'";
    }

    /** What only a server this harness started has; its mutable fields are guarded by the server's lock. */
    static final class Local extends LocalProcessServer.Local {
        final Path binary;
        final URI clientUrl;
        final URI peerUrl;
        final ReadinessProbe readiness;

        int launches;

        Local(Path binary, ScratchDirectory directory, URI clientUrl, URI peerUrl, ReadinessProbe readiness) {
            super(directory);
            this.binary = binary;
            this.clientUrl = clientUrl;
            this.peerUrl = peerUrl;
            this.readiness = readiness;
        }

        Path dataDirectory() {
            return directory.resolve("data");
        }

        List<String> command() {
            // etcd creates the data directory itself, with the 0700 permissions it insists on.
            return List.of(
                    binary.toString(),
                    "--name",
                    MEMBER_NAME,
                    "--data-dir",
                    dataDirectory().toString(),
                    "--listen-client-urls",
                    clientUrl.toString(),
                    "--advertise-client-urls",
                    clientUrl.toString(),
                    "--listen-peer-urls",
                    peerUrl.toString(),
                    "--initial-advertise-peer-urls",
                    peerUrl.toString(),
                    "--initial-cluster",
                    MEMBER_NAME + "=" + peerUrl,
                    "--log-level",
                    "warn",
                    "--logger",
                    "zap");
        }
    }
}
