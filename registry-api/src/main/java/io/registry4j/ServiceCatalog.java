package io.registry4j;

import java.util.SortedSet;

/**
 * Lists the services a registry knows. Optional: backends whose native model can list services implement it next to
 * {@link ServiceRegistry}; test for it with {@code instanceof}.
 */
public interface ServiceCatalog {

    /**
     * Returns the names of the services that have at least one instance, or that the backend keeps as known.
     *
     * @return the service names, sorted
     * @throws RegistryException if the backend could not be reached in time
     */
    SortedSet<String> services();
}
