package io.registry4j.cli;

import io.registry4j.ServiceInstance;
import io.registry4j.spi.RegistryUri;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooKeeper;

/**
 * Native ZooKeeper operations the command line needs and the registry API rightly does not offer: deleting another
 * client's node ({@code doctor}) and expiring a session for real ({@code demo}).
 *
 * <p>Design: a short-lived plain {@link ZooKeeper} handle per operation, waited for within a bound. A session is
 * expired the way a server does it after a partition: a second handle attaches to the session with its id and
 * password and closes it, so the server ends the session, deletes its ephemeral nodes and tells its watchers;
 * the original client learns it has expired when it next talks to the server.
 */
final class ZooKeeperNodes {
    /** Where the ZooKeeper backend keeps instances unless the URL's {@code root} option says otherwise. */
    static final String DEFAULT_ROOT = "/microservices";

    private ZooKeeperNodes() {}

    /** Deletes the node of {@code instance} under the registry URL's root, whoever owns it. */
    static BehindTheBack.Outcome delete(java.net.URI url, ServiceInstance instance, Duration timeout) {
        RegistryUri parsed = RegistryUri.parse(url);
        String root = parsed.string("root", DEFAULT_ROOT);
        String path = (root.endsWith("/") ? root : root + "/") + instance.name() + "/" + instance.id();
        try {
            ZooKeeper zk = connect(parsed.authority(), 0, new byte[0], timeout);
            try {
                zk.delete(path, -1);
                return new BehindTheBack.Outcome(true, "deleted its node " + path + " with a plain ZooKeeper client");
            } finally {
                zk.close();
            }
        } catch (KeeperException.NoNodeException e) {
            return new BehindTheBack.Outcome(false, "there is no node " + path);
        } catch (KeeperException e) {
            return new BehindTheBack.Outcome(false, "ZooKeeper refused to delete " + path + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new BehindTheBack.Outcome(false, "interrupted");
        }
    }

    /**
     * Makes the server expire a live session now: attaches to it and closes it.
     *
     * @throws IllegalStateException if the server cannot be reached or does not know the session
     */
    static void expire(String connectString, long sessionId, byte[] password, Duration timeout)
            throws InterruptedException {
        connect(connectString, sessionId, password, timeout).close();
    }

    private static ZooKeeper connect(String connectString, long sessionId, byte[] password, Duration timeout)
            throws InterruptedException {
        CompletableFuture<KeeperState> state = new CompletableFuture<>();
        ZooKeeper zk;
        try {
            zk = new ZooKeeper(
                    connectString,
                    (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()),
                    event -> {
                        KeeperState s = event.getState();
                        if (s == KeeperState.SyncConnected || s == KeeperState.Expired) {
                            state.complete(s);
                        }
                    },
                    sessionId,
                    password);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot connect to ZooKeeper at " + connectString + ": " + e, e);
        }
        try {
            KeeperState s = state.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (s == KeeperState.Expired) {
                throw new IllegalStateException(
                        "ZooKeeper at " + connectString + " does not know session 0x" + Long.toHexString(sessionId));
            }
            return zk;
        } catch (TimeoutException | ExecutionException e) {
            zk.close();
            throw new IllegalStateException(
                    "ZooKeeper at " + connectString + " did not answer within " + Durations.format(timeout), e);
        } catch (IllegalStateException | InterruptedException e) {
            zk.close();
            throw e;
        }
    }
}
