package io.registry4j.spi;

import io.registry4j.ServiceRegistry;
import java.util.Set;

/**
 * Opens a backend from a URL; found with {@link java.util.ServiceLoader} and chosen by URL scheme by
 * {@link io.registry4j.Registries#open(java.net.URI)}.
 *
 * <p>A backend module lists its provider in {@code META-INF/services/io.registry4j.spi.RegistryProvider} (and in
 * {@code provides} of its module descriptor, if it has one). Implementations need a public no-argument constructor
 * and must be thread-safe.
 */
public interface RegistryProvider {

    /**
     * The URL schemes this provider opens, lower case, such as {@code etcd}; {@code eureka} and {@code eurekas}
     * for a provider that speaks plain and TLS.
     *
     * @return one or more schemes
     */
    Set<String> schemes();

    /**
     * The query options {@link #open} understands; any other option in a URL is rejected before {@code open} is
     * called, with a message listing these.
     *
     * @return the option names
     */
    Set<String> options();

    /**
     * Tells whether this provider can work here, for example whether its native SDK is on the class path. Must not
     * throw.
     *
     * @return true if {@link #open} may be called
     */
    default boolean isAvailable() {
        return true;
    }

    /**
     * Whether a class can be loaded, without initializing it: for {@link #isAvailable()}, with a class of the
     * backend's native SDK.
     *
     * @param className the class's binary name
     * @param provider the provider, whose class loader is asked
     * @return true if it can be loaded
     */
    static boolean canLoad(String className, Class<? extends RegistryProvider> provider) {
        try {
            Class.forName(className, false, provider.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Opens a registry. The registry owns every resource it creates and releases them on close.
     *
     * @param uri the parsed URL; its options are among {@link #options()}
     * @return an open registry
     * @throws io.registry4j.RegistryException of kind {@code INVALID_ARGUMENT} if an option value is invalid, naming
     *     the option and the value
     */
    ServiceRegistry open(RegistryUri uri);
}
