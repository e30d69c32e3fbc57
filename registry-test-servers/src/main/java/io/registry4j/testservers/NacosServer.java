package io.registry4j.testservers;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * A real Nacos 3.1 server for tests, in a child JVM of its own, or an existing server named by
 * {@code REGISTRY4J_TEST_NACOS}.
 *
 * <p>{@link #start()} resolves, in this order: {@code REGISTRY4J_TEST_NACOS=host:port} or
 * {@code http://host:port} (the main HTTP port; start nothing) → the launcher of the test dependency
 * {@code io.registry4j:registry-test-servers-nacos} → abort the test, or fail it under {@code CI=true}.
 * That launcher jar carries only its main class and the list of the server's jars (the Nacos server modules
 * republished as {@code io.github.pig-mesh.nacos:nacos-server:3.1.0-bugfix}, Spring Boot 3.4 and 130 others),
 * resolved when it was built; a module that uses this class declares it with every transitive dependency
 * excluded, so none of the server's classes reach the test's own classpath:
 *
 * <pre>{@code
 * <dependency>
 *   <groupId>io.registry4j</groupId>
 *   <artifactId>registry-test-servers-nacos</artifactId>
 *   <scope>test</scope>
 *   <exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>
 * </dependency>
 * }</pre>
 *
 * <p>A local server is started in standalone mode with the java of the test JVM, {@code -Xmx256m}, serial GC
 * and C1 only, authentication off, and its home, data, logs, temporary files and even {@code user.home} in a
 * {@link ScratchDirectory}. It takes about 8–12 s to become ready ({@code GET /nacos/v3/admin/core/state/readiness}),
 * so a test run should start it once and share it. Nacos derives its ports from the main port P: HTTP on P,
 * client gRPC on P+1000, cluster gRPC on P+1001 and JRaft on P−1000; P is drawn so that all four are free and
 * below the kernel's ephemeral range, where no other test server's free port comes from. Everything binds to
 * 127.0.0.1 except JRaft, which Nacos binds to all interfaces; nothing connects to it in standalone mode.
 *
 * <p>{@link #stop()} kills the server (the SDK sees the connection drop at once); {@link #restart()} starts it
 * again on the same ports and data directory. Ephemeral instances live only in the server's memory and the
 * clients' connections, so after a restart they are back only once their clients register them again, as
 * after a real restart. {@link #resetConnection(String)} makes the server close one client connection.
 *
 * <p>Thread-safe; lifecycle methods are serialized.
 */
public final class NacosServer extends LocalProcessServer<NacosServer.Local> {
    /** The backend name: {@code REGISTRY4J_TEST_NACOS} overrides it. */
    public static final String BACKEND = "nacos";

    /** The Maven coordinates of the launcher this class needs for a local server. */
    public static final String LAUNCHER_ARTIFACT = "io.registry4j:registry-test-servers-nacos";

    /** How long one start or restart may take; it is usually 8–12 s, more on a busy machine. */
    public static final Duration READY_TIMEOUT = Duration.ofMinutes(2);

    /** The context path of the HTTP API. */
    public static final String CONTEXT_PATH = "/nacos";

    /** The offset of the client gRPC port from the main port, fixed by Nacos. */
    public static final int GRPC_PORT_OFFSET = 1000;

    static final String CLASSPATH_RESOURCE = "io/registry4j/testservers/nacos/server.classpath";
    static final String MAIN_CLASS = "io.registry4j.testservers.nacos.NacosServerMain";

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(5);
    // Netty says "Address already in use", Spring Boot's Tomcat "Port 21234 was already in use".
    private static final String PORT_TAKEN = "already in use";
    private static final int LAUNCH_ATTEMPTS = 3;
    private static final int LINUX_EPHEMERAL_LOW = 32_768;

    // Base-64 of a fixed 48-byte text: the token secret must exist even with auth off, and be at least 32 bytes.
    private static final String TOKEN_SECRET = "cmVnaXN0cnk0ai10ZXN0LXNlcnZlci10b2tlbi1zZWNyZXQta2V5LTAxMjM0NTY3ODk=";

    private final String host;
    private final int port;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(HTTP_TIMEOUT).build();

    private NacosServer(String host, int port, @Nullable Local local) {
        super("Nacos", BACKEND, local);
        this.host = host;
        this.port = port;
    }

    /** Starts a local Nacos, or returns the one named by {@code REGISTRY4J_TEST_NACOS}; see the class comment. */
    public static NacosServer start() {
        return start(TestEnvironment.system());
    }

    /** Like {@link #start()}, reading variables from {@code environment}. */
    public static NacosServer start(TestEnvironment environment) {
        return start(environment, null);
    }

    /**
     * Starts a local Nacos inside {@code namespace}, every port on its address, for partition tests ({@link
     * NetworkNamespace#cut()}); {@code REGISTRY4J_TEST_NACOS} is ignored, as an external server cannot be moved into
     * the namespace.
     *
     * @param namespace the network namespace to run in
     * @return the server
     */
    public static NacosServer start(NetworkNamespace namespace) {
        return start(TestEnvironment.system(), Objects.requireNonNull(namespace, "namespace"));
    }

    private static NacosServer start(TestEnvironment environment, @Nullable NetworkNamespace namespace) {
        Optional<String> override = namespace == null ? environment.serverOverride(BACKEND) : Optional.empty();
        if (override.isPresent()) {
            URI address = parseOverride(override.get());
            return new NacosServer(address.getHost(), address.getPort(), null);
        }
        URL resource = NacosServer.class.getClassLoader().getResource(CLASSPATH_RESOURCE);
        if (resource == null) {
            throw environment.serverUnavailable(
                    "Nacos server",
                    BACKEND,
                    "add the test dependency " + LAUNCHER_ARTIFACT
                            + " (with all its transitive dependencies excluded) to the module's pom");
        }
        List<String> classpath = serverClasspath(resource);
        ScratchDirectory directory = ScratchDirectory.create("nacos");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        IllegalStateException failure = null;
        for (int attempt = 1; attempt <= LAUNCH_ATTEMPTS; attempt++) {
            // A new namespace has every port free; its address is what the ports are checked on all the same.
            int main = pickMainPort();
            String host = namespace == null ? LoopbackPorts.host() : namespace.address();
            Local local = new Local(java, classpath, directory, main, host, namespace);
            NacosServer server = new NacosServer(host, main, local);
            try {
                server.launch(local, READY_TIMEOUT);
                return server;
            } catch (ChildProcess.StartException e) {
                // Another process took one of the four ports between the check and the bind: draw new ones.
                if (!(e.exitedBeforeReady() && e.logTail().contains(PORT_TAKEN))) {
                    throw e;
                }
                failure = new IllegalStateException("Nacos could not bind its ports", e);
            }
        }
        throw Objects.requireNonNull(failure);
    }

    /** Returns the address the Nacos SDK takes as {@code serverAddr}, e.g. {@code 127.0.0.1:21234}. */
    public String serverAddr() {
        return host + ":" + port;
    }

    /** Returns the main (HTTP) port; the SDK derives the gRPC port from it. */
    public int port() {
        return port;
    }

    /** Returns the port the SDK's gRPC connection goes to: {@link #port()} + {@value #GRPC_PORT_OFFSET}. */
    public int grpcPort() {
        return port + GRPC_PORT_OFFSET;
    }

    /** Returns the base of the HTTP API, e.g. {@code http://127.0.0.1:21234/nacos}. */
    public URI httpUri() {
        return URI.create("http://" + host + ":" + port + CONTEXT_PATH);
    }

    /**
     * Makes the server close one SDK connection (admin API {@code reloadClient}: the server sends the client a
     * {@code ConnectResetRequest}, the client connects again, and the old connection with every ephemeral instance
     * registered through it is gone). Works on external servers too, if their admin API needs no login.
     *
     * @param connectionId the id the server gave the connection
     * @throws IllegalStateException if the server refused
     */
    public void resetConnection(String connectionId) {
        String body = post("/v3/admin/core/loader/reloadClient", "connectionId=" + encode(connectionId));
        if (!body.contains("\"code\":0")) {
            throw new IllegalStateException("Nacos refused to reset connection " + connectionId + ": " + body);
        }
    }

    /**
     * Sends a form {@code POST} to the HTTP API, for faults the SDK cannot cause.
     *
     * @param path the path below {@link #httpUri()}, such as {@code /v3/admin/ns/instance}
     * @param form the url-encoded form
     * @return the response body
     * @throws IllegalStateException if the answer is not 2xx
     */
    public String post(String path, String form) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(httpUri() + path))
                .timeout(HTTP_TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build();
        return send(request);
    }

    /**
     * Sends a form {@code PUT} to the HTTP API, for faults the SDK cannot cause.
     *
     * @param path the path below {@link #httpUri()}
     * @param form the url-encoded form
     * @return the response body
     * @throws IllegalStateException if the answer is not 2xx
     */
    public String put(String path, String form) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(httpUri() + path))
                .timeout(HTTP_TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .PUT(HttpRequest.BodyPublishers.ofString(form))
                .build();
        return send(request);
    }

    private String send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException(request.method() + " " + request.uri() + " answered "
                        + response.statusCode() + ": " + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + request.method() + " " + request.uri(), e);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Override
    String address() {
        return serverAddr();
    }

    @Override
    void launch(Local local) {
        startOnSamePorts(READY_TIMEOUT, PORT_TAKEN, remaining -> launch(local, remaining));
    }

    @Override
    public String toString() {
        return "NacosServer{" + serverAddr() + (local == null ? ", external" : ", " + local.directory) + "}";
    }

    private ChildProcess launch(Local local, Duration timeout) {
        local.launches++;
        local.writeConfiguration();
        ChildProcess process = ChildProcess.builder(local.command())
                .removeInheritedEnvironment("NACOS_")
                .removeInheritedEnvironment("JAVA_TOOL_OPTIONS")
                .removeInheritedEnvironment("JDK_JAVA_OPTIONS")
                .workingDirectory(local.directory.path())
                .logFile(local.directory.resolve("nacos-" + local.launches + ".log"))
                .readiness(
                        ReadinessProbe.httpGet(
                                URI.create(httpUri() + "/v3/admin/core/state/readiness"),
                                body -> body.contains("\"code\":0")),
                        timeout)
                .stopTimeout(STOP_TIMEOUT)
                .start();
        local.process = process;
        return process;
    }

    /** The launcher's own location (jar or class directory) first, then the server's jars. */
    static List<String> serverClasspath(URL resource) {
        String text;
        try (InputStream in = resource.openStream()) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
        List<String> entries = new ArrayList<>();
        entries.add(launcherLocation(resource).toString());
        for (String entry : text.split(File.pathSeparator, -1)) {
            if (entry.isBlank()) {
                continue;
            }
            if (!Files.isRegularFile(Path.of(entry))) {
                throw new IllegalStateException("the Nacos server jar " + entry + " listed in " + resource
                        + " is missing; rebuild " + LAUNCHER_ARTIFACT + " (mvn install) to resolve it again");
            }
            entries.add(entry);
        }
        return entries;
    }

    private static Path launcherLocation(URL resource) {
        String url = resource.toString();
        try {
            if (url.startsWith("jar:")) {
                String jar = url.substring("jar:".length(), url.indexOf("!/"));
                return Path.of(new URI(jar));
            }
            String directory = url.substring(0, url.length() - CLASSPATH_RESOURCE.length());
            return Path.of(new URI(directory));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot locate the Nacos launcher from " + url, e);
        }
    }

    /**
     * Draws a main port P with P−1000, P, P+1000 and P+1001 free on loopback, all below the ephemeral range (so
     * that neither {@link LoopbackPorts#freePort()} nor an outgoing connection takes one of them later).
     */
    static int pickMainPort() {
        int ephemeralLow = ephemeralRangeStart();
        int low = 10_000 + GRPC_PORT_OFFSET;
        int high = ephemeralLow - GRPC_PORT_OFFSET - 2;
        for (int attempt = 0; attempt < 200; attempt++) {
            int p = ThreadLocalRandom.current().nextInt(low, high);
            int[] ports = {p - GRPC_PORT_OFFSET, p, p + GRPC_PORT_OFFSET, p + GRPC_PORT_OFFSET + 1};
            boolean free = true;
            for (int candidate : ports) {
                if (LoopbackPorts.isStandardPort(candidate) || !isFree(candidate)) {
                    free = false;
                    break;
                }
            }
            if (free) {
                return p;
            }
        }
        throw new IllegalStateException("no free block of ports for Nacos (P-1000, P, P+1000, P+1001)");
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 0, LoopbackPorts.address())) {
            return socket.getLocalPort() == port;
        } catch (IOException taken) {
            return false;
        }
    }

    private static int ephemeralRangeStart() {
        // Files.readString is not fit for /proc, whose files claim a size of 0: read the line instead.
        try (BufferedReader in = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
            String line = in.readLine();
            int low = Integer.parseInt(line == null ? "" : line.strip().split("\\s+", -1)[0]);
            return low > 20_000 ? low : LINUX_EPHEMERAL_LOW;
        } catch (IOException | RuntimeException e) {
            return LINUX_EPHEMERAL_LOW;
        }
    }

    private static URI parseOverride(String text) {
        String value = text.contains("://") ? text : "http://" + text;
        try {
            URI uri = new URI(value);
            if (uri.getHost() == null || uri.getPort() < 1) {
                throw new URISyntaxException(text, "needs a host and a port");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    TestEnvironment.overrideVariable(BACKEND) + " must be host:port or http://host:port of the "
                            + "Nacos HTTP port (gRPC is that port + 1000), not '" + text + "'",
                    e);
        }
    }

    /** What only a server this harness started has; its mutable fields are guarded by the server's lock. */
    static final class Local extends LocalProcessServer.Local {
        final Path java;
        final List<String> classpath;
        final int port;
        final String host;
        final @Nullable NetworkNamespace namespace;

        int launches;

        Local(
                Path java,
                List<String> classpath,
                ScratchDirectory directory,
                int port,
                String host,
                @Nullable NetworkNamespace namespace) {
            super(directory);
            this.java = java;
            this.classpath = classpath;
            this.port = port;
            this.host = host;
            this.namespace = namespace;
        }

        Path conf() {
            return directory.resolve("conf");
        }

        Path classpathFile() {
            return directory.resolve("classpath.args");
        }

        void writeConfiguration() {
            String loopback = host;
            List<String> lines = List.of(
                    "nacos.standalone=true",
                    "nacos.deployment.type=server",
                    "nacos.server.main.port=" + port,
                    "nacos.server.contextPath=" + CONTEXT_PATH,
                    "nacos.server.ip=" + loopback,
                    "nacos.remote.grpc.listen.ip=" + loopback,
                    "server.address=" + loopback,
                    "nacos.core.auth.enabled=false",
                    "nacos.core.auth.admin.enabled=false",
                    "nacos.core.auth.console.enabled=false",
                    "nacos.core.auth.system.type=nacos",
                    "nacos.core.auth.server.identity.key=registry4j",
                    "nacos.core.auth.server.identity.value=registry4j",
                    "nacos.core.auth.plugin.nacos.token.secret.key=" + TOKEN_SECRET,
                    "nacos.istio.mcp.server.enabled=false",
                    "nacos.k8s.sync.enabled=false",
                    "management.elastic.metrics.export.enabled=false",
                    "management.influx.metrics.export.enabled=false",
                    "server.tomcat.accesslog.enabled=false",
                    "spring.sql.init.mode=never");
            try {
                Files.createDirectories(conf());
                Files.createDirectories(directory.resolve("tmp"));
                Files.write(conf().resolve("application.properties"), lines, StandardCharsets.UTF_8);
                Files.writeString(
                        classpathFile(),
                        "-cp \"" + String.join(File.pathSeparator, classpath).replace("\\", "\\\\") + "\"\n",
                        StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the Nacos configuration in " + conf(), e);
            }
        }

        List<String> command() {
            Path home = directory.path();
            String loopback = host;
            List<String> command = new ArrayList<>();
            if (namespace != null) {
                command.addAll(namespace.execPrefix());
            }
            command.addAll(List.of(
                    java.toString(),
                    "-Xms64m",
                    "-Xmx256m",
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1",
                    "-Dnacos.standalone=true",
                    "-Dnacos.home=" + home,
                    "-Dnacos.logs.path=" + home.resolve("logs"),
                    "-Dnacos.server.ip=" + loopback,
                    "-Dnacos.remote.grpc.listen.ip=" + loopback,
                    "-Dserver.address=" + loopback,
                    "-Dnacos.server.main.port=" + port,
                    "-Dspring.config.additional-location=file:" + conf() + File.separator,
                    "-Duser.home=" + home,
                    "-Djava.io.tmpdir=" + home.resolve("tmp"),
                    "-DJM.LOG.PATH=" + home.resolve("logs"),
                    "-DJM.SNAPSHOT.PATH=" + home,
                    // An argument file keeps the 130-jar class path out of the command line and its error messages.
                    "@" + classpathFile(),
                    MAIN_CLASS));
            return command;
        }
    }
}
