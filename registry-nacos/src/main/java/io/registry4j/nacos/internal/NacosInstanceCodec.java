package io.registry4j.nacos.internal;

import com.alibaba.nacos.api.naming.pojo.Instance;
import io.registry4j.Endpoints;
import io.registry4j.ServiceInstance;
import io.registry4j.nacos.NacosLayout;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Maps a {@link ServiceInstance} to Nacos instances and back.
 *
 * <p>Writing: one ephemeral Nacos instance per endpoint (ip and port from the endpoint, the registry's cluster and
 * weight). In the {@linkplain NacosLayout#KRATOS Kratos layout} it goes to the service {@code <name>.<scheme>} of the
 * endpoint's scheme, as Kratos' Go registry writes it, with Kratos' keys {@code kind} (the scheme) and {@code version}
 * marked by {@value #KRATOS}; in the {@linkplain NacosLayout#PLAIN plain layout} to the service {@code <name>}. Each
 * carries the instance's user metadata plus {@value #ID}, {@value #VERSION} and {@value #SCHEME}; {@value #INDEX} (the
 * endpoint's position) and {@value #COUNT} (how many there are) when there are several endpoints, and
 * {@value #ENDPOINT} (the endpoint itself) when {@code scheme://ip:port} would not give it back exactly (a path or a
 * query).
 *
 * <p>Reading sees both layouts at once: the service {@code <name>} and {@code <name>.<scheme>} for each read scheme.
 * Nacos instances carrying {@value #ID} are grouped on it, whichever service they are in: version and metadata come
 * from the lowest index, endpoints are ordered by index, and the reserved keys are dropped, so the registered instance
 * comes back exactly and appears once. An instance is listed only with all its endpoints: one spread over several
 * Nacos services is written one service at a time, and a reader can meet it half-written (see {@code assemble}). One
 * written in the Kratos layout is only taken from a {@code <name>.<scheme>} service and one written in the plain
 * layout only from {@code <name>}: the other one belongs to another logical service (the plain {@code orders.grpc}, or
 * the Kratos {@code orders}). Nacos instances without {@value #ID} are read as their writers mean them:
 *
 * <ul>
 *   <li>in {@code <name>.<scheme>}, as Kratos reads them: id the Nacos instance id ({@code ip:port} if the server gave
 *       none), endpoint {@code kind://ip:port} (the service's scheme when {@code kind} is missing), version from
 *       {@code version}, metadata as it is;
 *   <li>in {@code <name>}, as Spring Cloud Alibaba means them: id {@code ip:port}, scheme from {@code kind}, else the
 *       default scheme ({@code https} for {@code http}, {@code grpcs} for {@code grpc} when the metadata has
 *       {@code secure=true}), version from {@code version}, metadata as it is.
 * </ul>
 *
 * <p>The health policy (healthy, enabled, weight above 0, unless all are included) and the cluster filter apply before
 * anything else. An entry that does not make a valid instance is reported to the skip callback with the reason and left
 * out; it never fails the list.
 *
 * <p>Immutable and thread-safe.
 */
public final class NacosInstanceCodec {
    /** Metadata key of the registry4j instance id. */
    public static final String ID = "registry4j.id";

    /** Metadata key of the instance's version. */
    public static final String VERSION = "registry4j.version";

    /** Metadata key of the endpoint's scheme. */
    public static final String SCHEME = "registry4j.scheme";

    /** Metadata key of the endpoint's position among the instance's endpoints, when it has several. */
    public static final String INDEX = "registry4j.index";

    /** Metadata key of the number of the instance's endpoints, when it has several. */
    public static final String COUNT = "registry4j.count";

    /** Metadata key of the endpoint itself, when scheme, ip and port do not give it back exactly. */
    public static final String ENDPOINT = "registry4j.endpoint";

    /** Metadata key marking an instance written in the Kratos layout: {@code kind} and {@code version} are ours. */
    public static final String KRATOS = "registry4j.kratos";

    /** Kratos' metadata key of the endpoint's scheme. */
    public static final String KRATOS_KIND = "kind";

    /** Kratos' metadata key of the version. */
    public static final String KRATOS_VERSION = "version";

    /** Spring Cloud's metadata key telling that the endpoint uses TLS. */
    public static final String SECURE = "secure";

    private final NacosLayout layout;
    private final List<String> kratosSchemes;
    private final String defaultScheme;
    private final String cluster;
    private final double weight;
    private final boolean includeUnhealthy;
    private final Set<String> clusters;

    /**
     * Creates a codec.
     *
     * @param layout how instances are written
     * @param kratosSchemes the schemes whose {@code <name>.<scheme>} services are read
     * @param defaultScheme the scheme of a foreign instance that names none
     * @param cluster the cluster instances are written to
     * @param weight the weight instances are written with
     * @param includeUnhealthy whether unhealthy, disabled and zero-weight instances are read too
     * @param clusters the clusters read, or empty for all
     */
    public NacosInstanceCodec(
            NacosLayout layout,
            List<String> kratosSchemes,
            String defaultScheme,
            String cluster,
            double weight,
            boolean includeUnhealthy,
            Set<String> clusters) {
        this.layout = Objects.requireNonNull(layout, "layout");
        this.kratosSchemes = List.copyOf(kratosSchemes);
        this.defaultScheme = Objects.requireNonNull(defaultScheme, "defaultScheme");
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.weight = weight;
        this.includeUnhealthy = includeUnhealthy;
        this.clusters = Set.copyOf(clusters);
    }

    /**
     * The layout instances are written in.
     *
     * @return the layout
     */
    public NacosLayout layout() {
        return layout;
    }

    /**
     * The Nacos services read for a logical service: both layouts.
     *
     * @param name the logical name
     * @return {@code name}, then {@code name.<scheme>} for each read scheme
     */
    public List<String> servicesOf(String name) {
        List<String> out = new ArrayList<>(kratosSchemes.size() + 1);
        out.add(name);
        for (String scheme : kratosSchemes) {
            out.add(name + "." + scheme);
        }
        return out;
    }

    /**
     * The logical name of a Nacos service: a {@code <name>.<scheme>} service of a read scheme is {@code <name>}, any
     * other service is itself.
     *
     * @param nacosService a Nacos service name
     * @return the logical name
     */
    public String logicalName(String nacosService) {
        for (String scheme : kratosSchemes) {
            String suffix = "." + scheme;
            if (nacosService.endsWith(suffix) && nacosService.length() > suffix.length()) {
                return nacosService.substring(0, nacosService.length() - suffix.length());
            }
        }
        return nacosService;
    }

    /**
     * Checks that an instance can be stored in this layout.
     *
     * @param instance the instance
     * @throws IllegalArgumentException in the Kratos layout, if the metadata uses Kratos' keys {@code kind} or
     *     {@code version}, which the layout writes itself
     */
    public void checkWritable(ServiceInstance instance) {
        if (layout != NacosLayout.KRATOS) {
            return;
        }
        for (String key : List.of(KRATOS_KIND, KRATOS_VERSION)) {
            if (instance.metadata().containsKey(key)) {
                throw new IllegalArgumentException("metadata key '" + key + "' of " + instance.name() + "/"
                        + instance.id() + " is reserved by Kratos' Nacos layout (layout=kratos, the default), which "
                        + "writes it itself; use another key, or layout=plain; got value '"
                        + instance.metadata().get(key) + "'");
            }
        }
    }

    /**
     * The Nacos instances of an instance, by Nacos service, in endpoint order.
     *
     * @param instance the instance
     * @return Nacos service name to its Nacos instances
     */
    public Map<String, List<Instance>> encode(ServiceInstance instance) {
        Map<String, List<Instance>> out = new LinkedHashMap<>();
        List<URI> endpoints = instance.endpoints();
        for (int i = 0; i < endpoints.size(); i++) {
            URI endpoint = endpoints.get(i);
            String scheme = endpoint.getScheme();
            String host = unbracket(Objects.requireNonNull(Endpoints.host(endpoint), "host"));
            int port = Endpoints.port(endpoint);
            Map<String, String> metadata = new TreeMap<>(instance.metadata());
            metadata.put(ID, instance.id());
            metadata.put(VERSION, instance.version());
            metadata.put(SCHEME, scheme);
            if (endpoints.size() > 1) {
                metadata.put(INDEX, Integer.toString(i));
                metadata.put(COUNT, Integer.toString(endpoints.size()));
            }
            if (!endpoint.toString().equals(plainEndpoint(scheme, host, port))) {
                metadata.put(ENDPOINT, endpoint.toString());
            }
            if (layout == NacosLayout.KRATOS) {
                metadata.put(KRATOS_KIND, scheme.toLowerCase(Locale.ROOT));
                metadata.put(KRATOS_VERSION, instance.version());
                metadata.put(KRATOS, "true");
            }
            Instance n = new Instance();
            n.setIp(host);
            n.setPort(port);
            n.setWeight(weight);
            n.setClusterName(cluster);
            n.setEphemeral(true);
            n.setHealthy(true);
            n.setEnabled(true);
            n.setMetadata(metadata);
            out.computeIfAbsent(serviceOf(instance.name(), scheme), s -> new ArrayList<>())
                    .add(n);
        }
        return out;
    }

    private String serviceOf(String name, String scheme) {
        return layout == NacosLayout.KRATOS ? name + "." + scheme.toLowerCase(Locale.ROOT) : name;
    }

    /**
     * Tells whether a list read from Nacos (or held by the SDK for re-registration) contains every Nacos instance
     * given, comparing address, cluster, id and endpoint position.
     *
     * @param held the Nacos instances found
     * @param expected the Nacos instances of one service of one registry4j instance, from {@link #encode}
     * @return true if all are there
     */
    public static boolean containsAll(List<Instance> held, List<Instance> expected) {
        for (Instance want : expected) {
            boolean found = false;
            for (Instance have : held) {
                if (sameEndpoint(have, want)) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameEndpoint(Instance a, Instance b) {
        Map<String, String> ma = metadataOf(a);
        Map<String, String> mb = metadataOf(b);
        return a.getPort() == b.getPort()
                && Objects.equals(a.getIp(), b.getIp())
                && Objects.equals(a.getClusterName(), b.getClusterName())
                && Objects.equals(ma.get(ID), mb.get(ID))
                && Objects.equals(ma.get(INDEX), mb.get(INDEX))
                && Objects.equals(ma.get(SCHEME), mb.get(SCHEME));
    }

    /**
     * Decodes what Nacos holds for one logical service, in both layouts.
     *
     * @param name the logical name
     * @param byService the Nacos instances of each Nacos service of {@link #servicesOf} (missing ones count as empty)
     * @param group the group, for the keys of skipped entries
     * @param skip receives the key and the reason of each entry left out
     * @return the instances, in no particular order
     */
    public List<ServiceInstance> decode(
            String name, Map<String, List<Instance>> byService, String group, BiConsumer<String, Exception> skip) {
        Map<String, List<Part>> ours = new TreeMap<>();
        Map<String, ServiceInstance> foreign = new TreeMap<>();
        for (Map.Entry<String, List<Instance>> e : byService.entrySet()) {
            String nacosService = e.getKey();
            // null for the plain service <name>, else the scheme of <name>.<scheme>
            String suffix = nacosService.length() > name.length() + 1 && nacosService.startsWith(name + ".")
                    ? nacosService.substring(name.length() + 1)
                    : null;
            for (Instance n : e.getValue()) {
                if (!visible(n)) {
                    continue;
                }
                String key = group + "@@" + nacosService + "/" + n.getIp() + ":" + n.getPort();
                Map<String, String> metadata = metadataOf(n);
                String id = metadata.get(ID);
                try {
                    if (id == null) {
                        ServiceInstance x = suffix == null
                                ? decodePlain(name, n, metadata)
                                : decodeKratos(name, suffix, n, metadata);
                        if (foreign.putIfAbsent(x.id(), x) != null) {
                            throw new IllegalArgumentException("another instance without " + ID + " already has the id "
                                    + x.id() + " (the same address in another cluster)");
                        }
                    } else if (metadata.containsKey(KRATOS) == (suffix != null)) {
                        Part part = Part.of(key, n, metadata);
                        ours.computeIfAbsent(id, k -> new ArrayList<>()).add(part);
                    }
                    // else: written in the other layout, for another logical service (the Kratos "orders" in the
                    // plain service "orders.grpc", or the other way round); not ours to read here.
                } catch (IllegalArgumentException ex) {
                    skip.accept(key, ex);
                }
            }
        }
        List<ServiceInstance> out = new ArrayList<>(ours.size() + foreign.size());
        for (Map.Entry<String, List<Part>> e : ours.entrySet()) {
            try {
                ServiceInstance x = assemble(e.getKey(), name, e.getValue());
                if (x == null) {
                    continue; // not all its endpoints are there
                }
                out.add(x);
                if (foreign.remove(x.id()) != null) {
                    skip.accept(
                            group + "@@" + name + "/" + x.id(),
                            new IllegalArgumentException("an instance without " + ID + " has the id " + x.id()
                                    + " of a registry4j instance, which wins"));
                }
            } catch (IllegalArgumentException ex) {
                skip.accept(e.getValue().get(0).key, ex);
            }
        }
        out.addAll(foreign.values());
        return out;
    }

    private boolean visible(Instance n) {
        if (!clusters.isEmpty() && !clusters.contains(n.getClusterName())) {
            return false;
        }
        return includeUnhealthy || (n.isHealthy() && n.isEnabled() && n.getWeight() > 0);
    }

    /** A Nacos instance in {@code <name>.<scheme>} without our keys, read as Kratos' registry reads it. */
    private static ServiceInstance decodeKratos(String name, String suffix, Instance n, Map<String, String> metadata) {
        String ip = Objects.requireNonNullElse(n.getIp(), "");
        String kind = metadata.get(KRATOS_KIND);
        String scheme = kind == null || kind.isEmpty() ? suffix : kind;
        String instanceId = n.getInstanceId();
        String id = instanceId == null || instanceId.isEmpty() ? hostPort(ip, n.getPort()) : instanceId;
        return foreignInstance(id, name, metadata, endpoint(scheme, ip, n.getPort()), "Kratos' " + name + "." + suffix);
    }

    /** A Nacos instance in {@code <name>} without our keys: a plain Nacos client's or Spring Cloud Alibaba's. */
    private ServiceInstance decodePlain(String name, Instance n, Map<String, String> metadata) {
        String ip = Objects.requireNonNullElse(n.getIp(), "");
        String scheme = metadata.get(KRATOS_KIND);
        if (scheme == null || scheme.isEmpty()) {
            scheme = defaultScheme;
            if ("true".equalsIgnoreCase(metadata.get(SECURE))) {
                scheme = switch (scheme) {
                    case "http" -> "https";
                    case "grpc" -> "grpcs";
                    default -> scheme;
                };
            }
        }
        return foreignInstance(
                hostPort(ip, n.getPort()), name, metadata, endpoint(scheme, ip, n.getPort()), "plain " + name);
    }

    private static ServiceInstance foreignInstance(
            String id, String name, Map<String, String> metadata, URI endpoint, String from) {
        try {
            return new ServiceInstance(
                    id, name, metadata.getOrDefault(KRATOS_VERSION, ""), metadata, List.of(endpoint));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "an instance of another client in " + from + " cannot be represented: " + e.getMessage(), e);
        }
    }

    private static String hostPort(String ip, int port) {
        return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + port;
    }

    /**
     * One registry4j instance from its parts, or null while it is not whole. An instance spread over several Nacos
     * services is written one service at a time, so a reader can meet a registration, an update or a deregistration
     * halfway. Parts that agree on version, metadata and count are one registration; in this order:
     *
     * <ol>
     *   <li>a registration that has all its endpoints (the one holding the lowest index first);
     *   <li>else, while an update rewrites the endpoints in place, the lowest index's version and metadata with each
     *       of its positions taken from whichever part holds it (for the usual update, same endpoints and new
     *       metadata, that is exactly the new instance), when every position is held;
     *   <li>else null: the instance is being registered or deregistered.
     * </ol>
     *
     * <p>Parts written before {@value #COUNT} existed (several endpoints, no count) keep the former reading: the lowest
     * index's version and metadata, with the endpoints of the parts that agree with it.
     */
    private static @Nullable ServiceInstance assemble(String id, String name, List<Part> parts) {
        parts.sort(Comparator.comparingInt(p -> p.index));
        Part base = parts.get(0);
        if (base.count == Part.UNKNOWN_COUNT) {
            List<Part> agreeing = parts.stream().filter(p -> p.agrees(base)).toList();
            Map<Integer, URI> endpoints = positions(agreeing, Part.UNKNOWN_COUNT);
            return new ServiceInstance(id, name, base.version, base.metadata, new ArrayList<>(endpoints.values()));
        }
        List<List<Part>> registrations = new ArrayList<>();
        for (Part p : parts) {
            List<Part> same = null;
            for (List<Part> r : registrations) {
                if (p.agrees(r.get(0))) {
                    same = r;
                    break;
                }
            }
            if (same == null) {
                same = new ArrayList<>();
                registrations.add(same);
            }
            same.add(p);
        }
        for (List<Part> r : registrations) {
            Part first = r.get(0);
            Map<Integer, URI> endpoints = positions(r, first.count);
            if (first.count != Part.UNKNOWN_COUNT && endpoints.size() == first.count) {
                return new ServiceInstance(
                        id, name, first.version, first.metadata, new ArrayList<>(endpoints.values()));
            }
        }
        Map<Integer, URI> endpoints = positions(registrations.get(0), base.count);
        positions(parts, base.count).forEach(endpoints::putIfAbsent);
        if (endpoints.size() < base.count) {
            return null;
        }
        return new ServiceInstance(id, name, base.version, base.metadata, new ArrayList<>(endpoints.values()));
    }

    /** The endpoint at each position below {@code count} (all positions if it is unknown), the first part's per one. */
    private static Map<Integer, URI> positions(List<Part> parts, int count) {
        Map<Integer, URI> out = new TreeMap<>();
        for (Part p : parts) {
            if (count == Part.UNKNOWN_COUNT || p.index < count) {
                out.putIfAbsent(p.index, p.endpoint);
            }
        }
        return out;
    }

    /** One endpoint of a registry4j instance, as found in Nacos. */
    private static final class Part {
        /** The count of a part written before {@value #COUNT} existed, with several endpoints. */
        static final int UNKNOWN_COUNT = -1;

        final String key;
        final int index;
        final int count;
        final URI endpoint;
        final String version;
        final Map<String, String> metadata;

        private Part(String key, int index, int count, URI endpoint, String version, Map<String, String> metadata) {
            this.key = key;
            this.index = index;
            this.count = count;
            this.endpoint = endpoint;
            this.version = version;
            this.metadata = metadata;
        }

        /** Whether both come from one registration: the same version, metadata and count. */
        boolean agrees(Part other) {
            return count == other.count && version.equals(other.version) && metadata.equals(other.metadata);
        }

        static Part of(String key, Instance n, Map<String, String> raw) {
            String index = raw.getOrDefault(INDEX, "0");
            int position;
            try {
                position = Integer.parseInt(index);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(INDEX + " is not a number: '" + index + "'", e);
            }
            if (position < 0) {
                throw new IllegalArgumentException(INDEX + " is negative: " + position);
            }
            int count;
            String written = raw.get(COUNT);
            if (written != null) {
                try {
                    count = Integer.parseInt(written);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(COUNT + " is not a number: '" + written + "'", e);
                }
                if (count < 1 || position >= count) {
                    throw new IllegalArgumentException(INDEX + " " + position + " is not below " + COUNT + " " + count);
                }
            } else {
                count = raw.containsKey(INDEX) ? UNKNOWN_COUNT : 1; // one endpoint has neither
            }
            String scheme = raw.get(SCHEME);
            String whole = raw.get(ENDPOINT);
            URI endpoint;
            if (whole != null) {
                try {
                    endpoint = new URI(whole);
                } catch (URISyntaxException e) {
                    throw new IllegalArgumentException(ENDPOINT + " is not a URI: '" + whole + "'", e);
                }
            } else if (scheme == null || scheme.isEmpty()) {
                throw new IllegalArgumentException("no " + SCHEME + " for an instance with " + ID);
            } else {
                endpoint = endpoint(scheme, Objects.requireNonNullElse(n.getIp(), ""), n.getPort());
            }
            boolean kratos = raw.containsKey(KRATOS);
            Map<String, String> user = new TreeMap<>();
            raw.forEach((k, v) -> {
                boolean reserved = k.startsWith(ServiceInstance.RESERVED_PREFIX)
                        || (kratos && (k.equals(KRATOS_KIND) || k.equals(KRATOS_VERSION)));
                if (!reserved) {
                    user.put(k, v);
                }
            });
            return new Part(key, position, count, endpoint, raw.getOrDefault(VERSION, ""), Map.copyOf(user));
        }
    }

    private static Map<String, String> metadataOf(Instance n) {
        Map<String, String> metadata = n.getMetadata();
        return metadata == null ? Map.of() : metadata;
    }

    private static URI endpoint(String scheme, String ip, int port) {
        try {
            return new URI(plainEndpoint(scheme, ip, port));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    "'" + scheme + "', '" + ip + "' and port " + port + " make no endpoint URI: " + e.getReason(), e);
        }
    }

    private static String plainEndpoint(String scheme, String host, int port) {
        return scheme + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    private static String unbracket(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}
