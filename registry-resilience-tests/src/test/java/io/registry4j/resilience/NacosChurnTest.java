package io.registry4j.resilience;

import static io.registry4j.resilience.Scenarios.bound;
import static org.awaitility.Awaitility.await;

import com.alibaba.nacos.api.naming.NamingFactory;
import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.pojo.Instance;
import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.NacosServer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link ChurnScenario} on the shared Nacos server; truth read with a plain Nacos SDK client, server side: the
 * server's clients (one per SDK connection).
 */
@ExtendWith(SharedServers.class)
class NacosChurnTest extends ChurnScenario {
    @Override
    String backend() {
        return "nacos";
    }

    @Override
    Server start() {
        NacosServer nacos = SharedServers.nacos().server;
        // A first registry starts what the SDK shares across the JVM and keeps to its end (event publishers, gRPC's
        // event loop), as in registry-nacos' NacosThreadsTest: the scenario's thread baseline comes after it, and its
        // server-side baseline after the server has dropped the warm-up's connection.
        int clientsBefore = clients(nacos);
        try (ServiceRegistry warmUp = NacosSupport.registry(nacos.serverAddr())) {
            warmUp.getService("churn-warm-up");
        }
        await("the server to drop the warm-up registry's connection")
                .atMost(bound(Duration.ofSeconds(30)))
                .until(() -> clients(nacos) <= clientsBefore);
        return new Server() {
            @Override
            public String address() {
                return nacos.serverAddr();
            }

            @Override
            public Map<String, Set<String>> stored(List<String> services) throws Exception {
                Properties p = new Properties();
                p.setProperty("serverAddr", nacos.serverAddr());
                p.setProperty("JM.SNAPSHOT.PATH", NacosSupport.SDK_DIRECTORY.toString());
                NamingService naming = NamingFactory.createNamingService(p);
                try {
                    Map<String, Set<String>> out = new LinkedHashMap<>();
                    for (String service : services) {
                        Set<String> ids = new TreeSet<>();
                        // Kratos' layout: <name>.<scheme>; the registry's id is in the instance's metadata.
                        for (Instance instance : naming.getAllInstances(service + ".grpc", false)) {
                            ids.add(instance.getMetadata().get("registry4j.id"));
                        }
                        out.put(service, ids);
                    }
                    return out;
                } finally {
                    naming.shutDown();
                }
            }

            @Override
            public Map<String, Integer> serverSide() {
                Map<String, Integer> out = new LinkedHashMap<>();
                out.put("clients", clients(nacos));
                return out;
            }

            @Override
            public void close() {
                // Shared with the partition scenario; closed when the run ends.
            }
        };
    }

    @Override
    ServiceRegistry open(String address) {
        return NacosSupport.registry(address);
    }

    /** The server's clients: one per SDK connection. */
    private static int clients(NacosServer nacos) {
        String body = NacosSupport.get(NacosSupport.clients(nacos));
        int start = body.indexOf("\"data\":[");
        int end = body.indexOf(']', start);
        String data = start < 0 || end < 0 ? "" : body.substring(start + 8, end).strip();
        return data.isEmpty() ? 0 : data.split(",", -1).length;
    }
}
