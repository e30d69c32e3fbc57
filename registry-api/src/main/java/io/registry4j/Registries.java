package io.registry4j;

import io.registry4j.spi.RegistryProvider;
import io.registry4j.spi.RegistryUri;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Opens a registry from a URL, choosing the backend by the URL's scheme among the {@link RegistryProvider}s on the
 * class or module path.
 *
 * <pre>{@code
 * ServiceRegistry registry = Registries.open("zookeeper://127.0.0.1:2181?root=/microservices");
 * }</pre>
 *
 * <p>There is no silent fallback: no provider, several providers, an unknown option or an invalid value all fail
 * with a {@link RegistryException} of kind {@code INVALID_ARGUMENT} that says what was found and what to do.
 */
public final class Registries {

    private Registries() {}

    /**
     * Opens a registry from a URL string.
     *
     * @param url such as {@code etcd://127.0.0.1:2379?ttl=15s} or {@code memory://test}
     * @return an open registry; close it when done
     * @throws RegistryException if no single available backend serves the scheme or an option is invalid
     */
    public static ServiceRegistry open(String url) {
        Objects.requireNonNull(url, "url");
        try {
            return open(new URI(url.strip()));
        } catch (URISyntaxException e) {
            // Neither the text nor the native exception (whose message quotes the text) is passed on: the URL may
            // hold a password that does not parse, such as one with a space.
            throw new RegistryException(
                    RegistryException.Kind.INVALID_ARGUMENT,
                    "registry4j",
                    "registry URL is not a URI (" + e.getReason() + " at index " + e.getIndex() + "): '"
                            + RegistryUri.redact(url.strip()) + "'");
        }
    }

    /**
     * Opens a registry from a URL.
     *
     * @param uri such as {@code etcd://127.0.0.1:2379?ttl=15s} or {@code memory://test}
     * @return an open registry; close it when done
     * @throws RegistryException if no single available backend serves the scheme or an option is invalid
     */
    public static ServiceRegistry open(URI uri) {
        return open(uri, Thread.currentThread().getContextClassLoader());
    }

    /**
     * Opens a registry from a URL, looking for providers through the given class loader.
     *
     * @param uri such as {@code etcd://127.0.0.1:2379?ttl=15s}
     * @param loader where to look for providers; null means the system class loader
     * @return an open registry; close it when done
     * @throws RegistryException if no single available backend serves the scheme or an option is invalid
     */
    public static ServiceRegistry open(URI uri, @Nullable ClassLoader loader) {
        RegistryUri parsed = RegistryUri.parse(uri);
        List<String> errors = new ArrayList<>();
        List<RegistryProvider> all = load(loader, errors);
        List<RegistryProvider> matches = new ArrayList<>();
        Set<String> known = new TreeSet<>();
        for (RegistryProvider p : all) {
            known.addAll(p.schemes());
            if (p.schemes().contains(parsed.scheme())) {
                matches.add(p);
            }
        }
        if (matches.isEmpty()) {
            throw new RegistryException(
                    RegistryException.Kind.INVALID_ARGUMENT,
                    parsed.scheme(),
                    "no registry4j backend for scheme '" + parsed.scheme() + "' in " + parsed + "; schemes found: "
                            + known + (errors.isEmpty() ? "" : "; providers that failed to load: " + errors)
                            + ". Add the backend's module (io.registry4j:registry-" + parsed.scheme()
                            + ") to the class path");
        }
        if (matches.size() > 1) {
            List<String> names = new ArrayList<>();
            matches.forEach(p -> names.add(p.getClass().getName()));
            throw new RegistryException(
                    RegistryException.Kind.INVALID_ARGUMENT,
                    parsed.scheme(),
                    "several registry4j backends serve scheme '" + parsed.scheme() + "': " + names
                            + "; keep exactly one on the class path");
        }
        RegistryProvider provider = matches.get(0);
        if (!provider.isAvailable()) {
            throw new RegistryException(
                    RegistryException.Kind.INVALID_ARGUMENT,
                    parsed.scheme(),
                    "the backend for '" + parsed.scheme() + "' ("
                            + provider.getClass().getName()
                            + ") is not available: its native client is missing from the class path");
        }
        Set<String> unknown = new TreeSet<>(parsed.options().keySet());
        unknown.removeAll(provider.options());
        if (!unknown.isEmpty()) {
            throw new RegistryException(
                    RegistryException.Kind.INVALID_ARGUMENT,
                    parsed.scheme(),
                    "unknown option" + (unknown.size() > 1 ? "s " : " ") + unknown + " in " + parsed + "; options of "
                            + parsed.scheme() + ": " + new TreeSet<>(provider.options()));
        }
        return provider.open(parsed);
    }

    /**
     * Lists the providers found, for diagnostics.
     *
     * @return the providers that loaded, in service-loader order
     */
    public static List<RegistryProvider> providers() {
        return load(Thread.currentThread().getContextClassLoader(), new ArrayList<>());
    }

    private static List<RegistryProvider> load(@Nullable ClassLoader loader, List<String> errors) {
        // Finds providers in named modules and on the class path alike; a provider that fails to load is
        // reported, not skipped in silence.
        Iterator<RegistryProvider> it =
                ServiceLoader.load(RegistryProvider.class, loader).iterator();
        List<RegistryProvider> out = new ArrayList<>();
        while (true) {
            try {
                if (!it.hasNext()) {
                    return out;
                }
                out.add(it.next());
            } catch (ServiceConfigurationError e) {
                errors.add(String.valueOf(e.getMessage()));
            }
        }
    }
}
