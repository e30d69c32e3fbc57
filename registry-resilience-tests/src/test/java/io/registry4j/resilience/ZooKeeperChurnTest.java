package io.registry4j.resilience;

import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.ZooKeeperServer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@link ChurnScenario} on ZooKeeper; server side: client connections (one per session) and nodes. */
class ZooKeeperChurnTest extends ChurnScenario {
    private static final Pattern CONNECTIONS = Pattern.compile("(?m)^Connections:\\s*(\\d+)");

    @Override
    String backend() {
        return "zookeeper";
    }

    @Override
    Server start() {
        ZooKeeperServer zookeeper = ZooKeeperServer.start();
        return new Server() {
            @Override
            public String address() {
                return zookeeper.connectString();
            }

            @Override
            public Map<String, Set<String>> stored(List<String> services) throws Exception {
                Map<String, Set<String>> out = new LinkedHashMap<>();
                for (String service : services) {
                    out.put(service, new TreeSet<>(ZooKeeperSupport.storedIds(zookeeper.connectString(), service)));
                }
                return out;
            }

            @Override
            public Map<String, Integer> serverSide() throws Exception {
                String first = zookeeper.connectString().split(",", -1)[0];
                int colon = first.lastIndexOf(':');
                String answer;
                try (Socket socket = new Socket()) {
                    socket.connect(
                            new InetSocketAddress(
                                    first.substring(0, colon), Integer.parseInt(first.substring(colon + 1))),
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

            @Override
            public void close() {
                zookeeper.close();
            }
        };
    }

    private static int group(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        if (!matcher.find()) {
            throw new IllegalStateException("ZooKeeper's srvr answer has no " + pattern.pattern() + ": " + text);
        }
        return Integer.parseInt(matcher.group(1));
    }

    @Override
    ServiceRegistry open(String address) {
        return ZooKeeperSupport.registry(address);
    }
}
