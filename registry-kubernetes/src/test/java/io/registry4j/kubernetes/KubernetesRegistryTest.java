package io.registry4j.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.Watcher;
import io.registry4j.testkit.RegistryLeakCheck;
import io.registry4j.testservers.TestTime;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What only Kubernetes has: health of pods, the pod layout's fallbacks and limits, RBAC, and relabelled pods. */
@ExtendWith({SharedKubeApiServer.class, RegistryLeakCheck.class})
@DisplayName("KubernetesRegistry on a real kube-apiserver")
class KubernetesRegistryTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static @Nullable KubernetesTestSupport k8s;

    @BeforeAll
    static void start() {
        k8s = new KubernetesTestSupport("reg");
    }

    @AfterAll
    static void stop() {
        KubernetesTestSupport s = k8s;
        k8s = null;
        if (s != null) {
            s.close();
        }
    }

    private static KubernetesTestSupport k8s() {
        return Objects.requireNonNull(k8s, "the test server");
    }

    private static Map<String, String> labels(String service, String id) {
        return Map.of("kratos-service-app", service, "kratos-service-id", id, "kratos-service-version", "v1");
    }

    private static Map<String, String> protocols(String json) {
        return Map.of("kratos-service-protocols", json);
    }

    @Test
    @DisplayName("only Ready pods with an IP that are not terminating are listed, by getService and watchers; "
            + "includeUnhealthy lists the others")
    void healthPolicy() throws Exception {
        KubernetesTestSupport s = k8s();
        String svc = "health";
        s.createPod("h-ready", List.of(9000), labels(svc, "ready"), protocols("{\"9000\":\"grpc\"}"));
        s.setStatus("h-ready", true, "10.1.0.1");
        s.createPod("h-notready", List.of(9000), labels(svc, "notready"), protocols("{\"9000\":\"grpc\"}"));
        s.setStatus("h-notready", false, "10.1.0.2");
        s.createPod("h-noip", List.of(9000), labels(svc, "noip"), protocols("{\"9000\":\"grpc\"}"));
        s.setStatus("h-noip", true, null);
        // A finalizer keeps the deleted pod, terminating, as a kubelet would while the containers stop.
        s.admin
                .pods()
                .inNamespace(s.namespace)
                .resource(new PodBuilder(s.createPod(
                                "h-terminating",
                                List.of(9000),
                                labels(svc, "terminating"),
                                protocols("{\"9000\":\"grpc\"}")))
                        .editMetadata()
                        .withFinalizers("registry4j.io/test")
                        .endMetadata()
                        .build())
                .update();
        s.setStatus("h-terminating", true, "10.1.0.4");
        s.admin.pods().inNamespace(s.namespace).withName("h-terminating").delete();

        try (KubernetesRegistry r = s.registryBuilder().build();
                KubernetesRegistry all =
                        s.registryBuilder().includeUnhealthy(true).build();
                Watcher w = r.watch(svc)) {
            assertThat(r.getService(svc)).extracting(ServiceInstance::id).containsExactly("ready");
            assertThat(w.next()).extracting(ServiceInstance::id).containsExactly("ready");
            assertThat(all.getService(svc))
                    .extracting(ServiceInstance::id)
                    .containsExactly("notready", "ready", "terminating");
            // The not-ready pod becomes Ready: the watcher sees it.
            s.setStatus("h-notready", true, "10.1.0.2");
            assertThat(w.next()).extracting(ServiceInstance::id).containsExactly("notready", "ready");
            assertThat(r.getService(svc).get(0).endpoints()).containsExactly(URI.create("grpc://10.1.0.2:9000"));
        } finally {
            s.admin
                    .pods()
                    .inNamespace(s.namespace)
                    .withName("h-terminating")
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"finalizers\":null}}");
        }
    }

    @Test
    @DisplayName("without a protocols annotation, endpoints come from container ports: grpc-api is grpc, an unnamed "
            + "port its L4 protocol")
    void portNameFallback() {
        KubernetesTestSupport s = k8s();
        String svc = "fallback";
        s.admin
                .pods()
                .inNamespace(s.namespace)
                .resource(new PodBuilder()
                        .withNewMetadata()
                        .withName("f-1")
                        .withLabels(labels(svc, "f1"))
                        .endMetadata()
                        .withNewSpec()
                        .withNodeName("registry4j-no-such-node")
                        .addNewContainer()
                        .withName("app")
                        .withImage("registry4j.test/none:1")
                        .withPorts(
                                new ContainerPortBuilder()
                                        .withName("grpc-api")
                                        .withContainerPort(9000)
                                        .build(),
                                new ContainerPortBuilder()
                                        .withName("http")
                                        .withContainerPort(8080)
                                        .build(),
                                new ContainerPortBuilder()
                                        .withContainerPort(7000)
                                        .build())
                        .endContainer()
                        .endSpec()
                        .build())
                .create();
        s.setStatus("f-1", true, "10.2.0.1");
        try (KubernetesRegistry r = s.registryBuilder().build()) {
            assertThat(r.getService(svc).get(0).endpoints())
                    .containsExactly(
                            URI.create("grpc://10.2.0.1:9000"),
                            URI.create("http://10.2.0.1:8080"),
                            URI.create("tcp://10.2.0.1:7000"));
        }
    }

    @Test
    @DisplayName("a pod with a malformed annotation is skipped with a warning; the others are listed and the watch "
            + "goes on")
    void malformedAnnotationSkipsThePod() throws Exception {
        KubernetesTestSupport s = k8s();
        String svc = "malformed";
        s.createPod("m-good", List.of(9000), labels(svc, "good"), protocols("{\"9000\":\"grpc\"}"));
        s.setStatus("m-good", true, "10.3.0.1");
        try (KubernetesRegistry r = s.registryBuilder().build();
                Watcher w = r.watch(svc)) {
            assertThat(w.next()).extracting(ServiceInstance::id).containsExactly("good");
            s.createPod("m-bad", List.of(9000), labels(svc, "bad"), protocols("{\"9000\": grpc"));
            s.setStatus("m-bad", true, "10.3.0.2");
            await().atMost(TestTime.scaled(WAIT)).until(() -> r.skippedEntries() > 0);
            s.createPod("m-good2", List.of(9000), labels(svc, "good2"), protocols("{\"9000\":\"grpc\"}"));
            s.setStatus("m-good2", true, "10.3.0.3");
            assertThat(w.next()).extracting(ServiceInstance::id).containsExactly("good", "good2");
            assertThat(r.getService(svc)).extracting(ServiceInstance::id).containsExactly("good", "good2");
        }
    }

    @Test
    @DisplayName("an id that is not a label value is rejected at register naming the field and the rule; a version "
            + "that is not one round-trips through the annotation")
    void labelValues() {
        KubernetesTestSupport s = k8s();
        try (KubernetesRegistry r = s.registryBuilder().build()) {
            ServiceInstance bad = ServiceInstance.builder()
                    .id("orders:1")
                    .name("labels")
                    .endpoint("grpc://127.0.0.1:9000")
                    .build();
            assertThatThrownBy(() -> r.register(bad))
                    .isInstanceOfSatisfying(
                            RegistryException.class,
                            e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.INVALID_ARGUMENT))
                    .hasMessageContaining("id \"orders:1\"")
                    .hasMessageContaining("label value");
            ServiceInstance build = ServiceInstance.builder()
                    .id("b1")
                    .name("labels")
                    .version("1.0.0+build.7")
                    .endpoint("grpc://127.0.0.1:9000")
                    .build();
            r.register(build);
            Pod pod = s.admin
                    .pods()
                    .inNamespace(s.namespace)
                    .withName(s.podOf(build))
                    .get();
            assertThat(pod.getMetadata().getLabels()).containsEntry("kratos-service-version", "1.0.0_build.7");
            assertThat(pod.getMetadata().getAnnotations()).containsEntry("registry4j.io/version", "1.0.0+build.7");
            await().atMost(TestTime.scaled(WAIT))
                    .untilAsserted(() -> assertThat(r.getService("labels")).containsExactly(build));
            r.deregister(build);
            Pod after = s.admin
                    .pods()
                    .inNamespace(s.namespace)
                    .withName(s.podOf(build))
                    .get();
            assertThat(after.getMetadata().getLabels())
                    .doesNotContainKeys("kratos-service-id", "kratos-service-app", "kratos-service-version");
            assertThat(after.getMetadata().getAnnotations())
                    .doesNotContainKeys("kratos-service-metadata", "kratos-service-protocols", "registry4j.io/version");
        }
    }

    @Test
    @DisplayName("a pod carries one instance: a second one on the same pod is a CONFLICT")
    void onePodOneInstance() {
        KubernetesTestSupport s = k8s();
        s.createReadyPod("one", List.of(9000), Map.of());
        try (KubernetesRegistry r =
                s.registryBuilder().pod("one").podOf(i -> "one").build()) {
            r.register(ServiceInstance.builder()
                    .id("a")
                    .name("one")
                    .endpoint("grpc://127.0.0.1:9000")
                    .build());
            assertThatThrownBy(() -> r.register(ServiceInstance.builder()
                            .id("b")
                            .name("one")
                            .endpoint("grpc://127.0.0.1:9000")
                            .build()))
                    .isInstanceOfSatisfying(
                            RegistryException.class,
                            e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.CONFLICT))
                    .hasMessageContaining("already carries one/a");
        }
    }

    @Test
    @DisplayName("a 403 from RBAC is PERMISSION_DENIED naming the verb and resource to grant")
    void forbidden() {
        KubernetesTestSupport s = k8s();
        String token = s.server.restrictedToken();
        org.junit.jupiter.api.Assumptions.assumeTrue(
                token != null, "REGISTRY4J_TEST_KUBECONFIG gives no restricted identity; the 403 test needs one");
        s.createReadyPod("forbidden", List.of(9000), Map.of());
        try (KubernetesRegistry r = KubernetesRegistry.builder()
                .config(s.tokenConfig(Objects.requireNonNull(token)))
                .namespace(s.namespace)
                .podNamespace(s.namespace)
                .pod("forbidden")
                .build()) {
            assertThatThrownBy(() -> r.register(ServiceInstance.builder()
                            .id("f")
                            .name("forbidden")
                            .endpoint("grpc://127.0.0.1:9000")
                            .build()))
                    .isInstanceOfSatisfying(
                            RegistryException.class,
                            e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.PERMISSION_DENIED))
                    .hasMessageContaining("grant the verb 'patch' on the resource 'pods' in namespace '" + s.namespace);
            assertThatThrownBy(() -> r.getService("forbidden"))
                    .isInstanceOfSatisfying(
                            RegistryException.class,
                            e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.PERMISSION_DENIED))
                    .hasMessageContaining("'list'");
        }
    }

    @Test
    @DisplayName("labels changed behind the registry's back are written again")
    void relabelledPodIsRestored() {
        KubernetesTestSupport s = k8s();
        try (KubernetesRegistry r = s.registryBuilder().build()) {
            ServiceInstance x = ServiceInstance.builder()
                    .id("x1")
                    .name("relabel")
                    .version("2.0")
                    .endpoint("grpc://127.0.0.1:9000")
                    .build();
            r.register(x);
            String pod = Objects.requireNonNull(s.podOf(x));
            s.admin
                    .pods()
                    .inNamespace(s.namespace)
                    .withName(pod)
                    .patch(
                            PatchContext.of(PatchType.JSON_MERGE),
                            "{\"metadata\":{\"labels\":{\"kratos-service-version\":\"9.9\"}}}");
            await().atMost(TestTime.scaled(WAIT))
                    .untilAsserted(() -> assertThat(s.admin
                                    .pods()
                                    .inNamespace(s.namespace)
                                    .withName(pod)
                                    .get()
                                    .getMetadata()
                                    .getLabels())
                            .containsEntry("kratos-service-version", "2.0"));
        }
    }

    @Test
    @DisplayName("outside a pod and with no pod named, register says what to set")
    void notInAPod() {
        KubernetesTestSupport s = k8s();
        KubernetesRegistry.Builder b = KubernetesRegistry.builder()
                .config(s.adminConfig())
                .namespace(s.namespace)
                .podNamespace(s.namespace);
        b.environment = new KubernetesRegistry.PodEnvironment() {
            @Override
            public @Nullable String podName() {
                return null;
            }

            @Override
            public @Nullable String namespace() {
                return null;
            }
        };
        try (KubernetesRegistry r = b.build()) {
            assertThatThrownBy(() -> r.register(ServiceInstance.builder()
                            .id("n")
                            .name("nopod")
                            .endpoint("grpc://127.0.0.1:9000")
                            .build()))
                    .isInstanceOfSatisfying(
                            RegistryException.class,
                            e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.INVALID_ARGUMENT))
                    .hasMessageContaining("does not run in a pod")
                    .hasMessageContaining("pod(name)");
        }
    }
}
