package io.registry4j.zookeeper.internal;

import io.registry4j.spi.RegistryThreads;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.utils.ZookeeperFactory;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.admin.ZooKeeperAdmin;
import org.apache.zookeeper.client.ZKClientConfig;
import org.jspecify.annotations.Nullable;

/**
 * Creates Curator's ZooKeeper handles on a short-lived thread named {@code registry4j-zookeeper-client-<n>}.
 *
 * <p>Why: the ZooKeeper client names its two threads (I/O and event delivery) after the thread that constructs the
 * handle, and Curator constructs it on whatever thread starts the client or notices an expired session: a user's
 * thread, or ZooKeeper's own event thread. Constructing it here gives them the library's names,
 * {@code registry4j-zookeeper-client-<n>-SendThread(host:port)} and {@code registry4j-zookeeper-client-<n>-EventThread},
 * so they are recognisable, and checkable for leaks, as the registry's. The constructor does no network I/O, so the
 * wait is short. Thread-safe.
 */
public final class NamedZooKeeperFactory implements ZookeeperFactory {
    private final ThreadFactory threads = RegistryThreads.factory(ZooKeeperCalls.BACKEND, "client");

    /** Creates the factory. */
    public NamedZooKeeperFactory() {}

    @Override
    public ZooKeeper newZooKeeper(String connectString, int sessionTimeout, Watcher watcher, boolean canBeReadOnly)
            throws Exception {
        return newZooKeeper(connectString, sessionTimeout, watcher, canBeReadOnly, null);
    }

    @Override
    public ZooKeeper newZooKeeper(
            String connectString,
            int sessionTimeout,
            Watcher watcher,
            boolean canBeReadOnly,
            @Nullable ZKClientConfig config)
            throws Exception {
        AtomicReference<@Nullable ZooKeeper> created = new AtomicReference<>();
        AtomicReference<@Nullable Exception> failed = new AtomicReference<>();
        Thread t = threads.newThread(() -> {
            try {
                created.set(
                        config == null
                                ? new ZooKeeperAdmin(connectString, sessionTimeout, watcher, canBeReadOnly)
                                : new ZooKeeperAdmin(connectString, sessionTimeout, watcher, canBeReadOnly, config));
            } catch (Exception e) {
                failed.set(e);
            }
        });
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the handle must not be left half-made: finish, then restore the flag
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Exception e = failed.get();
        if (e != null) {
            throw e;
        }
        ZooKeeper zk = created.get();
        if (zk == null) {
            throw new IllegalStateException("creating the ZooKeeper handle for " + connectString + " failed");
        }
        return zk;
    }
}
