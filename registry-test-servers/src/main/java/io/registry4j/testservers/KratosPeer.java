package io.registry4j.testservers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The Kratos peer for interop tests: the Go program in {@code interop/kratos-peer} (Kratos' own registry
 * modules on the backends' native Go clients), built with {@code go build} and run as child processes.
 *
 * <p>{@link #start()} builds the peer from {@code interop/kratos-peer} once per content into
 * {@code ~/.cache/registry4j/kratos-peer/<source hash>/kratos-peer} ({@link GoBuild}: the system property
 * {@code registry4j.kratos-peer.source} names another source directory, {@code REGISTRY4J_TEST_KRATOS_PEER}
 * a prebuilt binary; without Go the test is aborted loudly, or failed under {@code CI=true}).
 *
 * <p>Each command is a child process: its standard output (JSON lines, see the peer's README) is read by a
 * daemon thread {@code registry4j-testservers-kratos-peer-<pid>}, its standard error goes to a log file in this peer's
 * {@link ScratchDirectory}, and every process is registered with the JVM-wide reaper and stopped by
 * {@link #close()}. Failures carry the tail of that log.
 *
 * <p>Thread-safe.
 */
public final class KratosPeer implements AutoCloseable {
    /** The backend name of the override variable {@code REGISTRY4J_TEST_KRATOS_PEER} (a binary path). */
    public static final String BACKEND = "kratos-peer";

    /** Where the peer's source lives relative to the project root. */
    public static final String SOURCE_DIRECTORY = "interop/kratos-peer";

    /** The peer's build; a cold one downloads and compiles all Kratos modules. */
    public static final GoBuild BUILD = GoBuild.of(BACKEND, SOURCE_DIRECTORY);

    /** How long one command of the peer may take by default (scaled by {@code registry4j.test.timeScale}). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private final Path binary;
    private final ScratchDirectory logs;
    private final Duration timeout;
    private final Set<PeerProcess> running = ConcurrentHashMap.newKeySet();
    private final AtomicInteger launches = new AtomicInteger();
    private final ChildProcessReaper reaper = ChildProcessReaper.global();

    private KratosPeer(Path binary, ScratchDirectory logs, Duration timeout) {
        this.binary = binary;
        this.logs = logs;
        this.timeout = timeout;
    }

    /**
     * Builds the peer if needed and returns a harness for it; see the class comment.
     *
     * @throws org.opentest4j.TestAbortedException if there is no Go toolchain (outside CI)
     * @throws IllegalStateException if there is no Go toolchain under {@code CI=true}, the source cannot be
     *     found, or the build fails (the message ends with the build's output)
     */
    public static KratosPeer start() {
        return start(TestEnvironment.system());
    }

    /** Like {@link #start()}, reading variables from {@code environment}. */
    public static KratosPeer start(TestEnvironment environment) {
        Path binary = BUILD.binary(environment);
        return new KratosPeer(binary, ScratchDirectory.create("kratos-peer"), TestTime.scaled(DEFAULT_TIMEOUT));
    }

    /** Returns the peer binary in use. */
    public Path binary() {
        return binary;
    }

    /**
     * Starts a {@code register} session on {@code backend}; instances are registered with
     * {@link Registration#register(Instance)}.
     */
    public Registration register(Backend backend) {
        return new Registration(launch("register", backend, null));
    }

    /** Runs {@code get}: Kratos' {@code GetService(name)} and what its gRPC resolver makes of the result. */
    public Snapshot get(Backend backend, String name) {
        PeerProcess process = launch("get", backend, name);
        try {
            process.closeStdin();
            Map<String, Object> line = process.nextLine(timeout);
            process.awaitExit(timeout, 0);
            return Snapshot.parse(line);
        } finally {
            process.destroy();
        }
    }

    /** Starts a {@code watch}: one {@link Snapshot} per {@code Watcher.Next()} of Kratos' own watcher. */
    public Watch watch(Backend backend, String name) {
        return new Watch(launch("watch", backend, name));
    }

    /** Returns the default timeout of this peer's commands (already scaled). */
    public Duration timeout() {
        return timeout;
    }

    /** Kills every command still running and deletes the logs. Idempotent. */
    @Override
    public void close() {
        for (PeerProcess process : List.copyOf(running)) {
            process.destroy();
        }
        logs.close();
    }

    @Override
    public String toString() {
        return "KratosPeer{" + binary + "}";
    }

    private PeerProcess launch(String command, Backend backend, @Nullable String name) {
        List<String> args = new ArrayList<>();
        args.add(binary.toString());
        args.add(command);
        args.add("--backend");
        args.add(backend.name());
        args.add("--addr");
        args.add(backend.address());
        if (name != null) {
            args.add("--name");
            args.add(name);
        }
        args.addAll(backend.options());
        Path log = logs.resolve(command + "-" + launches.incrementAndGet() + ".log");
        ProcessBuilder builder = new ProcessBuilder(args)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectOutput(ProcessBuilder.Redirect.PIPE)
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + args, e);
        }
        reaper.register(process);
        PeerProcess peerProcess = new PeerProcess(args, process, log);
        running.add(peerProcess);
        return peerProcess;
    }

    // ---------------------------------------------------------------- value types

    /**
     * Where and how the peer talks to a backend: its name ({@code etcd}, {@code zookeeper}, {@code eureka},
     * {@code nacos}, {@code consul}), its {@code --addr}, and further options such as
     * {@code --etcd-ttl 2s} (see the peer's README).
     */
    public record Backend(String name, String address, List<String> options) {
        public Backend {
            options = List.copyOf(options);
        }

        /** Returns a backend with these options. */
        public static Backend of(String name, String address, String... options) {
            return new Backend(name, address, List.of(options));
        }

        /** Returns the etcd of {@code server}. */
        public static Backend etcd(EtcdServer server, String... options) {
            return of("etcd", server.endpoints(), options);
        }

        /** Returns the ZooKeeper of {@code server}. */
        public static Backend zookeeper(ZooKeeperServer server, String... options) {
            return of("zookeeper", server.connectString(), options);
        }

        /**
         * Returns the Eureka of {@code server}: its root as {@code --addr}, its REST path as {@code --eureka-path}
         * (Kratos' client appends {@code /apps}). Kratos' heartbeat and refresh stay at their defaults unless
         * {@code options} set {@code --eureka-heartbeat} and {@code --eureka-refresh}.
         */
        public static Backend eureka(EurekaServer server, String... options) {
            String path = server.baseUri().getRawPath().replaceAll("^/+|/+$", "");
            List<String> all = new ArrayList<>(List.of("--eureka-path", path));
            all.addAll(List.of(options));
            return new Backend("eureka", server.root().toString(), all);
        }

        /** Returns the Nacos of {@code server}: {@code host:port} of its HTTP API (context path {@code /nacos}). */
        public static Backend nacos(NacosServer server, String... options) {
            return of("nacos", server.serverAddr(), options);
        }

        /** Returns this backend with {@code more} options appended. */
        public Backend withOptions(String... more) {
            List<String> all = new ArrayList<>(options);
            all.addAll(List.of(more));
            return new Backend(name, address, all);
        }
    }

    /**
     * Kratos' {@code registry.ServiceInstance}, field by field as the peer prints it. {@code metadata} and
     * {@code endpoints} are null where Go has a nil map or slice ({@code null} in JSON).
     */
    public record Instance(
            String id,
            String name,
            String version,
            @Nullable Map<String, String> metadata,
            @Nullable List<String> endpoints) {
        public Instance {
            metadata = metadata == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
            endpoints = endpoints == null ? null : List.copyOf(endpoints);
        }

        /** Returns the instance as the peer reads it on stdin (null fields are left out: Go's nil). */
        public String toJson() {
            StringBuilder out = new StringBuilder("{\"id\":");
            HarnessJson.quote(out, id).append(",\"name\":");
            HarnessJson.quote(out, name).append(",\"version\":");
            HarnessJson.quote(out, version);
            Map<String, String> md = metadata;
            if (md != null) {
                out.append(",\"metadata\":{");
                boolean first = true;
                for (Map.Entry<String, String> e : md.entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    HarnessJson.quote(out, e.getKey()).append(':');
                    HarnessJson.quote(out, e.getValue());
                }
                out.append('}');
            }
            List<String> eps = endpoints;
            if (eps != null) {
                out.append(",\"endpoints\":[");
                for (int i = 0; i < eps.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    HarnessJson.quote(out, eps.get(i));
                }
                out.append(']');
            }
            return out.append('}').toString();
        }

        @SuppressWarnings("unchecked")
        static Instance parse(Object json) {
            if (!(json instanceof Map<?, ?> map)) {
                throw new IllegalArgumentException("expected an instance object, got " + json);
            }
            Map<String, String> metadata = null;
            Object md = map.get("metadata");
            if (md instanceof Map<?, ?> m) {
                metadata = new LinkedHashMap<>();
                for (Map.Entry<String, Object> e : ((Map<String, Object>) m).entrySet()) {
                    metadata.put(e.getKey(), Objects.requireNonNull(HarnessJson.stringOrNull(e.getValue())));
                }
            }
            List<String> endpoints = null;
            Object eps = map.get("endpoints");
            if (eps instanceof List<?> list) {
                endpoints = new ArrayList<>();
                for (Object e : list) {
                    endpoints.add(Objects.requireNonNull(HarnessJson.stringOrNull(e)));
                }
            }
            return new Instance(
                    Objects.requireNonNullElse(HarnessJson.stringOrNull(map.get("id")), ""),
                    Objects.requireNonNullElse(HarnessJson.stringOrNull(map.get("name")), ""),
                    Objects.requireNonNullElse(HarnessJson.stringOrNull(map.get("version")), ""),
                    metadata,
                    endpoints);
        }
    }

    /** One address Kratos' gRPC resolver writes to gRPC: {@code addr} is what gRPC dials. */
    public record ResolvedAddress(String addr, String serverName) {}

    /**
     * One result of {@code get} or of a {@code Watcher.Next()}: the instances exactly as Kratos returned
     * them, and what Kratos' gRPC resolver (insecure dial of {@code discovery:///<name>}) makes of them.
     */
    public record Snapshot(List<Instance> instances, List<ResolvedAddress> resolved) {
        public Snapshot {
            instances = List.copyOf(instances);
            resolved = List.copyOf(resolved);
        }

        /** Returns the instance with this id, if any. */
        public Optional<Instance> instance(String id) {
            return instances.stream().filter(i -> i.id().equals(id)).findFirst();
        }

        /** Returns the ids of the instances, in Kratos' order. */
        public List<String> ids() {
            return instances.stream().map(Instance::id).toList();
        }

        static Snapshot parse(Map<String, Object> line) {
            List<Instance> instances = new ArrayList<>();
            if (line.get("instances") instanceof List<?> list) {
                list.forEach(i -> instances.add(Instance.parse(i)));
            }
            List<ResolvedAddress> resolved = new ArrayList<>();
            if (line.get("resolved") instanceof List<?> list) {
                for (Object o : list) {
                    if (o instanceof Map<?, ?> m) {
                        resolved.add(new ResolvedAddress(
                                Objects.requireNonNullElse(HarnessJson.stringOrNull(m.get("addr")), ""),
                                Objects.requireNonNullElse(HarnessJson.stringOrNull(m.get("serverName")), "")));
                    }
                }
            }
            return new Snapshot(instances, resolved);
        }
    }

    // ---------------------------------------------------------------- sessions

    /**
     * A running {@code register} command. {@link #close()} closes its stdin, so Kratos deregisters
     * everything and the peer exits; {@link #kill()} is process death ({@code kill -9}): nothing is
     * deregistered. Not for concurrent use.
     */
    public final class Registration implements AutoCloseable {
        private final PeerProcess process;

        private Registration(PeerProcess process) {
            this.process = process;
        }

        /**
         * Registers {@code instance} through Kratos' {@code Register} (or, for an id this session already
         * holds, Kratos' {@code Deregister} then {@code Register}) and returns once the peer says so.
         *
         * @throws IllegalStateException if the peer reports an error or does not answer in time
         */
        public void register(Instance instance) {
            process.send(instance.toJson());
            process.awaitEvent(Set.of("registered", "updated"), instance.id(), timeout);
        }

        /** Deregisters {@code id} through Kratos' {@code Deregister} and returns once the peer says so. */
        public void deregister(String id) {
            StringBuilder line = new StringBuilder("{\"deregister\":");
            HarnessJson.quote(line, id).append('}');
            process.send(line.toString());
            process.awaitEvent(Set.of("deregistered"), id, timeout);
        }

        /** Kills the peer with SIGKILL: its registrations stay until their lease or session runs out. */
        public void kill() {
            process.kill();
        }

        /** Returns the peer's process id. */
        public long pid() {
            return process.process.pid();
        }

        /**
         * Closes stdin: Kratos deregisters every instance and the peer exits. Waits for that; does nothing
         * after {@link #kill()}.
         *
         * @throws IllegalStateException if the peer exits with an error or not in time
         */
        @Override
        public void close() {
            if (!process.process.isAlive()) {
                process.destroy();
                return;
            }
            try {
                process.closeStdin();
                process.awaitExit(timeout, 0);
            } finally {
                process.destroy();
            }
        }
    }

    /**
     * A running {@code watch} command: every {@code Watcher.Next()} result of Kratos' own watcher arrives
     * in {@link #snapshots()}. Thread-safe.
     */
    public final class Watch implements AutoCloseable {
        private final PeerProcess process;
        private final BlockingQueue<Snapshot> snapshots = new LinkedBlockingQueue<>();
        private final List<String> errors = new CopyOnWriteArrayList<>();
        private volatile @Nullable Snapshot latest;

        private Watch(PeerProcess process) {
            this.process = process;
            process.onLine = line -> {
                if (line.containsKey("watchError")) {
                    errors.add(String.valueOf(line.get("watchError")));
                } else if (line.containsKey("instances")) {
                    Snapshot s = Snapshot.parse(line);
                    latest = s;
                    snapshots.add(s);
                }
            };
        }

        /** Returns every snapshot not yet taken, in order. */
        public BlockingQueue<Snapshot> snapshots() {
            return snapshots;
        }

        /** Returns the most recent snapshot, if any. */
        public Optional<Snapshot> latest() {
            return Optional.ofNullable(latest);
        }

        /** Returns the {@code Next()} errors reported so far. */
        public List<String> errors() {
            return List.copyOf(errors);
        }

        /**
         * Takes snapshots until one matches {@code condition} and returns it.
         *
         * @throws IllegalStateException if none does within {@code timeout} (the message lists the last seen)
         *     or the peer fails
         */
        public Snapshot await(Predicate<Snapshot> condition, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            Snapshot last = null;
            try {
                while (true) {
                    long remaining = deadline - System.nanoTime();
                    Snapshot s = remaining <= 0 ? null : snapshots.poll(remaining, TimeUnit.NANOSECONDS);
                    if (s == null) {
                        process.throwIfFailed();
                        throw new IllegalStateException("the Kratos watcher gave no matching snapshot within "
                                + timeout + "; last: " + (last == null ? latest : last) + "; errors: " + errors
                                + "; peer log:" + System.lineSeparator() + process.logTail());
                    }
                    last = s;
                    if (condition.test(s)) {
                        return s;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a Kratos snapshot", e);
            }
        }

        /** Like {@link #await(Predicate, Duration)} with the peer's default timeout. */
        public Snapshot await(Predicate<Snapshot> condition) {
            return await(condition, timeout);
        }

        /** Stops the watch: closes stdin and waits for the peer to exit. Idempotent. */
        @Override
        public void close() {
            try {
                if (process.process.isAlive()) {
                    process.closeStdin();
                    process.awaitExit(timeout, 0);
                }
            } finally {
                process.destroy();
            }
        }
    }

    /** One child process of the peer and the thread that reads its JSON lines. */
    private final class PeerProcess {
        final List<String> command;
        final Process process;
        final Path log;
        final BlockingQueue<Map<String, Object>> lines = new LinkedBlockingQueue<>();
        final List<String> garbage = new CopyOnWriteArrayList<>();
        volatile @Nullable String error;
        volatile @Nullable Consumer<Map<String, Object>> onLine;

        PeerProcess(List<String> command, Process process, Path log) {
            this.command = command;
            this.process = process;
            this.log = log;
            Thread reader = new Thread(this::readLines, "registry4j-testservers-kratos-peer-" + process.pid());
            reader.setDaemon(true);
            reader.start();
        }

        @SuppressWarnings("unchecked")
        private void readLines() {
            try (BufferedReader in =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String text;
                while ((text = in.readLine()) != null) {
                    Map<String, Object> line;
                    try {
                        if (!(HarnessJson.parseKeepingNumberText(text) instanceof Map<?, ?> m)) {
                            garbage.add(text);
                            continue;
                        }
                        line = (Map<String, Object>) m;
                    } catch (IllegalArgumentException e) {
                        garbage.add(text);
                        continue;
                    }
                    if (line.containsKey("error")) {
                        error = String.valueOf(line.get("error"));
                    }
                    var consumer = onLine;
                    if (consumer != null) {
                        consumer.accept(line);
                    }
                    lines.add(line);
                }
            } catch (IOException e) {
                // The process was killed; its exit status tells the rest.
            }
        }

        void send(String line) {
            try {
                OutputStream out = process.getOutputStream();
                out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                throwIfFailed();
                throw new IllegalStateException(
                        "cannot write to the Kratos peer " + this + ": " + e + "; log:" + System.lineSeparator()
                                + logTail(),
                        e);
            }
        }

        void closeStdin() {
            try {
                process.getOutputStream().close();
            } catch (IOException ignored) {
                // It has exited already; awaitExit reports how.
            }
        }

        Map<String, Object> nextLine(Duration timeout) {
            try {
                Map<String, Object> line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (line == null) {
                    throwIfFailed();
                    throw failure("printed nothing within " + timeout);
                }
                if (line.containsKey("error")) {
                    throw failure("failed: " + line.get("error"));
                }
                return line;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failure("was interrupted");
            }
        }

        void awaitEvent(Set<String> events, String id, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    throw failure("did not report " + events + " of " + id + " within " + timeout);
                }
                Map<String, Object> line = nextLine(Duration.ofNanos(remaining));
                if (events.contains(line.get("event")) && id.equals(line.get("id"))) {
                    return;
                }
            }
        }

        void awaitExit(Duration timeout, int expectedCode) {
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw failure("did not exit within " + timeout);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failure("was interrupted");
            }
            if (process.exitValue() != expectedCode) {
                throw failure("exited with code " + process.exitValue() + (error == null ? "" : ": " + error));
            }
        }

        void throwIfFailed() {
            if (error != null) {
                throw failure("failed: " + error);
            }
            if (!process.isAlive() && process.exitValue() != 0) {
                throw failure("exited with code " + process.exitValue());
            }
        }

        void kill() {
            process.destroyForcibly();
            try {
                process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void destroy() {
            if (process.isAlive()) {
                ChildProcessReaper.terminate(List.of(process.toHandle()), Duration.ofSeconds(5));
            }
            reaper.unregister(process);
            running.remove(this);
        }

        String logTail() {
            String tail = ChildProcess.readLogTail(log, ChildProcess.LOG_TAIL_LINES);
            return garbage.isEmpty() ? tail : tail + System.lineSeparator() + "non-JSON stdout: " + garbage;
        }

        IllegalStateException failure(String what) {
            return new IllegalStateException("Kratos peer " + command + " (pid " + process.pid() + ") " + what
                    + "; last lines of " + log + ":" + System.lineSeparator() + logTail());
        }

        @Override
        public String toString() {
            return command.toString();
        }
    }
}
