package io.registry4j.testservers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.opentest4j.TestAbortedException;

/**
 * A Linux network namespace joined to the test JVM's namespace by a veth pair, for partition tests: a server started
 * with {@link #execPrefix()} runs inside it and listens on {@link #address()}; {@link #cut()} takes the namespace's
 * end of the link down, so that packets between the two sides are dropped silently (established connections hang
 * and time out, as in a real partition, rather than being refused), and {@link #restore()} brings it back.
 *
 * <p>Needs {@code ip} (Debian {@code iproute2}) and the rights to create namespaces and links (root, or
 * CAP_SYS_ADMIN and CAP_NET_ADMIN). {@link #create()} skips the test loudly when they are missing, and fails it
 * under {@code CI=true}, with the exact error {@code ip} gave. Each namespace gets its own /30 in
 * {@code 10.231.0.0/16}, chosen from the JVM's pid, so that two test JVMs on one machine do not collide.
 *
 * <p>Not thread-safe; {@link #close()} is idempotent and deletes the namespace and the link.
 */
public final class NetworkNamespace implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final List<Path> IP_BINARIES =
            List.of(Path.of("/usr/sbin/ip"), Path.of("/sbin/ip"), Path.of("/usr/bin/ip"));

    private final String ip;
    private final String name;
    private final String hostLink;
    private final String namespaceLink;
    private final String hostAddress;
    private final String address;
    private boolean cut;
    private boolean closed;

    private NetworkNamespace(String ip, int slot) {
        this.ip = ip;
        this.name = "r4j-" + ProcessHandle.current().pid() + "-" + slot;
        this.hostLink = "r4jh" + slot;
        this.namespaceLink = "r4jn" + slot;
        int third = slot / 64;
        int fourth = (slot % 64) * 4;
        this.hostAddress = "10.231." + third + "." + (fourth + 1);
        this.address = "10.231." + third + "." + (fourth + 2);
    }

    /**
     * Creates a namespace with a veth link to this one, both ends up.
     *
     * @throws org.opentest4j.TestAbortedException if {@code ip} is missing or not permitted (outside CI)
     * @throws IllegalStateException if so under {@code CI=true}
     */
    public static NetworkNamespace create() {
        TestEnvironment environment = TestEnvironment.system();
        String ip = environment
                .findExecutable("ip", IP_BINARIES)
                .orElseThrow(() -> unavailable(environment, "no ip command (apt-get install -y iproute2)"))
                .toString();
        int slot = (int) ((ProcessHandle.current().pid() * 7 + COUNTER.getAndIncrement()) % (64 * 250));
        NetworkNamespace namespace = new NetworkNamespace(ip, slot);
        String failure = namespace.setUp();
        if (failure != null) {
            namespace.close();
            throw unavailable(
                    environment,
                    "cannot make a network namespace (" + failure
                            + "); run the tests as root or with CAP_SYS_ADMIN and CAP_NET_ADMIN");
        }
        return namespace;
    }

    private static RuntimeException unavailable(TestEnvironment environment, String why) {
        if (environment.isCi()) {
            return new IllegalStateException(
                    "partition tests need network namespaces, and CI=true turns this skip " + "into a failure: " + why);
        }
        String message = "SKIPPED: partition tests need network namespaces: " + why;
        System.err.println("registry4j-testservers: " + message);
        return new TestAbortedException(message);
    }

    /** Returns the namespace's address, on which servers inside it listen. */
    public String address() {
        return address;
    }

    /** Returns the address of this side of the link. */
    public String hostAddress() {
        return hostAddress;
    }

    /** Returns the command prefix that runs a program inside the namespace: {@code ip netns exec <name>}. */
    public List<String> execPrefix() {
        return List.of(ip, "netns", "exec", name);
    }

    /** Partitions the namespace: its end of the link goes down and packets both ways are dropped. */
    public void cut() {
        run(true, ip, "netns", "exec", name, ip, "link", "set", namespaceLink, "down");
        cut = true;
    }

    /** Heals the partition made by {@link #cut()}. */
    public void restore() {
        run(true, ip, "netns", "exec", name, ip, "link", "set", namespaceLink, "up");
        cut = false;
    }

    /** Returns whether the link is cut. */
    public boolean isCut() {
        return cut;
    }

    /** Deletes the link and the namespace; processes still inside it must have been stopped. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Deleting one end of a veth pair deletes both; either may not exist after a failed set-up.
        run(false, ip, "link", "del", hostLink);
        run(false, ip, "netns", "del", name);
    }

    @Override
    public String toString() {
        return "NetworkNamespace{" + name + ", " + address + "}";
    }

    /** Makes the namespace and the link; returns the exact error of the first step that fails, or null. */
    private @Nullable String setUp() {
        List<List<String>> steps = List.of(
                List.of(ip, "netns", "add", name),
                List.of(ip, "link", "add", hostLink, "type", "veth", "peer", "name", namespaceLink),
                List.of(ip, "link", "set", namespaceLink, "netns", name),
                List.of(ip, "addr", "add", hostAddress + "/30", "dev", hostLink),
                List.of(ip, "link", "set", hostLink, "up"),
                List.of(ip, "netns", "exec", name, ip, "addr", "add", address + "/30", "dev", namespaceLink),
                List.of(ip, "netns", "exec", name, ip, "link", "set", namespaceLink, "up"),
                List.of(ip, "netns", "exec", name, ip, "link", "set", "lo", "up"));
        for (List<String> step : steps) {
            String error = run(false, step.toArray(String[]::new));
            if (error != null) {
                return String.join(" ", step) + ": " + error;
            }
        }
        return null;
    }

    /** Runs a command; returns null on success, else its output; throws instead when {@code required}. */
    private static @Nullable String run(boolean required, String... command) {
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                output = "timed out";
            } else if (process.exitValue() == 0) {
                return null;
            }
            String message = "exit " + (process.isAlive() ? "?" : process.exitValue()) + ": " + output;
            if (required) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + message);
            }
            return message;
        } catch (IOException e) {
            if (required) {
                throw new UncheckedIOException("cannot run " + List.of(command), e);
            }
            return String.valueOf(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + new ArrayList<>(List.of(command)), e);
        }
    }
}
