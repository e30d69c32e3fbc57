package io.registry4j.polaris.internal;

import com.tencent.polaris.api.pojo.Instance;
import io.registry4j.Endpoints;
import io.registry4j.ServiceInstance;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Maps a {@link ServiceInstance} to Polaris instances (one per endpoint) and back.
 *
 * <p>Layout: the Polaris service is the instance's name; each endpoint is one Polaris instance with the endpoint's
 * host and port, {@code protocol} = its scheme, {@code version} = the instance's version, and metadata = the user's
 * plus {@code registry4j.id}; an instance with several endpoints also carries {@code registry4j.index} (0-based) and
 * {@code registry4j.count} on each, and an endpoint with a path, query or user info carries {@code registry4j.endpoint}
 * (the whole URI). Reads group our Polaris instances on {@code registry4j.id}, so the registered instance comes back
 * exactly.
 *
 * <p>The Polaris server overwrites five metadata keys in what it sends to clients with instance fields:
 * {@code version}, {@code protocol}, {@code region}, {@code zone} and {@code campus} (its instance cache's
 * {@code fillInternalLabels}). A user key of those names is therefore also written as {@code registry4j.meta.<key>}
 * and restored from there on read; on our own instances the server-filled values and the server's {@code internal-*}
 * keys are dropped. Other clients' instances are returned as they are: one instance per Polaris instance, id = the
 * Polaris id, endpoint {@code <protocol>://host:port} ({@code http} when the protocol is empty), version from the
 * Polaris field, metadata as the server sends it.
 *
 * <p>Stateless and thread-safe.
 */
public final class PolarisInstanceCodec {
    /** Our id, on every Polaris instance this library writes. */
    public static final String ID = "registry4j.id";

    static final String INDEX = "registry4j.index";
    static final String COUNT = "registry4j.count";
    static final String ENDPOINT = "registry4j.endpoint";
    static final String ESCAPED = "registry4j.meta.";
    static final String RESERVED = "registry4j.";

    /** The metadata keys the server fills from instance fields in every discovery answer. */
    static final Set<String> SERVER_FILLED = Set.of("version", "protocol", "region", "zone", "campus");

    private static final String SERVER_INTERNAL = "internal-";

    private final boolean includeUnhealthy;

    /**
     * A codec.
     *
     * @param includeUnhealthy whether reads keep unhealthy and isolated instances
     */
    public PolarisInstanceCodec(boolean includeUnhealthy) {
        this.includeUnhealthy = includeUnhealthy;
    }

    /** One Polaris instance to write: where, and what it carries. */
    public record Member(String host, int port, String protocol, Map<String, String> metadata) {
        /**
         * The endpoint key the server knows an instance by within its service.
         *
         * @return {@code host:port}
         */
        public String key() {
            return host + ":" + port;
        }
    }

    /**
     * The Polaris instances of one instance, one per endpoint, in endpoint order.
     *
     * @param instance the instance
     * @return the members
     */
    public List<Member> encode(ServiceInstance instance) {
        List<URI> endpoints = instance.endpoints();
        List<Member> out = new ArrayList<>(endpoints.size());
        for (int i = 0; i < endpoints.size(); i++) {
            URI e = endpoints.get(i);
            Map<String, String> md = new LinkedHashMap<>(instance.metadata());
            for (String key : SERVER_FILLED) {
                String value = instance.metadata().get(key);
                if (value != null) {
                    md.put(ESCAPED + key, value);
                }
            }
            md.put(ID, instance.id());
            if (endpoints.size() > 1) {
                md.put(INDEX, Integer.toString(i));
                md.put(COUNT, Integer.toString(endpoints.size()));
            }
            if ((e.getRawPath() != null && !e.getRawPath().isEmpty())
                    || e.getRawQuery() != null
                    || e.getRawUserInfo() != null
                    || e.getRawFragment() != null) {
                md.put(ENDPOINT, e.toString());
            }
            out.add(new Member(host(e), Endpoints.port(e), e.getScheme(), md));
        }
        return out;
    }

    /**
     * The host of an endpoint as Polaris stores it: an IPv6 address without its brackets; a name with {@code _}, which
     * {@link URI#getHost()} does not return, as written.
     */
    static String host(URI endpoint) {
        String host = String.valueOf(Endpoints.host(endpoint));
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /**
     * Decodes the Polaris instances of one service, applying the health policy.
     *
     * @param service the logical service name
     * @param instances what the SDK holds for it
     * @param skip told of each entry that cannot be decoded (key: the Polaris instance id), which is left out
     * @return the instances, in no particular order
     */
    public List<ServiceInstance> decode(String service, Instance[] instances, BiConsumer<String, Exception> skip) {
        Map<String, Map<Integer, Instance>> ours = new LinkedHashMap<>();
        Map<String, String> badGroups = new HashMap<>();
        List<ServiceInstance> out = new ArrayList<>();
        for (Instance p : instances) {
            Map<String, String> md = p.getMetadata() == null ? Map.of() : p.getMetadata();
            String id = md.get(ID);
            if (id == null) {
                if (visible(p)) {
                    try {
                        out.add(foreign(service, p));
                    } catch (IllegalArgumentException | URISyntaxException e) {
                        skip.accept(p.getId(), e);
                    }
                }
                continue;
            }
            int index;
            try {
                index = md.containsKey(INDEX) ? Integer.parseInt(md.get(INDEX)) : 0;
                if (index < 0) {
                    throw new NumberFormatException("negative");
                }
            } catch (NumberFormatException e) {
                skip.accept(
                        p.getId(),
                        new IllegalArgumentException("metadata " + INDEX + " '" + md.get(INDEX) + "' is not an index"));
                badGroups.put(id, p.getId());
                continue;
            }
            if (!visible(p)) {
                continue;
            }
            Instance previous = ours.computeIfAbsent(id, k -> new TreeMap<>()).put(index, p);
            if (previous != null) {
                skip.accept(
                        p.getId(),
                        new IllegalArgumentException("two Polaris instances (" + previous.getId() + ", " + p.getId()
                                + ") claim endpoint " + index + " of " + id));
                badGroups.put(id, p.getId());
            }
        }
        for (Map.Entry<String, Map<Integer, Instance>> group : ours.entrySet()) {
            if (badGroups.containsKey(group.getKey())) {
                continue;
            }
            try {
                ServiceInstance decoded = own(service, group.getKey(), group.getValue());
                if (decoded != null) {
                    out.add(decoded);
                }
            } catch (IllegalArgumentException | URISyntaxException e) {
                skip.accept(group.getKey(), e);
            }
        }
        return out;
    }

    private boolean visible(Instance p) {
        return includeUnhealthy || (p.isHealthy() && !p.isIsolated());
    }

    /** One of ours, or null while not all its endpoints are there (being written, or some unhealthy). */
    private static @Nullable ServiceInstance own(String service, String id, Map<Integer, Instance> members)
            throws URISyntaxException {
        Instance first = members.values().iterator().next();
        Map<String, String> md = first.getMetadata();
        int count = md.containsKey(COUNT) ? Integer.parseInt(md.get(COUNT)) : 1;
        if (members.size() != count || !members.containsKey(0) || !members.containsKey(count - 1)) {
            return null;
        }
        List<URI> endpoints = new ArrayList<>(count);
        for (Instance p : members.values()) {
            endpoints.add(endpoint(p));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        md.forEach((k, v) -> {
            if (!k.startsWith(RESERVED) && !k.startsWith(SERVER_INTERNAL) && !SERVER_FILLED.contains(k)) {
                metadata.put(k, v);
            }
        });
        md.forEach((k, v) -> {
            if (k.startsWith(ESCAPED) && SERVER_FILLED.contains(k.substring(ESCAPED.length()))) {
                metadata.put(k.substring(ESCAPED.length()), v);
            }
        });
        return new ServiceInstance(id, service, nullToEmpty(first.getVersion()), metadata, endpoints);
    }

    private static ServiceInstance foreign(String service, Instance p) throws URISyntaxException {
        Map<String, String> md = p.getMetadata() == null ? Map.of() : p.getMetadata();
        return new ServiceInstance(p.getId(), service, nullToEmpty(p.getVersion()), md, List.of(endpoint(p)));
    }

    private static URI endpoint(Instance p) throws URISyntaxException {
        Map<String, String> md = p.getMetadata() == null ? Map.of() : p.getMetadata();
        String whole = md.get(ENDPOINT);
        if (whole != null) {
            return new URI(whole);
        }
        String protocol = p.getProtocol() == null || p.getProtocol().isEmpty() ? "http" : p.getProtocol();
        String host = p.getHost().contains(":") ? "[" + p.getHost() + "]" : p.getHost();
        return new URI(protocol + "://" + host + ":" + p.getPort());
    }

    private static String nullToEmpty(@Nullable String s) {
        return s == null ? "" : s;
    }
}
