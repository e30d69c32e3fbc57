package io.registry4j.testservers;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A real Netflix Eureka server for tests: Netflix's own server code ({@code eureka-core-jersey3} 2.0.x) in embedded
 * Jetty, forked into a JVM of its own, or an existing server named by {@code REGISTRY4J_TEST_EUREKA}.
 *
 * <p>{@link #start()} resolves, in this order: {@code REGISTRY4J_TEST_EUREKA=http://host:port/eureka[,…]} (start
 * nothing; the value is the base URL clients put before {@code /apps}) → the launcher of module
 * {@code io.registry4j:registry-test-servers-eureka} on the test class path → abort the test, or fail it under
 * {@code CI=true} (see {@link TestEnvironment#serverUnavailable}).
 *
 * <p>A module that uses this class depends on the launcher module in test scope with an exclusion of
 * {@code *:*}: only the launcher's own jar reaches the test class path. That jar carries, in the resource
 * {@value #CLASSPATH_RESOURCE}, the class path of the server (Jersey, Jetty, Archaius, the AWS SDK: about 80 jars)
 * as resolved when the launcher module was built; the server JVM gets that class path, so none of those jars can
 * clash with the library under test.
 *
 * <p>A local server listens on one free loopback port, with the REST API at {@code http://127.0.0.1:<port>/eureka}
 * (the path of a Spring Cloud server; Netflix's war uses {@code /eureka/v2}). It runs with the read-only response
 * cache off (reads see writes at once), the read-write cache expiring after 1 s (a listing read while two writes
 * follow each other can miss the second until the cache expires: a race in Eureka's Guava cache, 180 s by default),
 * {@code waitTimeInMsWhenSyncEmpty=0} (reads work at once after a start),
 * self-preservation off and evictions every second; {@link #start(TestEnvironment, List)} adds or overrides Eureka
 * properties. Eureka keeps nothing on disk: {@link #restart()} brings the server back on the same port with an
 * empty registry, as a restarted Eureka node without peers comes back. {@link #pause()} freezes the process
 * (SIGSTOP), so connections are accepted by the kernel but never answered, and {@link #resume()} thaws it with its
 * registry intact (leases that expired meanwhile are evicted within a second, unless renewed first).
 *
 * <p>The server's log ({@code eureka-N.log}, one per launch) is in a {@link ScratchDirectory}. Thread-safe;
 * lifecycle methods are serialized.
 */
public final class EurekaServer extends LocalProcessServer<EurekaServer.Local> {
    /** The backend name: {@code REGISTRY4J_TEST_EUREKA} overrides it. */
    public static final String BACKEND = "eureka";

    /** The class that {@link #start()} runs in the forked JVM. */
    public static final String LAUNCHER_CLASS = "io.registry4j.testservers.eureka.EurekaLauncher";

    /** The resource of the launcher jar that lists the server's class path, one entry per path separator. */
    public static final String CLASSPATH_RESOURCE = "io/registry4j/testservers/eureka/launcher.classpath";

    /** The path of the REST API under the server's root. */
    public static final String PATH = "/eureka";

    /** How long one start or restart may take, retries included. */
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    /** What to add to a module's pom for a local server. */
    public static final String LAUNCHER_DEPENDENCY = "<dependency><groupId>io.registry4j</groupId>"
            + "<artifactId>registry-test-servers-eureka</artifactId><scope>test</scope><exclusions><exclusion>"
            + "<groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions></dependency>";

    // A small heap and the C1 compiler only: the server answers a few requests a second, and starts faster so.
    private static final List<String> JVM_OPTIONS =
            List.of("-Xmx128m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    private static final String PORT_TAKEN = "Address already in use";
    // The launcher's EurekaLauncher.HOST_PROPERTY: where it listens instead of loopback.
    private static final String NAMESPACE_HOST_PROPERTY = "registry4j.eureka.host";
    private static final Duration SIGNAL_TIMEOUT = Duration.ofSeconds(5);

    private final List<URI> baseUris;

    private EurekaServer(List<URI> baseUris, @Nullable Local local) {
        super("Eureka", BACKEND, local);
        this.baseUris = List.copyOf(baseUris);
    }

    /**
     * Starts a local Eureka server in its own JVM, or returns the one named by {@code REGISTRY4J_TEST_EUREKA}; see
     * the class comment.
     *
     * @return the server
     */
    public static EurekaServer start() {
        return start(TestEnvironment.system(), List.of());
    }

    /**
     * Like {@link #start()}, reading variables from {@code environment} and passing {@code properties} (each
     * {@code eureka.name=value}, such as {@code eureka.evictionIntervalTimerInMs=500}) to a local server.
     *
     * @param environment where to read {@code REGISTRY4J_TEST_EUREKA} and {@code CI}
     * @param properties Eureka server properties that override the launcher's test settings
     * @return the server
     */
    public static EurekaServer start(TestEnvironment environment, List<String> properties) {
        return start(environment, properties, null);
    }

    /**
     * Starts a local Eureka server inside {@code namespace}, listening on its address, for partition tests ({@link
     * NetworkNamespace#cut()}); {@code REGISTRY4J_TEST_EUREKA} is ignored, as an external server cannot be moved into
     * the namespace.
     *
     * @param namespace the network namespace to run in
     * @param properties Eureka server properties that override the launcher's test settings
     * @return the server
     */
    public static EurekaServer start(NetworkNamespace namespace, List<String> properties) {
        return start(TestEnvironment.system(), properties, Objects.requireNonNull(namespace, "namespace"));
    }

    private static EurekaServer start(
            TestEnvironment environment, List<String> properties, @Nullable NetworkNamespace namespace) {
        Optional<String> override = namespace == null ? environment.serverOverride(BACKEND) : Optional.empty();
        if (override.isPresent()) {
            return new EurekaServer(parseBaseUris(override.get()), null);
        }
        List<String> classPath = launcherClassPath()
                .orElseThrow(() -> environment.serverUnavailable(
                        "Eureka server",
                        BACKEND,
                        "put the launcher on the test class path (" + LAUNCHER_DEPENDENCY
                                + ") and build it first (./mvnw install -pl registry-test-servers-eureka)"));
        for (String property : properties) {
            if (property.indexOf('=') <= 0) {
                throw new IllegalArgumentException(
                        "Eureka properties must look like name=value, got '" + property + "'");
            }
        }
        int port = LoopbackPorts.freePort();
        String host = namespace == null ? LoopbackPorts.host() : namespace.address();
        URI base = URI.create("http://" + host + ":" + port + PATH);
        Local local = new Local(
                ScratchDirectory.create("eureka"),
                classPath,
                port,
                List.copyOf(properties),
                namespace,
                // Without an Accept header the server answers XML; any 2xx listing proves the registry serves.
                ReadinessProbe.httpGet(URI.create(base + "/apps"), body -> body.contains("applications")));
        EurekaServer server = new EurekaServer(List.of(base), local);
        // On failure the scratch directory is kept on purpose: its logs explain what went wrong.
        server.launch(local);
        return server;
    }

    /**
     * The base URL of the REST API, such as {@code http://127.0.0.1:41234/eureka}; clients append {@code /apps}.
     *
     * @return the first base URL
     */
    public URI baseUri() {
        return baseUris.get(0);
    }

    /**
     * All base URLs: one for a local server, those given for an external one.
     *
     * @return the base URLs
     */
    public List<URI> baseUris() {
        return baseUris;
    }

    /**
     * The server's root without the REST path, such as {@code http://127.0.0.1:41234}, for clients that take the
     * path separately.
     *
     * @return the root of the first server
     */
    public URI root() {
        URI base = baseUri();
        return URI.create(base.getScheme() + "://" + base.getRawAuthority());
    }

    @Override
    void beforeStop(Local local, ChildProcess process) {
        if (local.paused) {
            signal(process, "CONT"); // a stopped process may not act on SIGTERM until it runs again
            local.paused = false;
        }
    }

    /** Starts the server again on the same port, stopping it first if it runs; it comes back with no instances. */
    @Override
    String address() {
        return baseUris.toString();
    }

    /**
     * Freezes the server process: it keeps its port and connections but answers nothing, so clients time out.
     *
     * @throws UnsupportedOperationException if {@link #supportsRestart()} is false
     * @throws IllegalStateException if the server does not run
     */
    public synchronized void pause() {
        Local local = requireOpenLocal("pause");
        ChildProcess process = local.process;
        if (process == null) {
            throw new IllegalStateException("cannot pause " + this + ": it is stopped");
        }
        if (!local.paused) {
            signal(process, "STOP");
            local.paused = true;
        }
    }

    /**
     * Lets a {@linkplain #pause() paused} server run again, with the registry it had; does nothing if it is not
     * paused.
     *
     * @throws UnsupportedOperationException if {@link #supportsRestart()} is false
     */
    public synchronized void resume() {
        Local local = requireLocal("resume");
        ChildProcess process = local.process;
        if (process != null && local.paused) {
            signal(process, "CONT");
        }
        local.paused = false;
    }

    @Override
    public String toString() {
        return "EurekaServer{" + baseUris + (local == null ? ", external" : ", " + local.directory) + "}";
    }

    /** Returns the running child of a local server, for the harness's own tests. */
    synchronized @Nullable ChildProcess process() {
        return local == null ? null : local.process;
    }

    /**
     * Reads the launcher's class path from the resource in its jar, and adds the place that resource came from (the
     * launcher jar or classes directory).
     */
    static Optional<List<String>> launcherClassPath() {
        ClassLoader loader = EurekaServer.class.getClassLoader();
        URL resource = loader == null
                ? ClassLoader.getSystemResource(CLASSPATH_RESOURCE)
                : loader.getResource(CLASSPATH_RESOURCE);
        if (resource == null) {
            return Optional.empty();
        }
        String text;
        try (InputStream in = resource.openStream()) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
        List<String> entries = new ArrayList<>();
        entries.add(codeSource(resource).toString());
        for (String entry : text.split(File.pathSeparator, -1)) {
            if (!entry.isBlank()) {
                entries.add(entry.strip());
            }
        }
        return Optional.of(List.copyOf(entries));
    }

    /** The jar or directory a resource was loaded from. */
    private static Path codeSource(URL resource) {
        String url = resource.toString();
        try {
            if (url.startsWith("jar:")) {
                String jar = url.substring("jar:".length(), url.indexOf("!/"));
                return Path.of(new URI(jar));
            }
            if (!url.endsWith(CLASSPATH_RESOURCE)) {
                throw new IllegalStateException("unexpected resource URL " + url);
            }
            // A classes directory: the resource's URL is that directory's URL followed by the resource name.
            return Path.of(new URI(url.substring(0, url.length() - CLASSPATH_RESOURCE.length())));
        } catch (URISyntaxException | RuntimeException e) {
            throw new IllegalStateException("cannot tell where " + url + " comes from", e);
        }
    }

    @Override
    void launch(Local local) {
        local.process = startOnSamePorts(READY_TIMEOUT, PORT_TAKEN, remaining -> {
            local.launches++;
            return ChildProcess.builder(local.command())
                    .workingDirectory(local.directory.path())
                    .logFile(local.directory.resolve("eureka-" + local.launches + ".log"))
                    .readiness(local.readiness, remaining)
                    .stopTimeout(Duration.ofSeconds(5))
                    .start();
        });
        local.paused = false;
    }

    /** Sends a signal with kill(1): the JDK can only terminate processes, not stop and continue them. */
    private static void signal(ChildProcess process, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                    .redirectErrorStream(true)
                    .start();
            if (!kill.waitFor(SIGNAL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                kill.destroyForcibly();
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " did not finish");
            }
            if (kill.exitValue() != 0) {
                String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                throw new IllegalStateException(
                        "kill -" + signal + " " + process.pid() + " failed (" + kill.exitValue() + "): " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill -" + signal, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling " + process, e);
        }
    }

    private static List<URI> parseBaseUris(String text) {
        List<URI> parsed = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            String trimmed = part.strip();
            URI uri;
            try {
                uri = URI.create(trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(badOverride(text), e);
            }
            boolean http = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
            if (!http || uri.getHost() == null) {
                throw new IllegalArgumentException(badOverride(text));
            }
            parsed.add(uri);
        }
        return parsed;
    }

    private static String badOverride(String text) {
        return TestEnvironment.overrideVariable(BACKEND)
                + " must be http(s)://host:port/path[,http(s)://host:port/path…] (the base URL before /apps, such as "
                + "http://127.0.0.1:8761/eureka), not '" + text + "'";
    }

    /** What only a server this harness started has; its mutable fields are guarded by the server's lock. */
    static final class Local extends LocalProcessServer.Local {
        final List<String> classPath;
        final int port;
        final List<String> properties;
        final ReadinessProbe readiness;
        final @Nullable NetworkNamespace namespace;

        boolean paused;
        int launches;

        Local(
                ScratchDirectory directory,
                List<String> classPath,
                int port,
                List<String> properties,
                @Nullable NetworkNamespace namespace,
                ReadinessProbe readiness) {
            super(directory);
            this.classPath = classPath;
            this.port = port;
            this.properties = properties;
            this.namespace = namespace;
            this.readiness = readiness;
        }

        List<String> command() {
            List<String> command = new ArrayList<>();
            if (namespace != null) {
                command.addAll(namespace.execPrefix());
            }
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(JVM_OPTIONS);
            if (namespace != null) {
                command.add("-D" + NAMESPACE_HOST_PROPERTY + "=" + namespace.address());
            }
            command.add("-Djava.io.tmpdir=" + directory.path());
            command.add("-cp");
            command.add(String.join(File.pathSeparator, classPath));
            command.add(LAUNCHER_CLASS);
            command.add(Integer.toString(port));
            command.addAll(properties);
            return command;
        }
    }
}
