package io.registry4j.testservers;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A real etcd cluster of several members for tests: one {@code etcd} child process per member (the binary {@link
 * EtcdServer} finds), each on its own free client and peer ports, all in one {@link ScratchDirectory}.
 *
 * <p>Members are started together, because a member of a new cluster answers {@code /health} only once a leader is
 * elected; {@link #start(int)} returns when every member says healthy. Faults act on one member by index: {@link
 * #kill(int)} (SIGKILL, as a crash), {@link #restart(int)} (same data, same ports: it rejoins), {@link #pause(int)} and
 * {@link #resume(int)} (SIGSTOP and SIGCONT). {@link #leader()} asks each live member's maintenance status which member
 * leads.
 *
 * <p>With a {@link NetworkNamespace}, the members run inside it ({@code ip netns exec}) and listen on its address
 * instead of loopback, so that {@link NetworkNamespace#cut()} partitions them from the test JVM.
 *
 * <p>Elections are tuned for loopback ({@code --heartbeat-interval 50 --election-timeout 500}), so a lost leader is
 * replaced in about a second. Thread-safe; every method is serialized.
 */
public final class EtcdCluster implements AutoCloseable {
    /** How long a start of the cluster, or a restart of one member, may take. */
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private static final Pattern MEMBER_ID = Pattern.compile("\"member_id\"\\s*:\\s*\"?(\\d+)");
    private static final Pattern LEADER = Pattern.compile("\"leader\"\\s*:\\s*\"?(\\d+)");
    private static final String PORT_TAKEN = "address already in use";

    private final Path binary;
    private final ScratchDirectory directory;
    private final @Nullable NetworkNamespace namespace;
    private final List<Member> members;
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(ReadinessProbe.HTTP_PROBE_TIMEOUT)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    private boolean closed;

    private EtcdCluster(
            Path binary, ScratchDirectory directory, @Nullable NetworkNamespace namespace, List<Member> members) {
        this.binary = binary;
        this.directory = directory;
        this.namespace = namespace;
        this.members = members;
    }

    /**
     * Starts a cluster of {@code size} members on loopback.
     *
     * @throws org.opentest4j.TestAbortedException if there is no etcd binary (outside CI)
     * @throws IllegalStateException if there is no etcd binary under {@code CI=true}
     * @throws ChildProcess.StartException if the cluster does not become healthy; its logs stay in the scratch
     *     directory
     */
    public static EtcdCluster start(int size) {
        return start(size, null);
    }

    /**
     * Starts a cluster of {@code size} members inside {@code namespace} (on its address), or on loopback if it is
     * null.
     */
    public static EtcdCluster start(int size, @Nullable NetworkNamespace namespace) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be positive: " + size);
        }
        TestEnvironment environment = TestEnvironment.system();
        Path binary = environment
                .findExecutable("etcd", EtcdServer.WELL_KNOWN_BINARIES)
                .orElseThrow(() -> environment.serverUnavailable(
                        "etcd server",
                        EtcdServer.BACKEND,
                        "install etcd 3.4 or later (" + EtcdServer.INSTALL_HINT + ")"));
        String host = namespace == null ? LoopbackPorts.host() : namespace.address();
        ScratchDirectory directory = ScratchDirectory.create("etcd-cluster");
        List<Member> members = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            // Inside a namespace every port is free; loopback ports are chosen as usual.
            int client = LoopbackPorts.freePort();
            int peer = LoopbackPorts.freePort();
            members.add(new Member(
                    "member-" + i,
                    URI.create("http://" + host + ":" + client),
                    URI.create("http://" + host + ":" + peer),
                    directory.resolve("member-" + i)));
        }
        EtcdCluster cluster = new EtcdCluster(binary, directory, namespace, members);
        try {
            cluster.launchAll();
        } catch (RuntimeException e) {
            cluster.stopAll();
            throw e;
        }
        return cluster;
    }

    /** Returns how many members the cluster has. */
    public int size() {
        return members.size();
    }

    /** Returns the client endpoints of all members, comma-separated, as etcd clients take them. */
    public String endpoints() {
        List<String> texts = new ArrayList<>();
        members.forEach(member -> texts.add(member.client.toString()));
        return String.join(",", texts);
    }

    /** Returns the client endpoint of member {@code index}. */
    public URI clientEndpoint(int index) {
        return members.get(index).client;
    }

    /** Returns the process id of member {@code index}, which must be running. */
    public synchronized long pid(int index) {
        return requireProcess(index).pid();
    }

    /** Returns whether member {@code index} runs (a paused member runs). */
    public synchronized boolean isRunning(int index) {
        ChildProcess process = members.get(index).process;
        return process != null && process.isAlive();
    }

    /**
     * Returns the index of the member that the live members agree leads, if a majority of live members names the
     * same running member.
     */
    public synchronized OptionalInt leader() {
        int[] votes = new int[members.size()];
        int asked = 0;
        for (Member member : members) {
            if (member.process == null || !member.process.isAlive() || member.paused) {
                continue;
            }
            asked++;
            String status = status(member);
            if (status == null) {
                continue;
            }
            String leaderId = group(LEADER, status);
            for (int i = 0; i < members.size(); i++) {
                Member candidate = members.get(i);
                if (leaderId != null && leaderId.equals(candidate.id) && candidate.process != null) {
                    votes[i]++;
                }
            }
        }
        for (int i = 0; i < votes.length; i++) {
            if (asked > 0 && votes[i] * 2 > asked) {
                return OptionalInt.of(i);
            }
        }
        return OptionalInt.empty();
    }

    /** Kills member {@code index} with SIGKILL, as a crash; its data stays for {@link #restart(int)}. */
    public synchronized void kill(int index) {
        Member member = members.get(index);
        ChildProcess process = member.process;
        if (process != null) {
            if (member.paused) {
                process.resume();
            }
            process.kill();
            member.process = null;
            member.paused = false;
        }
    }

    /**
     * Starts member {@code index} again with its data on its ports and returns once it is healthy, which needs a
     * quorum of the cluster running.
     */
    public synchronized void restart(int index) {
        requireOpen("restart");
        kill(index);
        Member member = members.get(index);
        member.process = launch(member, false, READY_TIMEOUT);
    }

    /** Stops member {@code index} with SIGSTOP: it keeps its sockets but answers nothing. */
    public synchronized void pause(int index) {
        requireProcess(index).pause();
        members.get(index).paused = true;
    }

    /** Continues member {@code index} after {@link #pause(int)}. */
    public synchronized void resume(int index) {
        requireProcess(index).resume();
        members.get(index).paused = false;
    }

    /** Returns the tail of member {@code index}'s current log, for failure messages. */
    public synchronized String logTail(int index) {
        ChildProcess process = members.get(index).process;
        return process == null ? "(member " + index + " is not running)" : process.logTail(ChildProcess.LOG_TAIL_LINES);
    }

    /** Stops every member and deletes the data; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopAll();
        directory.close();
    }

    @Override
    public String toString() {
        return "EtcdCluster{" + endpoints() + (namespace == null ? "" : ", in " + namespace) + "}";
    }

    private void launchAll() {
        // A new cluster's members wait for each other; each is started without waiting, then all are awaited.
        for (Member member : members) {
            member.process = launch(member, true, Duration.ZERO);
        }
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        for (Member member : members) {
            awaitHealthy(member, deadline);
        }
        for (Member member : members) {
            String status = status(member);
            String id = status == null ? null : group(MEMBER_ID, status);
            if (id == null) {
                throw new IllegalStateException("etcd " + member.name + " reports no member id: " + status);
            }
            member.id = id;
        }
    }

    private ChildProcess launch(Member member, boolean initial, Duration timeout) {
        List<String> command = new ArrayList<>();
        if (namespace != null) {
            command.addAll(namespace.execPrefix());
        }
        command.addAll(member.command(binary, members, initial));
        member.launches++;
        Path log = member.directory.resolveSibling(member.name + "-" + member.launches + ".log");
        ChildProcess.Builder builder = ChildProcess.builder(command)
                .removeInheritedEnvironment("ETCD_")
                .logFile(log)
                .stopTimeout(Duration.ofSeconds(5));
        if (timeout.isZero()) {
            return builder.start();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return builder.readiness(
                                healthProbe(member), Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))
                        .start();
            } catch (ChildProcess.StartException e) {
                if (!(e.exitedBeforeReady() && e.logTail().contains(PORT_TAKEN)) || System.nanoTime() - deadline >= 0) {
                    throw e;
                }
            }
        }
    }

    private void awaitHealthy(Member member, long deadline) {
        ReadinessProbe probe = healthProbe(member);
        while (true) {
            ChildProcess process = member.process;
            if (process == null || !process.isAlive()) {
                throw new IllegalStateException(
                        "etcd " + member.name + " exited while the cluster formed; last lines of "
                                + "its log:" + System.lineSeparator()
                                + (process == null ? "" : process.logTail(ChildProcess.LOG_TAIL_LINES)));
            }
            try {
                if (probe.isReady()) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the etcd cluster formed", e);
            } catch (Exception notYet) {
                // Not ready yet.
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("etcd " + member.name + " was not healthy within " + READY_TIMEOUT
                        + "; last lines of its log:" + System.lineSeparator()
                        + process.logTail(ChildProcess.LOG_TAIL_LINES));
            }
            try {
                // Waiting on the process rather than sleeping notices an early exit at once.
                process.awaitExit(ChildProcess.POLL_INTERVAL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the etcd cluster formed", e);
            }
        }
    }

    private static ReadinessProbe healthProbe(Member member) {
        return ReadinessProbe.httpGet(member.client.resolve("/health"), body -> body.contains("\"health\":\"true\""));
    }

    private @Nullable String status(Member member) {
        HttpRequest request = HttpRequest.newBuilder(member.client.resolve("/v3/maintenance/status"))
                .timeout(ReadinessProbe.HTTP_PROBE_TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() / 100 == 2 ? response.body() : null;
        } catch (IOException unreachable) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static @Nullable String group(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        return matcher.find() ? matcher.group(1) : null;
    }

    private ChildProcess requireProcess(int index) {
        ChildProcess process = members.get(index).process;
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException("etcd member " + index + " of " + this + " is not running");
        }
        return process;
    }

    private void requireOpen(String operation) {
        if (closed) {
            throw new IllegalStateException("cannot " + operation + " a member of " + this + ": it was closed");
        }
    }

    private void stopAll() {
        for (Member member : members) {
            ChildProcess process = member.process;
            if (process != null) {
                if (member.paused) {
                    // A stopped process ignores SIGTERM until it is continued.
                    process.resume();
                }
                process.stop();
                member.process = null;
            }
        }
    }

    /** One member: its name, URLs and data; the mutable fields are guarded by the cluster's lock. */
    private static final class Member {
        final String name;
        final URI client;
        final URI peer;
        final Path directory;

        @Nullable
        ChildProcess process;

        @Nullable
        String id;

        boolean paused;
        int launches;

        Member(String name, URI client, URI peer, Path directory) {
            this.name = name;
            this.client = client;
            this.peer = peer;
            this.directory = directory;
        }

        List<String> command(Path binary, List<Member> all, boolean initial) {
            List<String> cluster = new ArrayList<>();
            all.forEach(member -> cluster.add(member.name + "=" + member.peer));
            return List.of(
                    binary.toString(),
                    "--name",
                    name,
                    "--data-dir",
                    directory.toString(),
                    "--listen-client-urls",
                    client.toString(),
                    "--advertise-client-urls",
                    client.toString(),
                    "--listen-peer-urls",
                    peer.toString(),
                    "--initial-advertise-peer-urls",
                    peer.toString(),
                    "--initial-cluster",
                    String.join(",", cluster),
                    "--initial-cluster-state",
                    initial ? "new" : "existing",
                    "--initial-cluster-token",
                    "registry4j-test",
                    "--heartbeat-interval",
                    "50",
                    "--election-timeout",
                    "500",
                    "--log-level",
                    "warn",
                    "--logger",
                    "zap");
        }
    }
}
