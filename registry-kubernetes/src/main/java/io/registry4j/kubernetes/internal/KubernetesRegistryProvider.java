package io.registry4j.kubernetes.internal;

import io.fabric8.kubernetes.client.Config;
import io.registry4j.ServiceRegistry;
import io.registry4j.kubernetes.KubernetesRegistry;
import io.registry4j.spi.RegistryProvider;
import io.registry4j.spi.RegistryUri;
import java.io.File;
import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Opens {@code kubernetes://?namespace=default} (the API server and credentials found as {@code kubectl} finds them:
 * in-cluster service account, {@code KUBECONFIG}, {@code ~/.kube/config}) or {@code kubernetes://host:port?…} (that API
 * server over https, credentials found the same way) as a {@link KubernetesRegistry} with its own client.
 *
 * <p>Options: {@code namespace} (one, a comma-separated list, or {@code *} for all; default the pod's own),
 * {@code pod} and {@code podNamespace} (the pod to register on; default this process's pod), {@code kubeconfig} (a
 * kubeconfig file), {@code includeUnhealthy} (default false), {@code callTimeout} (default 10s), {@code checkInterval}
 * (default 30s). Stateless and thread-safe.
 */
public final class KubernetesRegistryProvider implements RegistryProvider {
    private static final Set<String> OPTIONS = Set.of(
            "namespace", "pod", "podNamespace", "kubeconfig", "includeUnhealthy", "callTimeout", "checkInterval");

    /** Used by {@link java.util.ServiceLoader}. */
    public KubernetesRegistryProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of(KubernetesRegistry.BACKEND);
    }

    @Override
    public Set<String> options() {
        return OPTIONS;
    }

    @Override
    public boolean isAvailable() {
        return RegistryProvider.canLoad(
                "io.fabric8.kubernetes.client.KubernetesClient", KubernetesRegistryProvider.class);
    }

    @Override
    public ServiceRegistry open(RegistryUri uri) {
        if (uri.hosts().size() > 1) {
            throw uri.invalid("API server", uri.authority(), "must be one host:port, or none to use the kubeconfig's");
        }
        if (!uri.path().isEmpty() && !uri.path().equals("/")) {
            throw uri.invalid("path", uri.path(), "is not used; give namespaces with the option namespace=");
        }
        Config config;
        var kubeconfig = uri.option("kubeconfig");
        if (kubeconfig.isPresent()) {
            File f = new File(kubeconfig.get());
            if (!f.canRead()) {
                throw uri.invalid("option 'kubeconfig'", kubeconfig.get(), "must be a readable kubeconfig file");
            }
            try {
                config = Config.fromKubeconfig(f);
            } catch (RuntimeException e) {
                throw uri.invalid(
                        "option 'kubeconfig'", kubeconfig.get(), "is not a valid kubeconfig: " + e.getMessage());
            }
        } else {
            config = Config.autoConfigure(null);
        }
        if (uri.hosts().size() == 1) {
            config.setMasterUrl("https://" + uri.hosts().get(0));
        }
        KubernetesRegistry.Builder b = KubernetesRegistry.builder().config(config);
        String ns = uri.string("namespace", "");
        if (ns.equals("*")) {
            b.allNamespaces();
        } else if (!ns.isEmpty()) {
            for (String n : ns.split(",", -1)) {
                set(uri, "namespace", n.strip(), b::namespace);
            }
        }
        uri.option("pod").ifPresent(p -> set(uri, "pod", p, b::pod));
        uri.option("podNamespace").ifPresent(p -> set(uri, "podNamespace", p, b::podNamespace));
        b.includeUnhealthy(uri.bool("includeUnhealthy", false));
        duration(uri, "callTimeout", KubernetesRegistry.DEFAULT_CALL_TIMEOUT, b::callTimeout);
        duration(uri, "checkInterval", KubernetesRegistry.DEFAULT_CHECK_INTERVAL, b::checkInterval);
        return b.build();
    }

    private static void duration(RegistryUri uri, String option, Duration defaultValue, Consumer<Duration> setter) {
        Duration d = uri.duration(option, defaultValue);
        try {
            setter.accept(d);
        } catch (IllegalArgumentException e) {
            throw uri.invalid("option '" + option + "'", uri.option(option).orElse(d.toString()), "must be positive");
        }
    }

    private static void set(RegistryUri uri, String option, String value, Consumer<String> setter) {
        try {
            setter.accept(value);
        } catch (IllegalArgumentException e) {
            throw uri.invalid("option '" + option + "'", value, "is invalid: " + e.getMessage());
        }
    }
}
