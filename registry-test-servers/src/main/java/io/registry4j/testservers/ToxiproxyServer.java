package io.registry4j.testservers;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A real Toxiproxy server for tests of degraded links: Toxiproxy 2.5 ({@code github.com/Shopify/toxiproxy/v2}, MIT)
 * built from its Go module by the build module {@code servers/toxiproxy} of this project, run as a child process, or
 * an existing one named by {@code REGISTRY4J_TEST_TOXIPROXY}.
 *
 * <p>{@link #start()} resolves, in this order: {@code REGISTRY4J_TEST_TOXIPROXY=host:port} (the HTTP API of a running
 * Toxiproxy on this machine: the proxies a test makes listen on loopback and reach loopback servers; start nothing)
 * → the binary built by {@link GoBuild} (cached under {@code ~/.cache/registry4j/toxiproxy}) → abort the test, or fail
 * it under {@code CI=true}, when there is no Go toolchain.
 *
 * <p>A local server is only the API, on a free loopback port, logging to a {@link ScratchDirectory}; it holds no
 * proxy until a test creates one through the API (with any Toxiproxy client, such as {@code
 * eu.rekawek.toxiproxy:toxiproxy-java}). Proxies and toxics live in the server's memory only: {@link #restart()}
 * starts it again empty on the same port. It is ready when {@code GET /version} answers, within a few milliseconds.
 *
 * <p>Thread-safe; lifecycle methods are serialized.
 */
public final class ToxiproxyServer extends LocalProcessServer<ToxiproxyServer.Local> {
    /** The backend name: {@code REGISTRY4J_TEST_TOXIPROXY} overrides it. */
    public static final String BACKEND = "toxiproxy";

    /**
     * The Go build of the server: {@code servers/toxiproxy}, binary {@code toxiproxy} (named as {@code .ci/prebuild-go}
     * names it).
     */
    public static final GoBuild BUILD = GoBuild.of("toxiproxy", "servers/toxiproxy");

    /** How long one start or restart may take, retries on a port still held included. */
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

    // Go's net/http, through the server's fatal log line: "listen tcp 127.0.0.1:1234: bind: address already in use".
    private static final String PORT_TAKEN = "address already in use";

    private final String apiHost;
    private final int apiPort;

    private ToxiproxyServer(String apiHost, int apiPort, @Nullable Local local) {
        super("Toxiproxy", BACKEND, local);
        this.apiHost = apiHost;
        this.apiPort = apiPort;
    }

    /**
     * Starts a local Toxiproxy, or returns the one named by {@code REGISTRY4J_TEST_TOXIPROXY}; see the class comment.
     *
     * @return the server
     */
    public static ToxiproxyServer start() {
        return start(TestEnvironment.system());
    }

    /**
     * Like {@link #start()}, reading variables from {@code environment}.
     *
     * @param environment the environment
     * @return the server
     */
    public static ToxiproxyServer start(TestEnvironment environment) {
        Optional<String> override = environment.serverOverride(BACKEND);
        if (override.isPresent()) {
            URI api = parseOverride(override.get());
            return new ToxiproxyServer(api.getHost(), api.getPort(), null);
        }
        Path binary = BUILD.binary(environment);
        Local local = new Local(
                binary,
                ScratchDirectory.create("toxiproxy"),
                LoopbackPorts.address().getHostAddress(),
                LoopbackPorts.freePort());
        ToxiproxyServer server = new ToxiproxyServer(LoopbackPorts.host(), local.port, local);
        // On failure the scratch directory is kept on purpose: its log explains what went wrong.
        server.launch(local);
        return server;
    }

    private static URI parseOverride(String text) {
        URI uri;
        try {
            uri = URI.create("http://" + text.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(badOverride(text), e);
        }
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException(badOverride(text));
        }
        return uri;
    }

    private static String badOverride(String text) {
        return TestEnvironment.overrideVariable(BACKEND) + " must be host:port of Toxiproxy's HTTP API (8474), not '"
                + text + "'";
    }

    /**
     * The host of the HTTP API, as a client takes it: {@code 127.0.0.1} (or {@code [::1]}).
     *
     * @return the host
     */
    public String apiHost() {
        return apiHost;
    }

    /**
     * The port of the HTTP API.
     *
     * @return the port
     */
    public int apiPort() {
        return apiPort;
    }

    /**
     * The base URI of the HTTP API.
     *
     * @return {@code http://host:port}
     */
    public URI apiUri() {
        return URI.create("http://" + apiHost + ":" + apiPort);
    }

    @Override
    String address() {
        return apiHost + ":" + apiPort;
    }

    @Override
    public String toString() {
        return "ToxiproxyServer{" + address() + (local == null ? ", external" : ", " + local.directory) + "}";
    }

    @Override
    void launch(Local local) {
        local.process = startOnSamePorts(READY_TIMEOUT, PORT_TAKEN, remaining -> {
            local.launches++;
            return ChildProcess.builder(
                            local.binary.toString(), "-host", local.bindAddress, "-port", Integer.toString(local.port))
                    .workingDirectory(local.directory.path())
                    .logFile(local.directory.resolve("toxiproxy-" + local.launches + ".log"))
                    .stopTimeout(Duration.ofMillis(500))
                    .readiness(
                            ReadinessProbe.httpGet(
                                    URI.create("http://" + LoopbackPorts.host() + ":" + local.port + "/version"),
                                    body -> !body.isBlank()),
                            remaining)
                    .start();
        });
    }

    /** What only a server this harness started has; its mutable fields are guarded by the server's lock. */
    static final class Local extends LocalProcessServer.Local {
        final Path binary;
        final String bindAddress;
        final int port;
        int launches;

        Local(Path binary, ScratchDirectory directory, String bindAddress, int port) {
            super(directory);
            this.binary = binary;
            this.bindAddress = bindAddress;
            this.port = port;
        }
    }
}
