package io.registry4j.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.registry4j.Backoff;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.spi.Scheduler;
import io.registry4j.testkit.Capabilities;
import io.registry4j.testkit.Fault;
import io.registry4j.testkit.Faults;
import io.registry4j.testkit.InjectedClient;
import io.registry4j.testkit.RegistryCompatibilityKit;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole compatibility kit on a real API server (kube-apiserver built from the k8s.io/kubernetes module, on etcd),
 * each instance on a pod of its own.
 */
@DisplayName("KubernetesRegistry passes the compatibility kit on a real kube-apiserver")
@ExtendWith(SharedKubeApiServer.class)
class KubernetesRegistryCompatibilityTest extends RegistryCompatibilityKit {
    private static @Nullable KubernetesTestSupport k8s;

    @BeforeAll
    static void startServer() {
        k8s = new KubernetesTestSupport("kit");
    }

    @AfterAll
    static void stopServer() {
        KubernetesTestSupport s = k8s;
        k8s = null;
        if (s != null) {
            s.close();
        }
    }

    private static KubernetesTestSupport k8s() {
        KubernetesTestSupport s = k8s;
        assertThat(s).as("the test server").isNotNull();
        return Objects.requireNonNull(s);
    }

    @Override
    protected ServiceRegistry newRegistry() {
        return k8s().registryBuilder().build();
    }

    @Override
    protected ServiceRegistry newRegistryWithBackoff(Backoff backoff) {
        return k8s().registryBuilder().backoff(backoff).build();
    }

    @Override
    protected ServiceRegistry newRegistryWithBackoff(Backoff backoff, Scheduler scheduler) {
        return k8s().registryBuilder().backoff(backoff).scheduler(scheduler).build();
    }

    @Override
    protected @Nullable String takeoverUndetectable() {
        return "a pod is the instance: whoever patches a pod's labels speaks for it, and Kubernetes records no owner "
                + "of a label, so a second registry writing the same pod is an update";
    }

    @Override
    protected Capabilities capabilities() {
        Capabilities.Builder b = Capabilities.builder()
                .unsupported(
                        Fault.LATE_UPDATE,
                        "fabric8's informer owns the watch: it relists and watches again inside, hands events to the "
                                + "registry in order from its one cache, and every list is read from that cache; the test "
                                + "cannot hold an event of a replaced watch back")
                .propagation(Duration.ofSeconds(5))
                // The pod is read back every 2 s in these tests; the write follows within the test backoff.
                .reRegistration(Duration.ofSeconds(10))
                .endpointHostsNotStored("Kratos' layout keeps each endpoint's port and scheme in the pod's "
                        + "kratos-service-protocols annotation; readers see the pod's IP as the host")
                .supports(Fault.DELETE_BEHIND_BACK, Fault.GARBAGE_ENTRY, Fault.WATCH_COUNT)
                .unsupported(
                        Fault.SESSION_EXPIRY,
                        "Kubernetes has no session or lease: a registration is the pod's labels, alive as long as "
                                + "the pod")
                .unsupported(
                        Fault.DROP_WATCH,
                        "the informer's watch is a stream inside the JDK HTTP client that a test cannot cut without an "
                                + "outage; SERVER_RESTART covers reconnection and KubernetesWatchTest the 410 Gone "
                                + "relist");
        if (k8s().server.supportsRestart()) {
            b.supports(Fault.SERVER_RESTART);
        } else {
            b.unsupported(
                    Fault.SERVER_RESTART,
                    "the API server comes from REGISTRY4J_TEST_KUBECONFIG and the tests do not control it");
        }
        return b.build();
    }

    @Override
    protected Faults faults() {
        KubernetesTestSupport s = k8s();
        return new Faults() {
            @Override
            public void stopServer() {
                s.server.stop();
            }

            @Override
            public void startServer() {
                s.server.restart();
            }

            @Override
            public void deleteBehindBack(ServiceRegistry registry, ServiceInstance instance) {
                s.unlabel(Objects.requireNonNull(s.podOf(instance), "pod of " + instance.id()));
            }

            @Override
            public void writeGarbage(String service, String id) {
                s.createPod(
                        "garbage-" + id,
                        List.of(10999),
                        Map.of("kratos-service-app", service, "kratos-service-id", id),
                        Map.of("kratos-service-metadata", "{\"zone\": not json"));
                s.setStatus("garbage-" + id, true, KubernetesTestSupport.POD_IP);
            }

            @Override
            public void removeGarbage(String service, String id) {
                s.admin
                        .pods()
                        .inNamespace(s.namespace)
                        .withName("garbage-" + id)
                        .delete();
            }
        };
    }

    @Override
    protected InjectedClient newRegistryOnInjectedClient() {
        KubernetesClient client = KubernetesTestSupport.newClient(k8s().adminConfig());
        KubernetesRegistry registry = KubernetesRegistry.builder()
                .client(client)
                .namespace(k8s().namespace)
                .podNamespace(k8s().namespace)
                .podOf(k8s()::podFor)
                .callTimeout(KubernetesTestSupport.CALL_TIMEOUT)
                .backoff(KubernetesTestSupport.BACKOFF)
                .build();
        return new InjectedClient() {
            @Override
            public ServiceRegistry registry() {
                return registry;
            }

            @Override
            public void assertClientUsable() {
                assertThat(client.pods().inNamespace(k8s().namespace).list().getItems())
                        .isNotNull();
            }

            @Override
            public void close() {
                registry.close();
                client.close();
            }
        };
    }
}
