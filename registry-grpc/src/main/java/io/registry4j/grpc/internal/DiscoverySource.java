package io.registry4j.grpc.internal;

import io.registry4j.Discovery;
import io.registry4j.Registries;
import io.registry4j.ServiceRegistry;
import io.registry4j.spi.RegistryUri;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Where a resolver gets its {@link Discovery}: one the application gave (never closed here), or a registry opened
 * from a URL and shared by every resolver of the same URL, reference-counted and closed with the last one.
 */
public interface DiscoverySource {

    /**
     * Gets the discovery; may block while a registry is opened. Each successful call is paired with one
     * {@link #release()}.
     *
     * @return the discovery
     * @throws io.registry4j.RegistryException if the registry cannot be opened
     */
    Discovery acquire();

    /** Gives back what {@link #acquire()} got; may block while a registry is closed. */
    void release();

    /**
     * A source for a discovery the application owns.
     *
     * @param discovery the discovery
     * @return the source
     */
    static DiscoverySource of(Discovery discovery) {
        Objects.requireNonNull(discovery, "discovery");
        return new DiscoverySource() {
            @Override
            public Discovery acquire() {
                return discovery;
            }

            @Override
            public void release() {}

            @Override
            public String toString() {
                return discovery.toString();
            }
        };
    }

    /**
     * A source that opens the registry of a URL with {@link Registries#open(URI)}, shared by URL.
     *
     * @param registryUrl the registry URL
     * @return the source
     */
    static DiscoverySource shared(URI registryUrl) {
        return new Shared(registryUrl);
    }

    /** One registry per URL, open while some resolver holds it. */
    final class Shared implements DiscoverySource {
        private static final Map<URI, Entry> OPEN = new HashMap<>();

        private final URI url;

        Shared(URI url) {
            this.url = Objects.requireNonNull(url, "url");
        }

        private static final class Entry {
            final ServiceRegistry registry;
            int holders;

            Entry(ServiceRegistry registry) {
                this.registry = registry;
            }
        }

        @Override
        public Discovery acquire() {
            synchronized (OPEN) {
                Entry e = OPEN.get(url);
                if (e == null) {
                    // Opening does no remote call for the built-in backends; it is done once per URL.
                    e = new Entry(Registries.open(url, DiscoverySource.class.getClassLoader()));
                    OPEN.put(url, e);
                }
                e.holders++;
                return e.registry;
            }
        }

        @Override
        public void release() {
            ServiceRegistry toClose = null;
            synchronized (OPEN) {
                Entry e = OPEN.get(url);
                if (e != null && --e.holders == 0) {
                    OPEN.remove(url);
                    toClose = e.registry;
                }
            }
            if (toClose != null) {
                toClose.close();
            }
        }

        /**
         * How many registries are open, for tests.
         *
         * @return the number of distinct URLs open
         */
        public static int openCount() {
            synchronized (OPEN) {
                return OPEN.size();
            }
        }

        @Override
        public String toString() {
            return RegistryUri.redact(url);
        }
    }
}
