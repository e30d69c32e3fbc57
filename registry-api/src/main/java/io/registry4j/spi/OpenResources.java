package io.registry4j.spi;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;

/**
 * The registries and watchers of this JVM that are open, for leak checks in tests. Held weakly: tracking never keeps
 * an object alive.
 */
public final class OpenResources {
    private static final Map<Object, String> OPEN = new WeakHashMap<>();

    private OpenResources() {}

    /**
     * Records that a resource is open.
     *
     * @param resource the registry or watcher, compared by identity
     * @param description what it is, for the report
     */
    public static void opened(Object resource, String description) {
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(description, "description");
        synchronized (OPEN) {
            OPEN.put(resource, description);
        }
    }

    /**
     * Records that a resource was closed.
     *
     * @param resource the registry or watcher
     */
    public static void closed(Object resource) {
        synchronized (OPEN) {
            OPEN.remove(resource);
        }
    }

    /**
     * The resources still open, with their descriptions, for comparing by identity.
     *
     * @return a snapshot keyed by identity
     */
    public static IdentityHashMap<Object, String> snapshot() {
        synchronized (OPEN) {
            IdentityHashMap<Object, String> out = new IdentityHashMap<>();
            for (Map.Entry<Object, String> e : OPEN.entrySet()) {
                out.put(e.getKey(), e.getValue());
            }
            return out;
        }
    }

    /**
     * Describes the resources still open.
     *
     * @return one description each
     */
    public static List<String> open() {
        synchronized (OPEN) {
            return new ArrayList<>(OPEN.values());
        }
    }
}
