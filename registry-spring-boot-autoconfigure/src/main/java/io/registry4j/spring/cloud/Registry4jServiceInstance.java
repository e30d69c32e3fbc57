package io.registry4j.spring.cloud;

import io.registry4j.Endpoints;
import io.registry4j.ServiceInstance;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.cloud.client.serviceregistry.Registration;

/**
 * A registry4j instance seen by Spring Cloud: host, port and scheme come from its first {@code http} or {@code https}
 * endpoint (a Kratos endpoint with {@code isSecure=true} counts as secure); the metadata adds {@code version}.
 */
public final class Registry4jServiceInstance implements Registration {
    private final ServiceInstance instance;
    private final URI endpoint;
    private final String host;
    private final int port;
    private final boolean secure;
    private final Map<String, String> metadata;

    private Registry4jServiceInstance(ServiceInstance instance, URI endpoint, String host, int port) {
        this.instance = instance;
        this.endpoint = endpoint;
        this.host = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        String scheme = endpoint.getScheme().toLowerCase(Locale.ROOT);
        String query = endpoint.getRawQuery();
        this.secure = scheme.equals("https") || (query != null && query.contains("isSecure=true"));
        this.port = port;
        Map<String, String> m = new LinkedHashMap<>(instance.metadata());
        m.putIfAbsent("version", instance.version());
        this.metadata = Map.copyOf(m);
    }

    /**
     * The Spring Cloud view of an instance, by its first HTTP endpoint.
     *
     * @param instance the registry4j instance
     * @return the view, or null if the instance has no http or https endpoint with a host and port
     */
    public static @Nullable Registry4jServiceInstance of(ServiceInstance instance) {
        Objects.requireNonNull(instance, "instance");
        for (URI e : instance.endpoints()) {
            String scheme = e.getScheme() == null ? "" : e.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                continue;
            }
            String host = Endpoints.host(e);
            int port = Endpoints.port(e);
            if (port < 0 && host != null) {
                port = scheme.equals("https") ? 443 : 80;
            }
            if (host != null) {
                return new Registry4jServiceInstance(instance, e, host, port);
            }
        }
        return null;
    }

    /**
     * The registry4j instance.
     *
     * @return the instance
     */
    public ServiceInstance instance() {
        return instance;
    }

    /**
     * The endpoint host, port and scheme come from.
     *
     * @return the endpoint
     */
    public URI endpoint() {
        return endpoint;
    }

    @Override
    public String getInstanceId() {
        return instance.id();
    }

    @Override
    public String getServiceId() {
        return instance.name();
    }

    @Override
    public String getHost() {
        return host;
    }

    @Override
    public int getPort() {
        return port;
    }

    @Override
    public boolean isSecure() {
        return secure;
    }

    @Override
    public URI getUri() {
        return org.springframework.cloud.client.ServiceInstance.createUri(this);
    }

    @Override
    public String getScheme() {
        return secure ? "https" : "http";
    }

    @Override
    public Map<String, String> getMetadata() {
        return metadata;
    }

    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof Registry4jServiceInstance other
                && instance.equals(other.instance)
                && endpoint.equals(other.endpoint);
    }

    @Override
    public int hashCode() {
        return Objects.hash(instance, endpoint);
    }

    @Override
    public String toString() {
        return instance.name() + "/" + instance.id() + " at " + endpoint;
    }
}
