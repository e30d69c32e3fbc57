package io.registry4j.consul.internal;

import io.registry4j.Endpoints;
import io.registry4j.ServiceInstance;
import io.registry4j.http.internal.Json;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * {@link ServiceInstance} to and from Consul's JSON, in Kratos' layout ({@code contrib/registry/consul}).
 *
 * <p>Written: {@code ID} = id, {@code Name} = name, {@code Tags ["version=<v>"]}, {@code Meta} = metadata,
 * {@code TaggedAddresses[<scheme>] = {Address: <endpoint URL>, Port}}, {@code Address}/{@code Port} from the first
 * endpoint, and a TTL check {@code service:<id>} with {@code DeregisterCriticalServiceAfter}. Two things Kratos' layout
 * cannot hold are added where Kratos' reader ignores them: the order of several endpoints (Consul answers tagged
 * addresses sorted by key) as one more tag {@code registry4j-endpoints=<key>,<key>,...}, and metadata keys that Consul
 * refuses in {@code Meta} (anything but {@code [A-Za-z0-9_-]}, or the reserved {@code consul-} prefix) as
 * {@code registry4j-k-<hex of the UTF-8 key>}. A second endpoint of the same scheme is keyed {@code <scheme>-2}, and so
 * on: Kratos would keep only one.
 *
 * <p>Read: the endpoints are the tagged addresses whose value is an absolute URL with a port, leaving out Consul's own
 * {@code lan}, {@code wan}, {@code lan_ipv4}, {@code wan_ipv4}, {@code lan_ipv6} and {@code wan_ipv6}; a service with
 * none (registered by another client) reads as {@code http://Address:Port}. A malformed entry is reported to the
 * skipper and left out; it never fails the list.
 *
 * <p>Stateless and thread-safe.
 */
public final class ConsulInstanceCodec {
    /** The tag prefix of the version, Kratos': {@code version=}. */
    public static final String VERSION_TAG = "version=";

    /** The tag prefix that keeps the endpoints' order. */
    public static final String ORDER_TAG = "registry4j-endpoints=";

    /** The prefix of an escaped metadata key. */
    public static final String ESCAPED_KEY = "registry4j-k-";

    private static final Set<String> CONSUL_ADDRESS_KEYS =
            Set.of("lan", "wan", "lan_ipv4", "wan_ipv4", "lan_ipv6", "wan_ipv6");
    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_-]{1,128}");
    private static final int MAX_META_KEYS = 64;
    private static final int MAX_META_VALUE = 512;

    /** Told about each entry that is left out, with the reason. */
    public interface Skipper {
        /**
         * Reports a skipped entry.
         *
         * @param key the entry's service ID (or a position when it has none)
         * @param reason why
         */
        void skip(String key, Exception reason);
    }

    /** An extra health check per endpoint. */
    public enum EndpointCheck {
        /** None: only the TTL check. */
        NONE,
        /** A TCP connect to each endpoint's host and port. */
        TCP,
        /** An HTTP GET of each {@code http}/{@code https} endpoint's URL, a TCP connect for other schemes. */
        HTTP
    }

    /**
     * What a registration carries besides the instance.
     *
     * @param ttl the TTL of the {@code service:<id>} check
     * @param deregisterAfter the check's {@code DeregisterCriticalServiceAfter}
     * @param endpointCheck extra checks per endpoint
     * @param checkInterval interval of the extra checks
     */
    public record Settings(
            Duration ttl, Duration deregisterAfter, EndpointCheck endpointCheck, Duration checkInterval) {}

    private ConsulInstanceCodec() {}

    /**
     * The check ID of an instance's TTL check: {@code service:<id>}, as Kratos and Consul's defaults name it.
     *
     * @param id the instance id
     * @return the check ID
     */
    public static String checkId(String id) {
        return "service:" + id;
    }

    /**
     * The body of {@code PUT /v1/agent/service/register}.
     *
     * @param instance the instance
     * @param settings checks and their timing
     * @return JSON
     * @throws IllegalArgumentException naming the field and value if Consul cannot hold the instance (a metadata key
     *     too long even escaped, a value over 512 characters, more than 64 keys)
     */
    public static byte[] encode(ServiceInstance instance, Settings settings) {
        var body = new LinkedHashMap<String, Object>();
        body.put("ID", instance.id());
        body.put("Name", instance.name());
        var tags = new ArrayList<Object>();
        tags.add(VERSION_TAG + instance.version());
        var tagged = new LinkedHashMap<String, Object>();
        var keys = new ArrayList<String>();
        for (URI endpoint : instance.endpoints()) {
            String scheme = endpoint.getScheme();
            String key = scheme;
            for (int n = 2; tagged.containsKey(key); n++) {
                key = scheme + "-" + n;
            }
            var address = new LinkedHashMap<String, Object>();
            address.put("Address", endpoint.toString());
            address.put("Port", Endpoints.port(endpoint));
            tagged.put(key, address);
            keys.add(key);
        }
        if (keys.size() > 1) {
            tags.add(ORDER_TAG + String.join(",", keys));
        }
        body.put("Tags", tags);
        body.put("Meta", encodeMetadata(instance.metadata()));
        URI first = instance.endpoints().get(0);
        body.put("Address", bareHost(first));
        body.put("Port", Endpoints.port(first));
        body.put("TaggedAddresses", tagged);
        var checks = new ArrayList<Object>();
        var ttl = new LinkedHashMap<String, Object>();
        ttl.put("CheckID", checkId(instance.id()));
        ttl.put("Name", "registry4j heartbeat of " + instance.id());
        ttl.put("TTL", goDuration(settings.ttl()));
        ttl.put("Status", "passing");
        ttl.put("DeregisterCriticalServiceAfter", goDuration(settings.deregisterAfter()));
        checks.add(ttl);
        if (settings.endpointCheck() != EndpointCheck.NONE) {
            int n = 1;
            for (URI endpoint : instance.endpoints()) {
                var c = new LinkedHashMap<String, Object>();
                c.put("CheckID", checkId(instance.id()) + ":endpoint-" + n++);
                String scheme = endpoint.getScheme().toLowerCase(Locale.ROOT);
                if (settings.endpointCheck() == EndpointCheck.HTTP
                        && (scheme.equals("http") || scheme.equals("https"))) {
                    c.put("HTTP", endpoint.toString());
                } else {
                    c.put("TCP", Endpoints.host(endpoint) + ":" + Endpoints.port(endpoint));
                }
                c.put("Interval", goDuration(settings.checkInterval()));
                c.put("Timeout", "5s");
                c.put("DeregisterCriticalServiceAfter", goDuration(settings.deregisterAfter()));
                checks.add(c);
            }
        }
        body.put("Checks", checks);
        return Json.write(body);
    }

    /** The host as Consul wants it in {@code Address}: IPv6 without brackets, as Go's {@code SplitHostPort} gives. */
    private static String bareHost(URI endpoint) {
        String host = Objects.requireNonNull(Endpoints.host(endpoint), "host"); // registered instances have one
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /**
     * Metadata as Consul's {@code Meta}: keys Consul accepts as they are, others escaped.
     *
     * @param metadata the instance's metadata
     * @return the meta map
     * @throws IllegalArgumentException if Consul cannot hold it
     */
    public static Map<String, Object> encodeMetadata(Map<String, String> metadata) {
        if (metadata.size() > MAX_META_KEYS) {
            throw new IllegalArgumentException(
                    "metadata has " + metadata.size() + " keys; Consul's Meta holds at most " + MAX_META_KEYS);
        }
        var meta = new TreeMap<String, Object>();
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            String key = e.getKey();
            String stored = isPlainKey(key)
                    ? key
                    : ESCAPED_KEY + HexFormat.of().formatHex(key.getBytes(StandardCharsets.UTF_8));
            if (stored.length() > 128) {
                throw new IllegalArgumentException("metadata key '" + key + "' cannot be stored in Consul's Meta: "
                        + "keys outside [A-Za-z0-9_-] are hex-escaped, and escaped it is " + stored.length()
                        + " characters, over Consul's 128");
            }
            if (e.getValue().length() > MAX_META_VALUE) {
                throw new IllegalArgumentException("metadata value of key '" + key + "' has "
                        + e.getValue().length() + " characters; Consul's Meta holds at most " + MAX_META_VALUE);
            }
            meta.put(stored, e.getValue());
        }
        return meta;
    }

    private static boolean isPlainKey(String key) {
        return PLAIN_KEY.matcher(key).matches()
                && !key.startsWith("consul-")
                && !key.startsWith(ESCAPED_KEY)
                && !key.startsWith("registry4j-");
    }

    /**
     * A duration as Go writes it for Consul: whole seconds ({@code 20s}) or milliseconds ({@code 1500ms}).
     *
     * @param d the duration
     * @return the text
     */
    public static String goDuration(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
    }

    /**
     * Decodes the answer of {@code GET /v1/health/service/<name>}.
     *
     * @param service the name asked for; entries of other names are left out
     * @param body the JSON array
     * @param skipper told about malformed entries
     * @return the instances, in the order of the answer
     * @throws IllegalArgumentException if the body is not a JSON array
     */
    public static List<ServiceInstance> decodeHealth(String service, byte[] body, Skipper skipper) {
        Object doc = Json.parse(body);
        if (!(doc instanceof List<?> entries)) {
            throw new IllegalArgumentException("expected a JSON array of health entries");
        }
        var out = new ArrayList<ServiceInstance>(entries.size());
        int position = 0;
        for (Object entry : entries) {
            position++;
            String key = service + "[" + position + "]";
            try {
                if (!(entry instanceof Map<?, ?> e) || !(e.get("Service") instanceof Map<?, ?> svc)) {
                    throw new IllegalArgumentException("entry has no Service object");
                }
                if (svc.get("ID") instanceof String id) {
                    key = service + "/" + id;
                }
                String nodeAddress =
                        e.get("Node") instanceof Map<?, ?> node && node.get("Address") instanceof String a ? a : "";
                ServiceInstance instance = decodeService(svc, nodeAddress);
                if (instance.name().equals(service)) {
                    out.add(instance);
                }
            } catch (IllegalArgumentException ex) {
                skipper.skip(key, ex);
            }
        }
        return out;
    }

    /**
     * Decodes one {@code Service} object of a health entry.
     *
     * @param svc the object
     * @param nodeAddress the node's address, used when the service has none (Consul's rule)
     * @return the instance
     * @throws IllegalArgumentException naming what is malformed
     */
    static ServiceInstance decodeService(Map<?, ?> svc, String nodeAddress) {
        String id = string(svc, "ID");
        String name = string(svc, "Service");
        String version = "";
        List<String> order = List.of();
        Object tags = svc.get("Tags");
        if (tags instanceof List<?> list) {
            boolean versionSeen = false;
            for (Object t : list) {
                if (!(t instanceof String tag)) {
                    throw new IllegalArgumentException("Tags holds a non-string: " + t);
                }
                if (tag.startsWith(VERSION_TAG) && !versionSeen) {
                    version = tag.substring(VERSION_TAG.length());
                    versionSeen = true;
                } else if (tag.startsWith(ORDER_TAG)) {
                    order = List.of(tag.substring(ORDER_TAG.length()).split(",", -1));
                }
            }
        } else if (tags != null && tags != Json.NULL) {
            throw new IllegalArgumentException("Tags is not an array: " + tags);
        }
        var metadata = new LinkedHashMap<String, String>();
        Object meta = svc.get("Meta");
        if (meta instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getValue() instanceof String value)) {
                    throw new IllegalArgumentException("Meta[" + e.getKey() + "] is not a string: " + e.getValue());
                }
                metadata.put(decodeKey((String) e.getKey()), value);
            }
        } else if (meta != null && meta != Json.NULL) {
            throw new IllegalArgumentException("Meta is not an object: " + meta);
        }
        var byKey = new TreeMap<String, URI>();
        Object tagged = svc.get("TaggedAddresses");
        if (tagged instanceof Map<?, ?> t) {
            for (Map.Entry<?, ?> e : t.entrySet()) {
                String key = (String) e.getKey();
                if (CONSUL_ADDRESS_KEYS.contains(key)) {
                    continue;
                }
                if (!(e.getValue() instanceof Map<?, ?> a) || !(a.get("Address") instanceof String address)) {
                    throw new IllegalArgumentException("TaggedAddresses[" + key + "] has no Address");
                }
                byKey.put(key, endpoint(key, address));
            }
        } else if (tagged != null && tagged != Json.NULL) {
            throw new IllegalArgumentException("TaggedAddresses is not an object: " + tagged);
        }
        var endpoints = new ArrayList<URI>();
        for (String key : order) {
            URI u = byKey.remove(key);
            if (u != null) {
                endpoints.add(u);
            }
        }
        endpoints.addAll(byKey.values());
        if (endpoints.isEmpty()) {
            String address = svc.get("Address") instanceof String a && !a.isEmpty() ? a : nodeAddress;
            long port = svc.get("Port") instanceof Long p ? p : 0;
            if (address.isEmpty() || port < 1 || port > 65535) {
                throw new IllegalArgumentException(
                        "no tagged address and no usable Address/Port ('" + address + "', " + port + ")");
            }
            String host = address.contains(":") && !address.startsWith("[") ? "[" + address + "]" : address;
            endpoints.add(endpoint("Address", "http://" + host + ":" + port));
        }
        return ServiceInstance.builder()
                .id(id)
                .name(name)
                .version(version)
                .metadata(metadata)
                .endpoints(endpoints)
                .build();
    }

    private static URI endpoint(String key, String address) {
        try {
            URI u = new URI(address);
            if (u.getScheme() == null || Endpoints.host(u) == null || Endpoints.port(u) < 1) {
                throw new IllegalArgumentException(
                        "TaggedAddresses[" + key + "].Address is not a URL with host and port: '" + address + "'");
            }
            return u;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    "TaggedAddresses[" + key + "].Address is not a URL: '" + address + "'", e);
        }
    }

    private static String decodeKey(String key) {
        if (!key.startsWith(ESCAPED_KEY)) {
            return key;
        }
        try {
            return new String(HexFormat.of().parseHex(key.substring(ESCAPED_KEY.length())), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Meta key '" + key + "' is not a valid escaped key", e);
        }
    }

    private static String string(Map<?, ?> m, String field) {
        if (!(m.get(field) instanceof String s) || s.isEmpty()) {
            throw new IllegalArgumentException(field + " is missing or not a string: " + m.get(field));
        }
        return s;
    }

    /**
     * Decodes the answer of {@code GET /v1/catalog/services}: the service names, Consul's own {@code consul} left out.
     *
     * @param body the JSON object
     * @return the names
     * @throws IllegalArgumentException if it is not a JSON object
     */
    public static List<String> decodeCatalogServices(byte[] body) {
        if (!(Json.parse(body) instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("expected a JSON object of service names");
        }
        var names = new ArrayList<String>();
        for (Object k : m.keySet()) {
            if (!"consul".equals(k)) {
                names.add((String) k);
            }
        }
        return names;
    }

    /**
     * The {@code X-Consul-Index} of an answer, or 0 if it has none or it is not a number.
     *
     * @param header the header value
     * @return the index
     */
    public static long index(@Nullable String header) {
        if (header == null) {
            return 0;
        }
        try {
            return Long.parseUnsignedLong(header.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
