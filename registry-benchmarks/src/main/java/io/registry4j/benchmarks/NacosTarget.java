package io.registry4j.benchmarks;

import com.alibaba.nacos.api.PropertyKeyConst;
import com.alibaba.nacos.api.exception.NacosException;
import com.alibaba.nacos.api.naming.NamingFactory;
import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.listener.EventListener;
import com.alibaba.nacos.api.naming.listener.NamingEvent;
import com.alibaba.nacos.api.naming.pojo.Instance;
import io.registry4j.ServiceRegistry;
import io.registry4j.nacos.NacosRegistry;
import io.registry4j.testservers.NacosServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.IntConsumer;

/**
 * Nacos: a real Nacos 3.1 server in a child JVM; the anchor is the Nacos SDK's {@link NamingService} writing and
 * reading Kratos' layout (the service {@code <name>.grpc}), as registry4j does by default.
 */
final class NacosTarget implements Target {
    private static final String GROUP = NacosRegistry.DEFAULT_GROUP;

    private final NacosServer server;
    private final NamingService probe;

    NacosTarget() throws Exception {
        server = NacosServer.start();
        probe = naming(server.serverAddr());
    }

    static ServiceRegistry open(String address) {
        return NacosRegistry.builder()
                .serverAddresses(address)
                .sdkDirectory(sdkDirectory())
                .build();
    }

    static Path sdkDirectory() {
        return Path.of(System.getProperty("java.io.tmpdir"), "registry4j-bench-nacos");
    }

    static NamingService naming(String address) throws Exception {
        Files.createDirectories(sdkDirectory());
        Properties p = new Properties();
        p.setProperty(PropertyKeyConst.SERVER_ADDR, address);
        p.setProperty("JM.SNAPSHOT.PATH", sdkDirectory().toString());
        p.setProperty(PropertyKeyConst.NAMING_PUSH_EMPTY_PROTECTION, "false");
        return NamingFactory.createNamingService(p);
    }

    static String nacosService(String service) {
        return service + ".grpc";
    }

    static Instance instance(String service, int i) {
        Instance instance = new Instance();
        instance.setIp(Instances.HOST);
        instance.setPort(Instances.port(i));
        instance.setWeight(100);
        instance.setEphemeral(true);
        instance.setHealthy(true);
        instance.setMetadata(
                Map.of("kind", "grpc", "version", "v1.0.0", "zone", "zone-a", "weight", "100", "env", "bench"));
        return instance;
    }

    @Override
    public String backend() {
        return "Nacos";
    }

    @Override
    public String address() {
        return server.serverAddr();
    }

    @Override
    public ServiceRegistry openRegistry() {
        return open(address());
    }

    @Override
    public Sdk openSdk() throws Exception {
        return new NamingSdk(naming(address()));
    }

    @Override
    public String registerAnchor() {
        return "NamingService.registerInstance";
    }

    @Override
    public String watchAnchor() {
        return "NamingService.subscribe";
    }

    @Override
    public String readAnchor() {
        return "NamingService.getAllInstances(subscribe=false)";
    }

    @Override
    public boolean fastPropagation() {
        return false;
    }

    @Override
    public List<Integer> readSizes(Profile profile) {
        return List.of(1_000, 10_000);
    }

    @Override
    public long serverResidue(String service) throws Exception {
        return (long) probe.getAllInstances(nacosService(service), GROUP, false).size()
                + probe.getAllInstances(service, GROUP, false).size();
    }

    @Override
    public long serverWatches() {
        return -1;
    }

    @Override
    public void close() {
        try {
            probe.shutDown();
        } catch (NacosException e) {
            System.err.println("closing the Nacos probe: " + e);
        }
        server.close();
    }

    private static final class NamingSdk implements Sdk {
        private final NamingService naming;

        NamingSdk(NamingService naming) {
            this.naming = naming;
        }

        @Override
        public void register(String service, int i) throws Exception {
            naming.registerInstance(nacosService(service), GROUP, instance(service, i));
        }

        @Override
        public void deregister(String service, int i) throws Exception {
            naming.deregisterInstance(nacosService(service), GROUP, instance(service, i));
        }

        @Override
        public AutoCloseable watch(String service, IntConsumer visible) throws Exception {
            EventListener listener = event -> {
                if (event instanceof NamingEvent naming) {
                    for (Instance instance : naming.getInstances()) {
                        visible.accept(instance.getPort() - 10_000);
                    }
                }
            };
            naming.subscribe(nacosService(service), GROUP, listener);
            return () -> naming.unsubscribe(nacosService(service), GROUP, listener);
        }

        @Override
        public void seed(String service, int n) throws Exception {
            List<Instance> instances = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                instances.add(instance(service, i));
            }
            naming.batchRegisterInstance(nacosService(service), GROUP, instances);
        }

        @Override
        public int read(String service) throws Exception {
            return naming.getAllInstances(nacosService(service), GROUP, false).size();
        }

        @Override
        public void close() {
            try {
                naming.shutDown();
            } catch (NacosException e) {
                System.err.println("closing a Nacos client: " + e);
            }
        }
    }
}
