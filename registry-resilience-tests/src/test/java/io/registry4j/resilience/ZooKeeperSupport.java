package io.registry4j.resilience;

import io.registry4j.testservers.ZooKeeperServer;
import io.registry4j.zookeeper.ZooKeeperRegistry;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;

/**
 * ZooKeeper helpers of the scenarios: registries with short sessions, the raw view of what ZooKeeper stores, and the
 * server as the scenarios see it.
 */
final class ZooKeeperSupport {
    static final String ROOT = "/microservices";

    /** The session timeout the scenarios ask for; the test servers grant up to 2 s. */
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(2);

    private ZooKeeperSupport() {}

    /** A registry with a short session, short calls and the fast backoff. */
    static ZooKeeperRegistry registry(String connectString) {
        return ZooKeeperRegistry.builder()
                .connectString(connectString)
                .sessionTimeout(SESSION_TIMEOUT)
                .connectionTimeout(Duration.ofSeconds(2))
                .callTimeout(Duration.ofSeconds(3))
                .backoff(Scenarios.FAST)
                .build();
    }

    /** A plain Curator client, started, as another process would have. */
    static CuratorFramework plainClient(String connectString) throws InterruptedException {
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .sessionTimeoutMs((int) SESSION_TIMEOUT.toMillis())
                .connectionTimeoutMs(3000)
                .retryPolicy(new RetryOneTime(100))
                .build();
        client.start();
        client.blockUntilConnected();
        return client;
    }

    /** The children of {@code <root>/<service>}, read with a plain client. */
    static List<String> storedIds(String connectString, String service) throws Exception {
        try (CuratorFramework client = plainClient(connectString)) {
            return client.getChildren().forPath(ROOT + "/" + service);
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
    }

    /** The session of the node of instance {@code id} of {@code service}, read with a plain client; null if none. */
    static @Nullable String holder(String connectString, String service, String id) throws Exception {
        try (CuratorFramework client = plainClient(connectString)) {
            Stat stat = client.checkExists().forPath(ROOT + "/" + service + "/" + id);
            return stat == null ? null : "session " + Long.toHexString(stat.getEphemeralOwner());
        }
    }

    /**
     * One ZooKeeper server as the churn and garbage scenarios see it: its address, and what it holds, read and written
     * with a plain Curator client (and its {@code srvr} command). Closing it stops the server.
     */
    static final class ServerAdapter implements ChurnScenario.Server, GarbageScenario.Server {
        private static final Pattern CONNECTIONS = Pattern.compile("(?m)^Connections:\\s*(\\d+)");

        private final ZooKeeperServer zookeeper;

        ServerAdapter(ZooKeeperServer zookeeper) {
            this.zookeeper = zookeeper;
        }

        @Override
        public String address() {
            return zookeeper.connectString();
        }

        @Override
        public Map<String, Set<String>> stored(List<String> services) throws Exception {
            Map<String, Set<String>> out = new LinkedHashMap<>();
            for (String service : services) {
                out.put(service, new TreeSet<>(storedIds(zookeeper.connectString(), service)));
            }
            return out;
        }

        /** Client connections (one per session), from the {@code srvr} command. */
        @Override
        public Map<String, Integer> serverSide() throws Exception {
            String first = zookeeper.connectString().split(",", -1)[0];
            int colon = first.lastIndexOf(':');
            String answer;
            try (Socket socket = new Socket()) {
                socket.connect(
                        new InetSocketAddress(first.substring(0, colon), Integer.parseInt(first.substring(colon + 1))),
                        2000);
                socket.setSoTimeout(2000);
                socket.getOutputStream().write("srvr".getBytes(StandardCharsets.US_ASCII));
                InputStream in = socket.getInputStream();
                answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Map<String, Integer> out = new LinkedHashMap<>();
            // The srvr connection itself is counted; it is there at baseline too.
            out.put("connections", group(CONNECTIONS, answer));
            return out;
        }

        private static int group(Pattern pattern, String text) {
            Matcher matcher = pattern.matcher(text);
            if (!matcher.find()) {
                throw new IllegalStateException("ZooKeeper's srvr answer has no " + pattern.pattern() + ": " + text);
            }
            return Integer.parseInt(matcher.group(1));
        }

        @Override
        public void writeGarbage(List<byte[]> values) throws Exception {
            try (CuratorFramework client = plainClient(zookeeper.connectString())) {
                List<CuratorOp> creates = new ArrayList<>(values.size());
                for (int i = 0; i < values.size(); i++) {
                    creates.add(client.transactionOp()
                            .create()
                            .forPath(ROOT + "/" + GarbageScenario.SERVICE + "/g-" + i, values.get(i)));
                }
                client.transaction().forOperations(creates);
            }
        }

        @Override
        public void close() {
            zookeeper.close();
        }
    }
}
