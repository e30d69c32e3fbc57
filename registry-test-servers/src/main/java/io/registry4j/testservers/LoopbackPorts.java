package io.registry4j.testservers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Free TCP ports on the loopback interface, for servers started by tests.
 *
 * <p>A port is found by binding port 0 on the loopback address and releasing it again, so another
 * process could still take it before the server binds; servers that fail to bind should be retried
 * (see {@link EtcdServer}). Within this JVM a port is never handed out twice, and the well-known
 * ports of the backends ({@link #isStandardPort(int)}) are never handed out at all, so a test can never
 * reach a developer's real etcd, ZooKeeper, Consul, Nacos or Eureka.
 *
 * <p>Thread-safe: all methods are static and may be called concurrently.
 */
public final class LoopbackPorts {
    private static final int MAX_ATTEMPTS = 200;
    private static final int MAX_PORT = 65_535;

    /** etcd client and peer, ZooKeeper client and quorum, Consul, Eureka, Nacos HTTP and gRPC. */
    private static final Set<Integer> STANDARD_PORTS = Set.of(2379, 2380, 2181, 2888, 3888, 8500, 8761, 8848, 9848);

    // The kernel may hand the same ephemeral port to two consecutive bind(0) calls once the first
    // socket is closed; remembering what we gave out keeps two servers of one JVM apart.
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private LoopbackPorts() {}

    /** Returns the loopback address every test server binds to. */
    public static InetAddress address() {
        return InetAddress.getLoopbackAddress();
    }

    /** Returns the loopback address as it appears in a URI or connect string: {@code 127.0.0.1} or {@code [::1]}. */
    public static String host() {
        InetAddress address = address();
        return address instanceof Inet6Address ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
    }

    /** Returns whether {@code port} is a backend's well-known port, which tests must never use. */
    public static boolean isStandardPort(int port) {
        return STANDARD_PORTS.contains(port);
    }

    /** Returns a loopback port that was free a moment ago and has not been handed out before in this JVM. */
    public static int freePort() {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            try (ServerSocket socket = new ServerSocket(0, 0, address())) {
                int port = socket.getLocalPort();
                if (!isStandardPort(port) && HANDED_OUT.add(port)) {
                    return port;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot bind any port on " + address(), e);
            }
        }
        throw new IllegalStateException("no free loopback port after " + MAX_ATTEMPTS + " attempts");
    }

    /**
     * Returns the first of {@code count} consecutive loopback ports that were all free a moment ago, for
     * servers that derive further ports from a base port.
     *
     * @throws IllegalArgumentException if {@code count} is not positive
     */
    public static int freePortBlock(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be positive: " + count);
        }
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            int first = freePort();
            if (first + count - 1 <= MAX_PORT && claimFollowing(first, count)) {
                return first;
            }
        }
        throw new IllegalStateException(
                "no block of " + count + " free loopback ports after " + MAX_ATTEMPTS + " attempts");
    }

    /** Binds the ports after {@code first} together, so that all of them are known to be free at once. */
    private static boolean claimFollowing(int first, int count) {
        List<ServerSocket> held = new ArrayList<>(count - 1);
        try {
            for (int port = first + 1; port < first + count; port++) {
                if (isStandardPort(port) || HANDED_OUT.contains(port)) {
                    return false;
                }
                held.add(new ServerSocket(port, 0, address()));
            }
            for (int port = first + 1; port < first + count; port++) {
                HANDED_OUT.add(port);
            }
            return true;
        } catch (IOException portTaken) {
            return false;
        } finally {
            for (ServerSocket socket : held) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // Closing a bound, never-accepted socket does not fail in practice; nothing to undo.
                }
            }
        }
    }
}
