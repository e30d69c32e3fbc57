package io.registry4j.polaris;

import static org.assertj.core.api.Assertions.assertThat;

import com.tencent.polaris.api.rpc.GetAllInstancesRequest;
import com.tencent.polaris.api.rpc.InstanceDeregisterRequest;
import com.tencent.polaris.api.rpc.InstanceRegisterRequest;
import com.tencent.polaris.client.api.SDKContext;
import io.registry4j.Backoff;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.polaris.internal.PolarisSdk;
import io.registry4j.spi.Scheduler;
import io.registry4j.testkit.Capabilities;
import io.registry4j.testkit.Fault;
import io.registry4j.testkit.Faults;
import io.registry4j.testkit.InjectedClient;
import io.registry4j.testkit.RegistryCompatibilityKit;
import io.registry4j.testservers.PolarisServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.ExtendWith;

/** The whole compatibility kit against a real Polaris 1.18 server built from its Go module, faults included. */
@DisplayName("PolarisRegistry on a real Polaris 1.18 server: compatibility kit")
@ExtendWith(SharedPolarisServer.class)
class PolarisRegistryCompatibilityTest extends RegistryCompatibilityKit {

    @Override
    protected ServiceRegistry newRegistry() {
        return SharedPolarisServer.registry().build();
    }

    @Override
    protected ServiceRegistry newRegistryWithBackoff(Backoff backoff) {
        return SharedPolarisServer.registry().backoff(backoff).build();
    }

    @Override
    protected ServiceRegistry newRegistryWithBackoff(Backoff backoff, Scheduler scheduler) {
        return SharedPolarisServer.registry()
                .backoff(backoff)
                .scheduler(scheduler)
                .build();
    }

    @Override
    protected Capabilities capabilities() {
        PolarisServer server = SharedPolarisServer.server();
        Capabilities.Builder b = Capabilities.builder()
                // The SDK polls every 2 s and the server refreshes its cache every second; the rest is margin for a
                // busy 2-core machine.
                .propagation(Duration.ofSeconds(10))
                // The server answers "not found" to the fourth heartbeat (2 s TTL here) for an instance it does not
                // hold, and the registry's cache check sees the loss within a few 2 s polls; then the keeper registers
                // again. Margin for a loaded 2-core machine. (A removed instance that was never reported lost, 3 in 18
                // loaded kit runs, was Polaris' boltdb store not stamping deletions for its instance cache: mended in
                // the test server, servers/polaris/store.go.)
                .reRegistration(Duration.ofSeconds(45))
                .supports(Fault.SESSION_EXPIRY, Fault.DELETE_BEHIND_BACK, Fault.GARBAGE_ENTRY, Fault.WATCH_COUNT)
                .unsupported(
                        Fault.DROP_WATCH,
                        "the Polaris SDK has no long-lived watch stream to drop: it polls the Discover stream of each "
                                + "cached service every 2 s, and a failed poll is simply repeated")
                .unsupported(
                        Fault.LATE_UPDATE,
                        "the Polaris SDK has no watch stream that could be replaced: it polls each cached service with "
                                + "one request at a time, and the test cannot hold a poll's answer back");
        if (server.supportsRestart()) {
            b.supports(Fault.SERVER_RESTART);
        } else {
            b.unsupported(
                    Fault.SERVER_RESTART,
                    "the Polaris server comes from REGISTRY4J_TEST_POLARIS and the harness cannot restart it");
        }
        return b.build();
    }

    @Override
    protected Faults faults() {
        PolarisServer server = SharedPolarisServer.server();
        return new Faults() {
            @Override
            public void stopServer() {
                server.stop();
            }

            @Override
            public void startServer() {
                // Back with an empty store: every instance must be registered again by its registry.
                server.restartWiped();
            }

            @Override
            public void expireSession(ServiceRegistry registry) {
                // Polaris has no session: the server drops an instance whose heartbeats stopped (its cleanup job) or
                // that an operator removed, and then refuses the registry's heartbeats for it with "not found".
                PolarisRegistry r = (PolarisRegistry) registry;
                try (PolarisSdk other = SharedPolarisServer.plainSdk()) {
                    for (ServiceInstance instance : r.registeredInstances()) {
                        deregisterAll(other, r.namespace(), instance);
                    }
                }
            }

            @Override
            public void deleteBehindBack(ServiceRegistry registry, ServiceInstance instance) {
                PolarisRegistry r = (PolarisRegistry) registry;
                try (PolarisSdk other = SharedPolarisServer.plainSdk()) {
                    deregisterAll(other, r.namespace(), instance);
                }
            }

            @Override
            @SuppressWarnings("deprecation") // a plain registration without the SDK's heartbeat loop
            public void writeGarbage(String service, String id) {
                try (PolarisSdk other = SharedPolarisServer.plainSdk()) {
                    InstanceRegisterRequest r = new InstanceRegisterRequest();
                    r.setNamespace(PolarisRegistry.DEFAULT_NAMESPACE);
                    r.setService(service);
                    r.setHost("127.0.0.1");
                    r.setPort(19999);
                    r.setProtocol("grpc");
                    r.setMetadata(Map.of("registry4j.id", id, "registry4j.index", "not a number"));
                    other.provider().register(r);
                }
            }

            @Override
            public void removeGarbage(String service, String id) {
                try (PolarisSdk other = SharedPolarisServer.plainSdk()) {
                    deregister(other, PolarisRegistry.DEFAULT_NAMESPACE, service, "127.0.0.1", 19999);
                }
            }
        };
    }

    private static void deregisterAll(PolarisSdk sdk, String namespace, ServiceInstance instance) {
        for (URI endpoint : instance.endpoints()) {
            String host =
                    Objects.requireNonNull(endpoint.getHost()).replace("[", "").replace("]", "");
            deregister(sdk, namespace, instance.name(), host, endpoint.getPort());
        }
    }

    private static void deregister(PolarisSdk sdk, String namespace, String service, String host, int port) {
        InstanceDeregisterRequest d = new InstanceDeregisterRequest();
        d.setNamespace(namespace);
        d.setService(service);
        d.setHost(host);
        d.setPort(port);
        sdk.provider().deRegister(d);
    }

    @Override
    protected String takeoverUndetectable() {
        return "Polaris keys an instance by namespace, service, host and port, not by registry4j's id, and has no "
                + "owner: a second client registering the same endpoints updates the same Polaris instances";
    }

    @Override
    protected InjectedClient newRegistryOnInjectedClient() {
        SDKContext context = SDKContext.initContextByConfig(PolarisSdk.configuration(
                List.of(SharedPolarisServer.server().grpcAddress()),
                Duration.ofSeconds(5),
                SharedPolarisServer.SDK_DIRECTORY,
                false));
        PolarisRegistry registry = PolarisRegistry.builder()
                .sdkContext(context)
                .ttl(SharedPolarisServer.TTL)
                .callTimeout(Duration.ofSeconds(5))
                .build();
        return new InjectedClient() {
            @Override
            public ServiceRegistry registry() {
                return registry;
            }

            @Override
            public void assertClientUsable() {
                PolarisSdk probe = PolarisSdk.on(context);
                assertThat(probe.consumer()
                                .getAllInstances(GetAllInstancesRequest.builder()
                                        .namespace(PolarisRegistry.DEFAULT_NAMESPACE)
                                        .service("registry4j-injected-probe")
                                        .build())
                                .getInstances())
                        .isEmpty();
            }

            @Override
            public void close() {
                registry.close();
                PolarisSdk.on(context).destroyContext();
            }
        };
    }
}
