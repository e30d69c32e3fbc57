package io.registry4j.resilience;

import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.LoopbackPorts;
import io.registry4j.testservers.NacosServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@link DegradedLinkScenario} on the shared Nacos server. The SDK derives the gRPC port from the HTTP port (+1000),
 * so the proxies come in a pair, on Q and Q+1000, in front of the server's HTTP and gRPC ports; the toxics go on both.
 */
class NacosDegradedLinkTest extends DegradedLinkScenario {
    private static final int ATTEMPTS = 20;

    /** The SDK property of how long its connection may be idle before the SDK checks it: 5 s by default. */
    static final String CONNECTION_CHECK_PROPERTY = "nacos.remote.client.grpc.connect.keep.alive";

    /** The SDK property of how often a failed connection check is tried again before giving up: 3 by default. */
    static final String CHECK_RETRIES_PROPERTY = "nacos.remote.client.grpc.health.retry";

    /**
     * The degraded registries check an idle connection after 2 s instead of 5 s and give it up after 2 failed checks
     * instead of 4, so that a stuck link is noticed in about 10 s instead of 17–23 s and the scenario stays short.
     * Each check keeps the SDK's 3 s timeout, above the 2.4 s worst round trip of the latency test, so a slow link is
     * never taken for a stuck one.
     */
    static final Duration CONNECTION_CHECK = Duration.ofSeconds(2);

    static final int CHECK_RETRIES = 1;

    @Override
    String backend() {
        return "nacos";
    }

    @Override
    Server startServer() {
        return new NacosSupport.ServerAdapter(SharedServers.nacos().server);
    }

    @Override
    List<Route> routes(Server server) {
        NacosServer nacos = SharedServers.nacos().server;
        String host = URI.create("nacos://" + nacos.serverAddr()).getHost();
        return List.of(
                new Route("nacos-http", host + ":" + nacos.port()),
                new Route("nacos-grpc", host + ":" + nacos.grpcPort()));
    }

    @Override
    String createProxies(ToxiproxyClient toxiproxy, List<Route> routes, List<Proxy> created) throws IOException {
        String host = LoopbackPorts.host();
        IOException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = LoopbackPorts.freePort();
            int grpcPort = port + NacosServer.GRPC_PORT_OFFSET;
            if (grpcPort > 65_535 || LoopbackPorts.isStandardPort(grpcPort) || !free(grpcPort)) {
                continue;
            }
            Proxy http = toxiproxy.createProxy(
                    routes.get(0).name(), host + ":" + port, routes.get(0).upstream());
            try {
                created.add(toxiproxy.createProxy(
                        routes.get(1).name(),
                        host + ":" + grpcPort,
                        routes.get(1).upstream()));
                created.add(0, http);
                return host + ":" + port;
            } catch (IOException taken) {
                // Another process took Q+1000 since the check: try another pair.
                last = taken;
                http.delete();
            }
        }
        throw new IOException("no free pair of loopback ports Q, Q+1000 for the Nacos proxies", last);
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket(port, 0, LoopbackPorts.address())) {
            return socket.getLocalPort() == port;
        } catch (IOException taken) {
            return false;
        }
    }

    @Override
    ServiceRegistry openDirect(String address) {
        return NacosSupport.registry(address);
    }

    @Override
    ServiceRegistry openDegraded(String address) {
        return NacosSupport.registry(
                address,
                Duration.ofSeconds(DEGRADED_CALL_SECONDS),
                Map.of(
                        CONNECTION_CHECK_PROPERTY,
                        Long.toString(CONNECTION_CHECK.toMillis()),
                        CHECK_RETRIES_PROPERTY,
                        Integer.toString(CHECK_RETRIES)));
    }

    @Override
    boolean ownerLosesWhileStopped() {
        // The SDK reports a connection's end only once it has made a new one.
        return false;
    }

    @Override
    String staleBound() {
        return "the SDK checks a connection idle for " + CONNECTION_CHECK.toSeconds() + " s here (5 s by default) with "
                + "a server check (3 s timeout), gives it up after " + (CHECK_RETRIES + 1) + " failed checks (4 by "
                + "default) and reconnects; the registry polls the SDK's state every 1 s";
    }

    @Override
    String lossBound() {
        return "the SDK reports the stuck connection's end once it has a new one after the toxic is removed (LOST); "
                + "the registry writes the instances on the new connection at once (RESTORED)";
    }

    @Override
    Duration renewalPeriod() {
        // The SDK checks its connection once it has been idle for CONNECTION_CHECK; one check takes a round trip.
        return CONNECTION_CHECK.plusSeconds(3);
    }

    @Override
    long bandwidthKb() {
        return 64;
    }
}
