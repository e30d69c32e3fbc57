package io.registry4j.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.registry4j.Backoff;
import io.registry4j.Endpoints;
import io.registry4j.ServiceInstance;
import io.registry4j.testservers.KubeApiServer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * One real API server per test JVM (a local kube-apiserver on the harness' etcd, or the cluster of {@code
 * REGISTRY4J_TEST_KUBECONFIG}), an admin client, a namespace per test class, and pods made the way a kubelet would
 * leave them: created through the API, then Ready with an IP through the status subresource.
 */
final class KubernetesTestSupport implements AutoCloseable {
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    static final Backoff BACKOFF = Backoff.exponential(Duration.ofMillis(50), Duration.ofMillis(500), 2.0);
    /** Readers see this IP: the kit's instances are on 127.0.0.1. */
    static final String POD_IP = "127.0.0.1";

    final KubeApiServer server;
    final KubernetesClient admin;
    final String namespace;
    private final Map<String, String> podsByInstance = new ConcurrentHashMap<>();

    KubernetesTestSupport(String hint) {
        this.server = SharedKubeApiServer.server();
        this.admin = newClient(adminConfig());
        this.namespace =
                hint + "-" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 30), 36);
        admin.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(namespace)
                        .endMetadata()
                        .build())
                .create();
    }

    Config adminConfig() {
        Path kubeconfig = server.externalKubeconfig();
        if (kubeconfig != null) {
            return Config.fromKubeconfig(kubeconfig.toFile());
        }
        return tokenConfig(Objects.requireNonNull(server.adminToken()));
    }

    Config tokenConfig(String token) {
        return new ConfigBuilder(Config.empty())
                .withMasterUrl(server.url().toString())
                .withOauthToken(token)
                .withTrustCerts(true)
                .withDisableHostnameVerification(true)
                .withNamespace(namespace)
                .withRequestRetryBackoffLimit(0)
                .build();
    }

    static KubernetesClient newClient(Config config) {
        // Named like the harness' threads, which the kit's leak check leaves alone: this client outlives the tests.
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "registry4j-testservers-k8s-admin");
            t.setDaemon(true);
            return t;
        });
        return new KubernetesClientBuilder()
                .withConfig(config)
                .withHttpClientFactory(new io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory() {
                    @Override
                    protected void additionalConfig(java.net.http.HttpClient.Builder builder) {
                        builder.executor(pool);
                    }
                })
                .withTaskExecutor(pool)
                .build();
    }

    /** A builder of a registry on its own client, discovering in this namespace, registering on per-instance pods. */
    KubernetesRegistry.Builder registryBuilder() {
        return KubernetesRegistry.builder()
                .config(adminConfig())
                .namespace(namespace)
                .podNamespace(namespace)
                .podOf(this::podFor)
                .callTimeout(CALL_TIMEOUT)
                .checkInterval(Duration.ofSeconds(2))
                .backoff(BACKOFF);
    }

    /** The pod of an instance: made once, Ready, on {@link #POD_IP}, with a container port per endpoint. */
    String podFor(ServiceInstance instance) {
        return podsByInstance.computeIfAbsent(instance.name() + "/" + instance.id(), k -> {
            String name = podName(instance.name() + "-" + instance.id());
            List<Integer> ports = new ArrayList<>();
            instance.endpoints().forEach(e -> ports.add(Endpoints.port(e)));
            createReadyPod(name, ports, Map.of());
            return name;
        });
    }

    static String podName(String hint) {
        String s = hint.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        s = s.length() > 50 ? s.substring(0, 50) : s;
        return "p-" + s + "-" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    }

    /** Creates a pod with these container ports and labels, then makes it Ready on {@link #POD_IP}. */
    Pod createReadyPod(String name, List<Integer> ports, Map<String, String> labels) {
        createPod(name, ports, labels, Map.of());
        return setStatus(name, true, POD_IP);
    }

    Pod createPod(String name, List<Integer> ports, Map<String, String> labels, Map<String, String> annotations) {
        var container = new io.fabric8.kubernetes.api.model.ContainerBuilder()
                .withName("app")
                .withImage("registry4j.test/none:1");
        for (int p : ports) {
            container.addToPorts(new ContainerPortBuilder().withContainerPort(p).build());
        }
        return admin.pods()
                .inNamespace(namespace)
                .resource(new PodBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withLabels(labels)
                        .withAnnotations(annotations)
                        .endMetadata()
                        .withNewSpec()
                        // A node that does not exist: no kubelet of a real cluster ever acts on the pod.
                        .withNodeName("registry4j-no-such-node")
                        .withContainers(container.build())
                        .endSpec()
                        .build())
                .create();
    }

    /** Sets the pod's phase Running, its Ready condition and IP, through the status subresource. */
    Pod setStatus(String name, boolean ready, @Nullable String ip) {
        String patch = "{\"status\":{\"phase\":\"Running\",\"podIP\":" + (ip == null ? "null" : "\"" + ip + "\"")
                + ",\"podIPs\":" + (ip == null ? "null" : "[{\"ip\":\"" + ip + "\"}]")
                + ",\"conditions\":[{\"type\":\"Ready\",\"status\":\"" + (ready ? "True" : "False") + "\"}]}}";
        return admin.pods()
                .inNamespace(namespace)
                .withName(name)
                .subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
    }

    /** The name of the pod that carries an instance registered through {@link #registryBuilder()}. */
    @Nullable
    String podOf(ServiceInstance instance) {
        return podsByInstance.get(instance.name() + "/" + instance.id());
    }

    /** Removes the registry's labels from a pod, as someone with kubectl would. */
    void unlabel(String pod) {
        admin.pods()
                .inNamespace(namespace)
                .withName(pod)
                .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"labels\":{\"kratos-service-id\":null,\"kratos-service-app\":null,"
                                + "\"kratos-service-version\":null}}}");
    }

    static URI endpoint(String scheme, int port) {
        return URI.create(scheme + "://" + POD_IP + ":" + port);
    }

    static PodConditionBuilder ready() {
        return new PodConditionBuilder().withType("Ready").withStatus("True");
    }

    @Override
    public void close() {
        try {
            admin.namespaces().withName(namespace).delete();
        } catch (RuntimeException e) {
            // best effort: the server goes away with the JVM
        }
        admin.close();
    }
}
