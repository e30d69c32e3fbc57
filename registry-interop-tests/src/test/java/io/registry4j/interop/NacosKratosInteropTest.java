package io.registry4j.interop;

import com.alibaba.nacos.api.PropertyKeyConst;
import com.alibaba.nacos.api.exception.NacosException;
import com.alibaba.nacos.api.naming.NamingFactory;
import com.alibaba.nacos.api.naming.NamingService;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.nacos.NacosLayout;
import io.registry4j.nacos.NacosRegistry;
import io.registry4j.testservers.KratosPeer;
import io.registry4j.testservers.KratosPeer.Instance;
import io.registry4j.testservers.KratosPeer.ResolvedAddress;
import io.registry4j.testservers.NacosServer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/**
 * Nacos: registry4j and Kratos' own Nacos registry ({@code contrib/registry/nacos/v2} on {@code nacos-sdk-go} v1, as
 * the Kratos peer runs it) on a real Nacos 3.1 server, both directions.
 *
 * <p>What each side reads is what Kratos' layout allows. Kratos writes each endpoint as a Nacos instance of the service
 * {@code <name>.<scheme>} with the metadata keys {@code kind} and {@code version}, and keeps no instance id: its
 * {@code GetService} and {@code Watch} return one instance per Nacos instance, with the Nacos instance id
 * ({@code ip#port#cluster#group@@<name>.<scheme>}), the Nacos service name, the whole metadata and the endpoint
 * {@code kind://ip:port}. So:
 *
 * <ul>
 *   <li>Kratos → registry4j: the instance with two endpoints is read, as Kratos itself reads it, as two instances of
 *       the logical name, one per endpoint, each with the Nacos instance id, the version and the metadata as written
 *       ({@code kind} and {@code version} included);
 *   <li>registry4j → Kratos: registry4j writes Kratos' layout by default, so a Kratos client dialing
 *       {@code discovery:///<name>} asks for {@code <name>.grpc} and gets the grpc endpoint with the version, the user
 *       metadata, {@code kind}, {@code version}, and registry4j's own keys (Kratos returns every key), and its gRPC
 *       resolver dials that endpoint.
 * </ul>
 *
 * <p>Liveness differs by side: registry4j's ephemeral instances live as long as its gRPC connection (process death is
 * the connection closing: at once); Kratos' v1 client keeps its ephemeral instances by HTTP heartbeat, so after its
 * process dies the server marks them unhealthy after 15 s, and registry4j's healthy-only watchers drop them then.
 */
@DisplayName("Nacos interop with Kratos' own Nacos registry, on a real Nacos 3.1 server")
class NacosKratosInteropTest extends KratosInteropContract {
    private static final String GROUP = NacosRegistry.DEFAULT_GROUP;
    private static final String CLUSTER = NacosRegistry.DEFAULT_CLUSTER;
    private static final Path SDK_DIRECTORY = Path.of("target", "nacos-sdk").toAbsolutePath();

    private @Nullable NacosServer server;

    @BeforeAll
    void startServer() {
        server = NacosServer.start();
    }

    @AfterAll
    void stopServer() {
        NacosServer s = server;
        server = null;
        if (s != null) {
            s.close();
        }
    }

    private NacosServer server() {
        return Objects.requireNonNull(server, "server");
    }

    @Override
    protected KratosPeer.Backend kratosBackend() {
        // Without it, nacos-sdk-go ignores a list that became empty, and no Kratos watcher ever sees the last
        // instance of a service leave (whoever registered it); see the peer's README.
        return KratosPeer.Backend.nacos(server(), "--nacos-update-cache-when-empty");
    }

    @Override
    protected Registry4jProcess openRegistry4j() {
        Properties p = new Properties();
        p.setProperty(PropertyKeyConst.SERVER_ADDR, server().serverAddr());
        p.setProperty("JM.SNAPSHOT.PATH", SDK_DIRECTORY.toString());
        p.setProperty(PropertyKeyConst.NAMING_PUSH_EMPTY_PROTECTION, "false");
        NamingService client;
        try {
            client = NamingFactory.createNamingService(p);
        } catch (NacosException e) {
            throw new IllegalStateException("creating a Nacos client for " + server().serverAddr() + " failed", e);
        }
        // The registry's own client, handed in so that the test can end it as a dying process would.
        NacosRegistry registry = NacosRegistry.builder().namingService(client).build();
        if (registry.layout() != NacosLayout.KRATOS) {
            throw new IllegalStateException("the default layout must be Kratos', got " + registry.layout());
        }
        return new Registry4jProcess() {
            private boolean clientDown;

            @Override
            public ServiceRegistry registry() {
                return registry;
            }

            @Override
            public void die() {
                // The process' gRPC connection closes without any deregistration: the server drops the
                // connection's ephemeral instances, as it does when the JVM exits.
                shutDownClient();
            }

            @Override
            public void close() {
                try {
                    registry.close();
                } finally {
                    shutDownClient();
                }
            }

            private void shutDownClient() {
                if (!clientDown) {
                    clientDown = true;
                    try {
                        client.shutDown();
                    } catch (NacosException e) {
                        throw new IllegalStateException("shutting the Nacos client down failed", e);
                    }
                }
            }
        };
    }

    /** Kratos' v1 client: 15 s without heartbeat until unhealthy, the server's check every 5 s, then the push. */
    @Override
    protected Duration deathTimeout() {
        return scaled(Duration.ofSeconds(45));
    }

    /** Kratos' v1 client refreshes a subscribed service every 10 s when no push reaches it. */
    @Override
    protected Duration changeTimeout() {
        return scaled(Duration.ofSeconds(30));
    }

    /** A Kratos client dialing {@code discovery:///<name>} reads {@code <name>.grpc}. */
    @Override
    protected String kratosServiceName(String name) {
        return name + ".grpc";
    }

    @Override
    protected List<Instance> expectedInKratos(Instance registeredByRegistry4j) {
        Instance x = registeredByRegistry4j;
        URI grpc = URI.create(grpcEndpoint(x));
        List<String> endpoints = Objects.requireNonNull(x.endpoints());
        Map<String, String> metadata = new LinkedHashMap<>(Objects.requireNonNullElse(x.metadata(), Map.of()));
        metadata.put("kind", "grpc");
        metadata.put("version", x.version());
        metadata.put("registry4j.id", x.id());
        metadata.put("registry4j.version", x.version());
        metadata.put("registry4j.scheme", "grpc");
        metadata.put("registry4j.kratos", "true");
        if (endpoints.size() > 1) {
            metadata.put("registry4j.index", Integer.toString(endpoints.indexOf(grpc.toString())));
            metadata.put("registry4j.count", Integer.toString(endpoints.size()));
        }
        String service = x.name() + ".grpc";
        return List.of(new Instance(
                nacosInstanceId(grpc, service),
                GROUP + "@@" + service,
                x.version(),
                metadata,
                List.of(grpc.toString())));
    }

    @Override
    protected List<ServiceInstance> expectedInRegistry4j(Instance registeredByKratos) {
        Instance k = registeredByKratos;
        List<ServiceInstance> out = new ArrayList<>();
        for (String endpoint : Objects.requireNonNull(k.endpoints())) {
            URI uri = URI.create(endpoint);
            Map<String, String> metadata = new LinkedHashMap<>(Objects.requireNonNullElse(k.metadata(), Map.of()));
            metadata.put("kind", uri.getScheme());
            metadata.put("version", k.version());
            out.add(new ServiceInstance(
                    nacosInstanceId(uri, k.name() + "." + uri.getScheme()),
                    k.name(),
                    k.version(),
                    metadata,
                    List.of(uri)));
        }
        return out;
    }

    @Override
    protected List<ResolvedAddress> expectedResolved(Instance registeredByRegistry4j) {
        // Kratos' resolver names the address after the instance, whose name is the grouped Nacos service.
        return List.of(new ResolvedAddress(
                grpcAddress(registeredByRegistry4j), GROUP + "@@" + registeredByRegistry4j.name() + ".grpc"));
    }

    private static String grpcEndpoint(Instance x) {
        return Objects.requireNonNull(x.endpoints()).stream()
                .filter(e -> e.startsWith("grpc://"))
                .findFirst()
                .orElseThrow();
    }

    /** The id Nacos gives an instance, which is Kratos' id of it: {@code ip#port#cluster#group@@service}. */
    private static String nacosInstanceId(URI endpoint, String service) {
        return endpoint.getHost() + "#" + endpoint.getPort() + "#" + CLUSTER + "#" + GROUP + "@@" + service;
    }
}
