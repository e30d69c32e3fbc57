package io.registry4j.interop;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.registry4j.Backoff;
import io.registry4j.ServiceInstance;
import io.registry4j.kubernetes.KubernetesRegistry;
import io.registry4j.testservers.KratosPeer;
import io.registry4j.testservers.KubeApiServer;
import io.registry4j.testservers.TestEnvironment;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/**
 * Kubernetes: registry4j's {@link KubernetesRegistry} (fabric8) and Kratos' {@code contrib/registry/kubernetes} (on
 * client-go) on one real kube-apiserver. Each side is a pod: the Kratos peer is told which one as Kratos reads it
 * ({@code HOSTNAME} and the service-account namespace file, in a mount namespace of its own); registry4j names its pod
 * on the builder. No kubelet runs, so the tests do what one would: pods are Ready and Running on 127.0.0.1 with a
 * container port per endpoint, and a process's death is its pod reported Failed (Kratos lists only Running pods;
 * registry4j only Ready ones).
 */
class KubernetesKratosInteropTest extends KratosInteropContract {
    private static final AtomicInteger PODS = new AtomicInteger();

    private @Nullable KubeApiServer server;
    private @Nullable KubernetesClient admin;
    private String namespace = "";
    private @Nullable Path kubeconfig;
    private volatile String peerPod = "";

    @BeforeAll
    void startServer() {
        TestEnvironment env = TestEnvironment.system();
        Assumptions.assumeTrue(
                KubeApiServer.external(env).isEmpty(),
                "the interop tests need the local kube-apiserver: the Kratos peer gets its admin token");
        KubeApiServer s = KubeApiServer.start(env, KubeApiServer.binary(env));
        server = s;
        namespace = "interop-" + ProcessHandle.current().pid();
        admin = client(s);
        admin().namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(namespace)
                        .endMetadata()
                        .build())
                .create();
        kubeconfig = s.writeKubeconfig(Objects.requireNonNull(s.adminToken()), namespace);
    }

    @AfterAll
    void stopServer() {
        KubernetesClient a = admin;
        admin = null;
        if (a != null) {
            a.close();
        }
        KubeApiServer s = server;
        server = null;
        if (s != null) {
            s.close();
        }
    }

    private KubernetesClient admin() {
        return Objects.requireNonNull(admin, "admin");
    }

    private static KubernetesClient client(KubeApiServer s) {
        Config config = new ConfigBuilder(Config.empty())
                .withMasterUrl(s.url().toString())
                .withOauthToken(s.adminToken())
                .withTrustCerts(true)
                .withDisableHostnameVerification(true)
                .withRequestRetryBackoffLimit(0)
                .build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** A pod with a container port per endpoint, Running and Ready on 127.0.0.1, as its kubelet would report it. */
    private String readyPod(String prefix, List<String> endpoints) {
        String name = prefix + "-" + PODS.incrementAndGet();
        var container = new ContainerBuilder().withName("app").withImage("registry4j.test/none:1");
        for (String e : endpoints) {
            container.addToPorts(new ContainerPortBuilder()
                    .withContainerPort(URI.create(e).getPort())
                    .build());
        }
        admin().pods()
                .inNamespace(namespace)
                .resource(new PodBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .endMetadata()
                        .withNewSpec()
                        .withNodeName("registry4j-no-such-node")
                        .withContainers(container.build())
                        .endSpec()
                        .build())
                .create();
        setStatus(name, "Running", true);
        return name;
    }

    private void setStatus(String pod, String phase, boolean ready) {
        admin().pods()
                .inNamespace(namespace)
                .withName(pod)
                .subresource("status")
                .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"status\":{\"phase\":\"" + phase + "\",\"podIP\":\"127.0.0.1\",\"podIPs\":[{\"ip\":"
                                + "\"127.0.0.1\"}],\"conditions\":[{\"type\":\"Ready\",\"status\":\""
                                + (ready ? "True" : "False") + "\"}]}}");
    }

    @Override
    protected void kratosWillRegister(KratosPeer.Instance instance) {
        peerPod = readyPod("kratos", Objects.requireNonNull(instance.endpoints()));
    }

    @Override
    protected void kratosProcessDied(KratosPeer.Instance instance) {
        setStatus(peerPod, "Failed", false);
    }

    @Override
    protected KratosPeer.Backend kratosBackend() {
        List<String> options = new java.util.ArrayList<>(List.of("--k8s-namespace", namespace));
        if (!peerPod.isEmpty()) {
            options.addAll(List.of("--k8s-pod", peerPod, "--k8s-pod-namespace", namespace));
        }
        return KratosPeer.Backend.of(
                "kubernetes", Objects.requireNonNull(kubeconfig).toString(), options.toArray(new String[0]));
    }

    @Override
    protected Registry4jProcess openRegistry4j() {
        KubernetesClient client = client(Objects.requireNonNull(server));
        Map<String, String> pods = new ConcurrentHashMap<>();
        KubernetesRegistry registry = KubernetesRegistry.builder()
                .client(client)
                .namespace(namespace)
                .podNamespace(namespace)
                .podOf(i -> pods.computeIfAbsent(i.id(), id -> readyPod("java", endpoints(i))))
                .callTimeout(Duration.ofSeconds(5))
                .checkInterval(Duration.ofSeconds(1))
                .backoff(Backoff.exponential(Duration.ofMillis(50), Duration.ofMillis(500), 2.0))
                .build();
        Runnable die = () -> {
            // The process is gone: its client with it, and its kubelet reports the pod failed.
            client.close();
            pods.values().forEach(p -> setStatus(p, "Failed", false));
        };
        return Registry4jProcess.of(registry, die, client::close);
    }

    private static List<String> endpoints(ServiceInstance i) {
        return i.endpoints().stream().map(URI::toString).toList();
    }

    @Override
    protected Duration deathTimeout() {
        return scaled(Duration.ofSeconds(20));
    }
}
