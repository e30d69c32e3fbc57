package io.registry4j.resilience;

import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Another process holding a registration, for {@link PauseScenario}: it opens a registry, registers one instance and
 * prints every registration state change as a line {@code STATE <state> <cause>}, until it is stopped (its shutdown
 * hook closes the registry). The test suspends it with SIGSTOP and continues it with SIGCONT.
 *
 * <p>Arguments: {@code etcd|zookeeper <address> <service> <id> <version>}.
 */
public final class PausablePeer {
    private PausablePeer() {}

    public static void main(String[] args) throws InterruptedException {
        String backend = args[0];
        String address = args[1];
        ServiceRegistry registry = switch (backend) {
            case "etcd" -> EtcdSupport.registry(address, PauseScenario.TTL);
            case "zookeeper" -> ZooKeeperSupport.registry(address);
            default -> throw new IllegalArgumentException("backend must be etcd or zookeeper, not " + backend);
        };
        Runtime.getRuntime().addShutdownHook(new Thread(registry::close, "pausable-peer-close"));
        registry.addRegistrationListener(Runnable::run, event -> {
            Throwable cause = event.cause();
            System.out.println("STATE " + event.state() + " " + (cause == null ? "" : cause.getMessage()));
            System.out.flush();
        });
        ServiceInstance instance = ServiceInstance.builder()
                .id(args[3])
                .name(args[2])
                .version(args[4])
                .metadata(Map.of("owner", "peer"))
                .endpoint("grpc://10.0.0.9:9000")
                .build();
        registry.register(instance);
        System.out.println("STATE REGISTERED-RETURNED " + Duration.ZERO);
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
