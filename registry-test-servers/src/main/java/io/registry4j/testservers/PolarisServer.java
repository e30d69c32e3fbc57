package io.registry4j.testservers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A real Polaris server for tests: Polaris 1.18 ({@code github.com/polarismesh/polaris}, BSD-3) built from its Go
 * module by the build module {@code servers/polaris} of this project, run as a child process, or an existing server
 * named by {@code REGISTRY4J_TEST_POLARIS}.
 *
 * <p>{@link #start()} resolves, in this order: {@code REGISTRY4J_TEST_POLARIS=host:port} (the gRPC port of a running
 * server; start nothing) → the binary built by {@link GoBuild} (cached under {@code ~/.cache/registry4j/polaris}) → abort the test, or fail it under {@code CI=true},
 * when there is no Go toolchain.
 *
 * <p>A local server is standalone: embedded boltdb store (as {@code registry4jBoltdbStore}: Polaris' boltdb store with
 * instance deletions its instance cache sees; see {@code servers/polaris/store.go}), the gRPC API (discover, register,
 * health check) and the HTTP admin API on two free loopback ports, authentication off, the in-memory heartbeat
 * checker, all written to a configuration file in a {@link ScratchDirectory} that is also its working directory
 * (store and logs). It registers itself as {@code Polaris/polaris.checker} on 127.0.0.1, so SDK heartbeats stay on
 * loopback. It is ready when {@code GET /naming/v1/namespaces} answers; that takes about a second.
 *
 * <p>{@link #stop()} kills the server (its orderly shutdown waits 5 s after deregistering itself; a test does not
 * need it); {@link #restart()} starts it again on the same ports and store; {@link #restartWiped()} starts it with an
 * empty store, as after losing its data: every instance is gone until its client registers it again.
 *
 * <p>Thread-safe; lifecycle methods are serialized.
 */
public final class PolarisServer extends LocalProcessServer<PolarisServer.Local> {
    /** The backend name: {@code REGISTRY4J_TEST_POLARIS} overrides it. */
    public static final String BACKEND = "polaris";

    /** The Go build of the server: {@code servers/polaris}, binary {@code polaris} (named as {@code .ci/prebuild-go} names it). */
    public static final GoBuild BUILD = GoBuild.of("polaris", "servers/polaris");

    /** How long one start or restart may take, retries included. */
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private static final String PORT_TAKEN = "address already in use";

    private final String grpcAddress;

    private PolarisServer(String grpcAddress, @Nullable Local local) {
        super("Polaris", BACKEND, local);
        this.grpcAddress = grpcAddress;
    }

    /**
     * Starts a local Polaris, or returns the one named by {@code REGISTRY4J_TEST_POLARIS}; see the class comment.
     *
     * @return the server
     */
    public static PolarisServer start() {
        return start(TestEnvironment.system());
    }

    /**
     * Like {@link #start()}, reading variables from {@code environment}.
     *
     * @param environment the environment
     * @return the server
     */
    public static PolarisServer start(TestEnvironment environment) {
        Optional<String> override = environment.serverOverride(BACKEND);
        if (override.isPresent()) {
            return new PolarisServer(checkAddress(override.get()), null);
        }
        Path binary = BUILD.binary(environment);
        String host = LoopbackPorts.host();
        int grpcPort = LoopbackPorts.freePort();
        int httpPort = LoopbackPorts.freePort();
        Local local = new Local(binary, ScratchDirectory.create("polaris"), host, grpcPort, httpPort);
        PolarisServer server = new PolarisServer(host + ":" + grpcPort, local);
        // On failure the scratch directory is kept on purpose: its logs explain what went wrong.
        server.launch(local);
        return server;
    }

    private static String checkAddress(String text) {
        URI uri;
        try {
            uri = URI.create("polaris://" + text.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(badOverride(text), e);
        }
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException(badOverride(text));
        }
        return uri.getHost() + ":" + uri.getPort();
    }

    private static String badOverride(String text) {
        return TestEnvironment.overrideVariable(BACKEND) + " must be host:port of Polaris' gRPC port (8091), not '"
                + text + "'";
    }

    /**
     * The server's gRPC address, as the Polaris SDKs take it.
     *
     * @return {@code host:port}
     */
    public String grpcAddress() {
        return grpcAddress;
    }

    @Override
    String address() {
        return grpcAddress;
    }

    /**
     * Stops the server, deletes its store and starts a fresh one on the same ports: every service and instance is
     * gone, as after a server that lost its data.
     *
     * @throws UnsupportedOperationException if {@link #supportsRestart()} is false
     * @throws IllegalStateException if the server was closed
     */
    public void restartWiped() {
        restartWiped(local -> {
            try {
                Files.deleteIfExists(local.directory.resolve("polaris.bolt"));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete Polaris' store in " + local.directory, e);
            }
        });
    }

    @Override
    public String toString() {
        return "PolarisServer{" + grpcAddress + (local == null ? ", external" : ", " + local.directory) + "}";
    }

    @Override
    void launch(Local local) {
        local.writeConfiguration();
        local.process = startOnSamePorts(READY_TIMEOUT, PORT_TAKEN, remaining -> {
            local.launches++;
            return ChildProcess.builder(
                            local.binary.toString(),
                            "start",
                            "-c",
                            local.configuration().toString())
                    .workingDirectory(local.directory.path())
                    .logFile(local.directory.resolve("polaris-" + local.launches + ".log"))
                    .stopTimeout(Duration.ofMillis(500))
                    .readiness(
                            ReadinessProbe.httpGet(
                                    URI.create("http://" + local.host + ":" + local.httpPort + "/naming/v1/namespaces"),
                                    body -> body.contains("200000")),
                            remaining)
                    .start();
        });
    }

    /** What only a server this harness started has; its mutable fields are guarded by the server's lock. */
    static final class Local extends LocalProcessServer.Local {
        final Path binary;
        final String host;
        final int grpcPort;
        final int httpPort;
        int launches;

        Local(Path binary, ScratchDirectory directory, String host, int grpcPort, int httpPort) {
            super(directory);
            this.binary = binary;
            this.host = host;
            this.grpcPort = grpcPort;
            this.httpPort = httpPort;
        }

        Path configuration() {
            return directory.resolve("polaris-server.yaml");
        }

        void writeConfiguration() {
            try {
                Files.writeString(configuration(), configurationText(host, grpcPort, httpPort), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write Polaris' configuration in " + directory, e);
            }
        }
    }

    /** The server's configuration: only what the tests use, on loopback. */
    static String configurationText(String host, int grpcPort, int httpPort) {
        String logger = String.join(
                "\n",
                List.of(
                        "    default:",
                        "      rotateOutputPath: log/polaris.log",
                        "      errorRotateOutputPath: log/polaris-error.log",
                        "      rotationMaxSize: 20",
                        "      rotationMaxBackups: 1",
                        "      rotationMaxAge: 1",
                        "      outputLevel: info"));
        return """
                bootstrap:
                  logger:
                %s
                  startInOrder:
                    open: false
                  polaris_service:
                    enable_register: true
                    self_address: %s
                    isolated: false
                    services:
                      - name: polaris.checker
                        protocols:
                          - service-grpc
                apiservers:
                  - name: api-http
                    option:
                      listenIP: %s
                      listenPort: %d
                      enablePprof: false
                      enableSwagger: false
                      connLimit:
                        openConnLimit: false
                    api:
                      admin:
                        enable: true
                      console:
                        enable: true
                        include: [default, service]
                      client:
                        enable: true
                        include: [discover, register, healthcheck]
                  - name: service-grpc
                    option:
                      listenIP: %s
                      listenPort: %d
                      connLimit:
                        openConnLimit: false
                      enableCacheProto: false
                    api:
                      client:
                        enable: true
                        include: [discover, register, healthcheck]
                auth:
                  user:
                    name: defaultUser
                    option:
                      salt: polarismesh@2021
                  strategy:
                    name: defaultStrategy
                    option:
                      consoleOpen: false
                      clientOpen: false
                namespace:
                  autoCreate: true
                naming:
                  autoCreate: true
                  batch:
                    register:
                      open: true
                      queueSize: 10240
                      waitTime: 32ms
                      maxBatchCount: 128
                      concurrency: 16
                      dropExpireTask: true
                      taskLife: 30s
                    deregister:
                      open: true
                      queueSize: 10240
                      waitTime: 32ms
                      maxBatchCount: 128
                      concurrency: 16
                healthcheck:
                  open: true
                  service: polaris.checker
                  slotNum: 30
                  minCheckInterval: 1s
                  maxCheckInterval: 30s
                  clientReportInterval: 120s
                  batch:
                    heartbeat:
                      open: true
                      queueSize: 10240
                      waitTime: 32ms
                      maxBatchCount: 32
                      concurrency: 16
                  checkers:
                    - name: heartbeatMemory
                config:
                  open: true
                  contentMaxLength: 20000
                maintain:
                  jobs: []
                store:
                  name: registry4jBoltdbStore
                  option:
                    path: ./polaris.bolt
                plugin:
                  crypto:
                    entries:
                      - name: AES
                  history:
                    entries:
                      - name: HistoryLogger
                  discoverEvent:
                    entries:
                      - name: discoverEventLocal
                  statis:
                    entries:
                      - name: local
                        option:
                          interval: 60
                  ratelimit:
                    name: token-bucket
                    option:
                      enable: false
                """.formatted(logger, host, host, httpPort, host, grpcPort);
    }
}
