package io.registry4j.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.kubernetes.internal.KubernetesErrors;
import io.registry4j.kubernetes.internal.PodCodec;
import io.registry4j.kubernetes.internal.PodWatches;
import io.registry4j.spi.AbstractServiceRegistry;
import io.registry4j.spi.RegistryBuilder;
import io.registry4j.spi.RegistryThreads;
import io.registry4j.spi.ServiceViews;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A registry on Kubernetes, through the fabric8 client, in the layout of Kratos' Kubernetes registry: a pod registers
 * itself by patching its own labels {@code kratos-service-id}, {@code kratos-service-app},
 * {@code kratos-service-version} and annotations {@code kratos-service-metadata} and {@code kratos-service-protocols};
 * discovery lists and watches pods by the label {@code kratos-service-app}.
 *
 * <pre>{@code
 * try (KubernetesRegistry registry = KubernetesRegistry.builder().build()) { // in a pod: in-cluster config
 *     registry.register(ServiceInstance.builder()
 *             .id("orders-7d9f").name("orders").version("1.4.0")
 *             .endpoint("grpc://0.0.0.0:9000")          // the host is the pod's IP when read back
 *             .build());
 *     Watcher payments = registry.watch("payments");
 * }
 * }</pre>
 *
 * <p>One pod carries one instance. By default the registry registers on the pod it runs in: the name from {@code
 * HOSTNAME} and the namespace from the service-account namespace file, as Kratos reads them; {@link Builder#pod} names
 * another. Readers see the endpoints' ports and schemes on the pod's IP: the host of a registered endpoint is not
 * stored. The id and name must be valid label values ({@code register} fails naming the field and the rule); a version
 * that is not is written to its label in a label-safe form and in full to the annotation {@code registry4j.io/version},
 * which registry4j readers prefer. Registration is desired state: every {@link Builder#checkInterval} the pod is read,
 * and labels changed or removed behind the registry's back are written again. There is no lease: a dead pod leaves
 * discovery through its readiness and deletion.
 *
 * <p>Discovery keeps one informer per namespace of its scope ({@link Builder#namespace}, several, or all), shared by
 * every watched service. By default only pods that are Ready, not terminating and have an IP are listed, by
 * {@code getService} and watchers alike ({@link Builder#includeUnhealthy} lists all). A pod whose annotations cannot be
 * read is skipped with a warning. A 403 says which verb on pods to grant (see the module README for the Role).
 *
 * <p>Thread-safe. Threads: one scheduler ({@code registry4j-kubernetes-scheduler-1}) and, when the registry builds its
 * own client, the client's task threads ({@code registry4j-kubernetes-client-<n>}) and the JDK HTTP client's
 * threads; none per watcher. A client passed to {@link Builder#client} is never closed.
 */
public final class KubernetesRegistry extends AbstractServiceRegistry {

    /** The backend name, also the URL scheme: {@code kubernetes://}. */
    public static final String BACKEND = KubernetesErrors.BACKEND;

    /** Where Kubernetes mounts the pod's namespace; Kratos reads it too. */
    public static final Path SERVICE_ACCOUNT_NAMESPACE =
            Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

    /** The default call timeout: 10 s. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Options.DEFAULT_CALL_TIMEOUT;

    /** The default interval between checks that the pod still carries its labels: 30 s. */
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(30);

    /** The default resync period of the informers: 10 min, as Kratos. */
    public static final Duration DEFAULT_RESYNC = Duration.ofMinutes(10);

    private final KubernetesClient client;
    private final boolean ownsClient;
    private final @Nullable ExecutorService clientExecutor;
    private final List<String> namespaces;
    private final boolean includeAll;
    private final @Nullable String podNamespace;
    private final Function<ServiceInstance, @Nullable String> podOf;
    private final PodWatches watches;

    private KubernetesRegistry(
            Builder b, Options options, KubernetesClient client, boolean ownsClient, @Nullable ExecutorService exec) {
        super(BACKEND, options);
        this.client = client;
        this.ownsClient = ownsClient;
        this.clientExecutor = exec;
        this.includeAll = b.includeAll;
        String ownNamespace = b.podNamespace != null ? b.podNamespace : b.environment.namespace();
        String clientNamespace = client.getNamespace();
        this.podNamespace = ownNamespace != null ? ownNamespace : clientNamespace;
        if (b.allNamespaces) {
            this.namespaces = List.of();
        } else if (!b.namespaces.isEmpty()) {
            this.namespaces = List.copyOf(b.namespaces);
        } else {
            String ns = podNamespace != null ? podNamespace : "default";
            this.namespaces = List.of(ns);
        }
        Function<ServiceInstance, @Nullable String> given = b.podOf;
        if (given != null) {
            this.podOf = given;
        } else {
            String pod = b.pod != null ? b.pod : b.environment.podName();
            this.podOf = i -> pod;
        }
        this.watches = new PodWatches(client, namespaces, includeAll, b.resync, scheduler(), this::skip);
    }

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The namespaces discovery looks in.
     *
     * @return the namespaces; empty means all
     */
    public List<String> namespaces() {
        return namespaces;
    }

    /** The client, for tests in this package. */
    KubernetesClient client() {
        return client;
    }

    private record PodRef(String namespace, String name) {
        @Override
        public String toString() {
            return namespace + "/" + name;
        }
    }

    private PodRef podFor(ServiceInstance instance) {
        String name = podOf.apply(instance);
        if (name == null || name.isBlank()) {
            throw new RegistryException(
                    RegistryException.Kind.INVALID_ARGUMENT,
                    BACKEND,
                    "no pod to register " + instance.name() + "/" + instance.id() + " on: this process does not run "
                            + "in a pod (no HOSTNAME or no " + SERVICE_ACCOUNT_NAMESPACE + "), and no pod was named; "
                            + "set KubernetesRegistry.builder().pod(name) (option pod=)");
        }
        if (podNamespace == null) {
            throw new RegistryException(
                    RegistryException.Kind.INVALID_ARGUMENT,
                    BACKEND,
                    "no namespace for pod " + name + ": not in a pod (no " + SERVICE_ACCOUNT_NAMESPACE
                            + ") and the client has none; set KubernetesRegistry.builder().podNamespace(ns) (option "
                            + "podNamespace=)");
        }
        return new PodRef(podNamespace, name);
    }

    // ---- the backend ----

    @Override
    protected void write(ServiceInstance instance) {
        PodCodec.check(instance);
        PodRef pod = podFor(instance);
        for (ServiceInstance other : keeper().registered()) {
            boolean same = other.name().equals(instance.name()) && other.id().equals(instance.id());
            if (!same && pod.equals(podForQuietly(other))) {
                throw new RegistryException(
                        RegistryException.Kind.CONFLICT,
                        BACKEND,
                        "pod " + pod + " already carries " + other.name() + "/" + other.id() + "; a pod carries one "
                                + "instance: deregister it first, or register " + instance.name() + "/"
                                + instance.id() + " from another pod");
            }
        }
        patchPod(pod, PodCodec.registerPatch(instance));
    }

    private @Nullable PodRef podForQuietly(ServiceInstance instance) {
        try {
            return podFor(instance);
        } catch (RegistryException e) {
            return null;
        }
    }

    @Override
    protected void remove(ServiceInstance instance) {
        PodRef ref = podFor(instance);
        for (int attempt = 0; ; attempt++) {
            Pod pod = getPod(ref);
            if (pod == null || !PodCodec.carries(pod, instance)) {
                return; // gone, or someone else's registration now: never touch it
            }
            try {
                patchPod(ref, PodCodec.deregisterPatch(pod.getMetadata().getResourceVersion()));
                return;
            } catch (RegistryException e) {
                if (e.kind() != RegistryException.Kind.CONFLICT || attempt >= 4) {
                    throw e;
                }
                // the pod changed between the read and the patch: read it again
            }
        }
    }

    @Override
    protected boolean verify(ServiceInstance instance) {
        Pod pod = getPod(podFor(instance));
        return pod != null && PodCodec.carriesExactly(pod, instance);
    }

    private @Nullable Pod getPod(PodRef ref) {
        return call(
                "get pod " + ref,
                "get",
                ref.namespace(),
                () -> client.pods()
                        .inNamespace(ref.namespace())
                        .withName(ref.name())
                        .get());
    }

    private void patchPod(PodRef ref, String mergePatch) {
        call(
                "patch pod " + ref,
                "patch",
                ref.namespace(),
                () -> client.pods()
                        .inNamespace(ref.namespace())
                        .withName(ref.name())
                        .patch(PatchContext.of(PatchType.JSON_MERGE), mergePatch));
    }

    @Override
    protected List<ServiceInstance> read(String service) {
        List<ServiceInstance> out = new ArrayList<>();
        PodWatches.scopes(client, namespaces).forEach((ns, pods) -> {
            PodList list = call(
                    "list pods of " + service + (ns.isEmpty() ? "" : " in " + ns),
                    "list",
                    ns,
                    () -> pods.withLabel(PodCodec.APP_LABEL, service).list());
            list.getItems().forEach(p -> PodWatches.decodeInto(p, includeAll, out, this::skip));
        });
        return out;
    }

    @Override
    protected AutoCloseable openWatch(String service, ServiceViews.Sink sink) {
        return watches.open(service, sink);
    }

    private static <T> T call(String what, String verb, String namespace, Supplier<T> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            throw KubernetesErrors.of(what, verb, namespace, e);
        }
    }

    @Override
    protected void closeClient() {
        watches.close();
        if (ownsClient) {
            client.close();
            if (clientExecutor != null) {
                clientExecutor.shutdownNow();
                try {
                    clientExecutor.awaitTermination(options().callTimeout().toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @Override
    public String toString() {
        return "KubernetesRegistry[" + client.getMasterUrl() + ", namespaces "
                + (namespaces.isEmpty() ? "all" : String.join(",", namespaces)) + (isClosed() ? ", closed" : "")
                + "]";
    }

    /** Where the registry learns which pod it runs in; replaceable in tests. */
    interface PodEnvironment {
        @Nullable
        String podName();

        @Nullable
        String namespace();

        PodEnvironment SYSTEM = new PodEnvironment() {
            @Override
            public @Nullable String podName() {
                if (!Files.isReadable(SERVICE_ACCOUNT_NAMESPACE)) {
                    return null; // HOSTNAME alone does not make a pod
                }
                String h = System.getenv("HOSTNAME");
                return h == null || h.isBlank() ? null : h.strip();
            }

            @Override
            public @Nullable String namespace() {
                try {
                    String ns = Files.readString(SERVICE_ACCOUNT_NAMESPACE, StandardCharsets.UTF_8)
                            .strip();
                    return ns.isEmpty() ? null : ns;
                } catch (IOException | SecurityException e) {
                    return null;
                }
            }
        };
    }

    /**
     * Builds a {@link KubernetesRegistry}. Without {@link #client} or {@link #config}, the registry builds its own
     * client from the usual places (in-cluster service account, {@code KUBECONFIG}, {@code ~/.kube/config}) and closes
     * it on {@link KubernetesRegistry#close()}. Not thread-safe.
     */
    public static final class Builder extends RegistryBuilder<Builder> {
        private @Nullable KubernetesClient client;
        private @Nullable Config config;
        private final Set<String> namespaces = new LinkedHashSet<>();
        private boolean allNamespaces;
        private @Nullable String pod;
        private @Nullable String podNamespace;
        private @Nullable Function<ServiceInstance, @Nullable String> podOf;
        private boolean includeAll;
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private Duration checkInterval = DEFAULT_CHECK_INTERVAL;
        private Duration resync = DEFAULT_RESYNC;
        PodEnvironment environment = PodEnvironment.SYSTEM;

        private Builder() {}

        /**
         * An existing client to use; the registry never closes it. Either this or {@link #config}, or neither (then
         * the configuration is found automatically).
         *
         * @param client the client
         * @return this builder
         */
        public Builder client(KubernetesClient client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * The configuration of the registry's own client (API server, credentials); the registry builds the client on
         * the JDK HTTP client and closes it on {@link KubernetesRegistry#close()}.
         *
         * @param config the configuration
         * @return this builder
         */
        public Builder config(Config config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /**
         * A namespace to discover in; call it again for several. Defaults to the pod's own namespace, else the
         * client's, else {@code default}.
         *
         * @param namespace a namespace
         * @return this builder
         * @throws IllegalArgumentException if it is not a valid namespace name
         */
        public Builder namespace(String namespace) {
            namespaces.add(checkNamespace("namespace", namespace));
            return this;
        }

        /**
         * Discovers in all namespaces (needs {@code list} and {@code watch} on pods cluster-wide).
         *
         * @return this builder
         */
        public Builder allNamespaces() {
            this.allNamespaces = true;
            return this;
        }

        /**
         * The pod to register on. Defaults to the pod this process runs in ({@code HOSTNAME}).
         *
         * @param name the pod's name
         * @return this builder
         */
        public Builder pod(String name) {
            this.pod = checkNamespace("pod", name);
            return this;
        }

        /**
         * The namespace of the pod to register on. Defaults to the pod's own (the service-account namespace file),
         * else the client's.
         *
         * @param namespace the namespace
         * @return this builder
         */
        public Builder podNamespace(String namespace) {
            this.podNamespace = checkNamespace("podNamespace", namespace);
            return this;
        }

        /**
         * Which pod (in {@link #podNamespace}) carries each instance, for a process that registers pods other than
         * its own, such as an agent beside them. Replaces {@link #pod}.
         *
         * @param podOf the pod's name for an instance
         * @return this builder
         */
        public Builder podOf(Function<ServiceInstance, @Nullable String> podOf) {
            this.podOf = Objects.requireNonNull(podOf, "podOf");
            return this;
        }

        /**
         * Lists pods that are not Ready, are terminating or have no IP yet (an instance without IP is still
         * skipped). Off by default.
         *
         * @param includeAll true to list all
         * @return this builder
         */
        public Builder includeUnhealthy(boolean includeAll) {
            this.includeAll = includeAll;
            return this;
        }

        /**
         * The bound of every call; also the request timeout of the registry's own client. Defaults to 10 s.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = positive("callTimeout", timeout);
            return this;
        }

        /**
         * How often the registry reads its pod back and writes labels that were changed behind its back. Defaults to
         * 30 s.
         *
         * @param interval a positive duration
         * @return this builder
         */
        public Builder checkInterval(Duration interval) {
            this.checkInterval = positive("checkInterval", interval);
            return this;
        }

        /**
         * The resync period of the informers. Defaults to 10 min.
         *
         * @param period a positive duration
         * @return this builder
         */
        public Builder resync(Duration period) {
            this.resync = positive("resync", period);
            return this;
        }

        /**
         * Creates the registry; no call is made here.
         *
         * @return the registry
         * @throws IllegalStateException if both {@code client} and {@code config} are set
         */
        public KubernetesRegistry build() {
            if (client != null && config != null) {
                throw new IllegalStateException("client and config cannot be combined: the client has its config");
            }
            Options options = options(callTimeout, checkInterval);
            KubernetesClient given = client;
            if (given != null) {
                return new KubernetesRegistry(this, options, given, false, null);
            }
            Config c = config != null ? config : Config.autoConfigure(null);
            c.setRequestTimeout((int) Math.min(Integer.MAX_VALUE, callTimeout.toMillis()));
            // A failed call is retried by the registration keeper and the informer, with the registry's backoff and
            // within the call timeout; the client's own retries would outlast it.
            c.setRequestRetryBackoffLimit(0);
            ExecutorService exec = Executors.newCachedThreadPool(RegistryThreads.factory(BACKEND, "client"));
            try {
                KubernetesClient own = new KubernetesClientBuilder()
                        .withConfig(c)
                        .withHttpClientFactory(new NamedJdkHttpClientFactory(exec))
                        .withTaskExecutor(exec)
                        .build();
                return new KubernetesRegistry(this, options, own, true, exec);
            } catch (RuntimeException e) {
                exec.shutdownNow();
                throw e;
            }
        }

        private static String checkNamespace(String what, String value) {
            Objects.requireNonNull(value, what);
            if (!value.matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
                throw new IllegalArgumentException(what + " must be a Kubernetes name (lower-case letters, digits, "
                        + "'-' and '.', starting and ending with a letter or digit), got \"" + value + "\"");
            }
            return value;
        }

        private static Duration positive(String what, Duration d) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, got " + d);
            }
            return d;
        }
    }

    /** The JDK HTTP client on the registry's named executor, so that no anonymous pool threads are left. */
    private static final class NamedJdkHttpClientFactory extends JdkHttpClientFactory {
        private final ExecutorService executor;

        NamedJdkHttpClientFactory(ExecutorService executor) {
            this.executor = executor;
        }

        @Override
        protected void additionalConfig(HttpClient.Builder builder) {
            builder.executor(executor);
        }
    }
}
