package io.registry4j.servicecomb.internal;

import io.registry4j.ServiceInstance;
import io.registry4j.http.internal.Json;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Maps {@link ServiceInstance}s to service-center's microservices and instances, and back.
 *
 * <p>Layout (Kratos' {@code contrib/registry/servicecomb}, with what it dropped put back): the microservice is
 * (appId, serviceName = name, version, environment) with framework {@code registry4j}; the instance has
 * {@code instanceId} = the id when service-center accepts it ({@code [A-Za-z0-9_.-]}, at most 64), else a stable digest
 * of it; {@code hostName} = the id (or the instance id when the id is longer than 64); {@code endpoints} = the endpoint
 * URLs in order; {@code properties} = the metadata plus {@value #ID_KEY} (Kratos stores no metadata). service-center
 * only takes versions of the form {@code x[.y[.z[.w]]]} with parts up to 32767, and answers the microservice's
 * version as the instance's; any other version (empty, {@code v1}) registers under microservice version
 * {@value #FALLBACK_VERSION} and travels in {@value #VERSION_KEY}.
 *
 * <p>Reading: id from {@value #ID_KEY}, else the instance id (instances written by Kratos or Java chassis); version
 * from {@value #VERSION_KEY}, else the instance's {@code version}; metadata = the properties without keys starting
 * {@code registry4j.}; only instances whose status is {@code UP}, unless all are asked for. An instance that does not
 * decode (no endpoint, an endpoint without port, a bad id) is skipped and reported; it never fails the list.
 *
 * <p>Thread-safe (stateless).
 */
public final class ServiceCombCodec {
    /** The property holding the registry4j id. */
    public static final String ID_KEY = "registry4j.id";

    /** The property holding a version service-center cannot store as a microservice version. */
    public static final String VERSION_KEY = "registry4j.version";

    /** The microservice version used for a version service-center refuses. */
    public static final String FALLBACK_VERSION = "0.0.0";

    private static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private ServiceCombCodec() {}

    /**
     * Whether service-center takes this as a microservice version: {@code x[.y[.z[.w]]]}, each part 0–32767.
     *
     * @param version a version
     * @return true if it does
     */
    public static boolean isServiceVersion(String version) {
        if (version.isEmpty() || version.length() > 64) {
            return false;
        }
        String[] parts = version.split("\\.", -1);
        if (parts.length > 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 5 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return false;
            }
            if (Integer.parseInt(p) > 32767) {
                return false;
            }
        }
        return true;
    }

    /**
     * The microservice version an instance registers under.
     *
     * @param instance the instance
     * @return its version, or {@value #FALLBACK_VERSION} when service-center would refuse it
     */
    public static String serviceVersion(ServiceInstance instance) {
        return isServiceVersion(instance.version()) ? instance.version() : FALLBACK_VERSION;
    }

    /**
     * The service-center instance id of a registry4j id: the id itself when service-center accepts it, else
     * {@code r4j-} and 32 hex digits of its SHA-256.
     *
     * @param id a registry4j id
     * @return the instance id
     */
    public static String instanceId(String id) {
        if (INSTANCE_ID.matcher(id).matches()) {
            return id;
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            return "r4j-" + HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing", e);
        }
    }

    /**
     * The body of {@code POST /registry/microservices}.
     *
     * @param appId the application
     * @param name the service name
     * @param version the microservice version
     * @param environment the environment, may be empty
     * @return the JSON body
     */
    public static byte[] encodeService(String appId, String name, String version, String environment) {
        var s = new LinkedHashMap<String, Object>();
        s.put("appId", appId);
        s.put("serviceName", name);
        s.put("version", version);
        s.put("environment", environment);
        s.put("framework", Map.of("name", "registry4j", "version", "0.1"));
        s.put("registerBy", "SDK");
        s.put("status", "UP");
        return Json.write(Map.of("service", s));
    }

    /**
     * The body of {@code POST /registry/microservices/{serviceId}/instances}.
     *
     * @param instance the instance
     * @param serviceId its microservice's id
     * @param heartbeatSeconds the push health check's interval
     * @param times missed heartbeats tolerated
     * @return the JSON body
     */
    public static byte[] encodeInstance(ServiceInstance instance, String serviceId, long heartbeatSeconds, int times) {
        String iid = instanceId(instance.id());
        var props = new LinkedHashMap<String, Object>(instance.metadata());
        props.put(ID_KEY, instance.id());
        if (!isServiceVersion(instance.version())) {
            props.put(VERSION_KEY, instance.version());
        }
        var eps = new ArrayList<Object>();
        instance.endpoints().forEach(u -> eps.add(u.toString()));
        var i = new LinkedHashMap<String, Object>();
        i.put("instanceId", iid);
        i.put("serviceId", serviceId);
        i.put("endpoints", eps);
        i.put("hostName", instance.id().length() <= 64 ? instance.id() : iid);
        i.put("status", "UP");
        i.put("properties", props);
        i.put("healthCheck", Map.of("mode", "push", "interval", Math.max(1, heartbeatSeconds), "times", times));
        return Json.write(Map.of("instance", i));
    }

    /**
     * A string field of an answer such as {@code {"serviceId":"..."}}.
     *
     * @param body the answer
     * @param field the field
     * @return its value
     * @throws IllegalArgumentException if the body is not such an object
     */
    public static String field(byte[] body, String field) {
        if (Json.parse(body) instanceof Map<?, ?> m && m.get(field) instanceof String s && !s.isEmpty()) {
            return s;
        }
        throw new IllegalArgumentException("no \"" + field + "\" in " + new String(body, StandardCharsets.UTF_8));
    }

    /**
     * The {@code errorCode} of an error answer.
     *
     * @param body the answer
     * @return the code, such as {@code 400017}, or empty when the body is not an error
     */
    public static String errorCode(byte[] body) {
        try {
            if (Json.parse(body) instanceof Map<?, ?> m) {
                Object c = m.get("errorCode");
                return c == null || c == Json.NULL ? "" : String.valueOf(c);
            }
        } catch (IllegalArgumentException e) {
            return "";
        }
        return "";
    }

    /**
     * Decodes the answer of {@code GET /registry/instances}.
     *
     * @param service the service asked for
     * @param body the answer
     * @param includeAll list instances whatever their status
     * @param skip told of each instance that does not decode, with its key and the reason
     * @return the instances, one per id
     * @throws IllegalArgumentException if the body is not service-center's JSON at all
     */
    public static List<ServiceInstance> decodeInstances(
            String service, byte[] body, boolean includeAll, BiConsumer<String, Exception> skip) {
        Object doc = Json.parse(body);
        if (!(doc instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("expected an object with \"instances\"");
        }
        Object list = m.get("instances");
        if (list == null || list == Json.NULL) {
            return List.of(); // service-center leaves the field out when there are none
        }
        if (!(list instanceof List<?> items)) {
            throw new IllegalArgumentException("\"instances\" is not a list");
        }
        var byId = new LinkedHashMap<String, ServiceInstance>();
        var stamps = new HashMap<String, Long>();
        for (Object item : items) {
            String key = service + "/" + instanceKey(item);
            try {
                ServiceInstance i = decodeInstance(service, item, includeAll);
                if (i == null) {
                    continue;
                }
                long stamp = timestamp(item);
                ServiceInstance before = byId.get(i.id());
                Long prev = stamps.get(i.id());
                // One id in two microservice versions (an instance registered again under a new version while the
                // old one lives on): the newest wins, then the higher version.
                if (before == null
                        || prev == null
                        || stamp > prev
                        || (stamp == prev && compareVersions(i.version(), before.version()) > 0)) {
                    byId.put(i.id(), i);
                    stamps.put(i.id(), stamp);
                }
            } catch (IllegalArgumentException e) {
                skip.accept(key, e);
            }
        }
        return new ArrayList<>(byId.values());
    }

    private static long timestamp(Object item) {
        if (item instanceof Map<?, ?> m) {
            Object t = m.get("modTimestamp") instanceof String s && !s.isEmpty() ? s : m.get("timestamp");
            if (t instanceof String s) {
                try {
                    return Long.parseLong(s);
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

    /**
     * Compares two versions part by part, numerically where both parts are numbers.
     *
     * @param a a version
     * @param b another
     * @return negative, zero or positive
     */
    static int compareVersions(String a, String b) {
        String[] x = a.split("\\.", -1);
        String[] y = b.split("\\.", -1);
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            String p = i < x.length ? x[i] : "0";
            String q = i < y.length ? y[i] : "0";
            int c;
            if (p.matches("\\d{1,9}") && q.matches("\\d{1,9}")) {
                c = Integer.compare(Integer.parseInt(p), Integer.parseInt(q));
            } else {
                c = p.compareTo(q);
            }
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private static String instanceKey(Object item) {
        if (item instanceof Map<?, ?> m && m.get("instanceId") instanceof String s) {
            return s;
        }
        return "?";
    }

    private static @Nullable ServiceInstance decodeInstance(String service, Object item, boolean includeAll) {
        if (!(item instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("an instance is not a JSON object");
        }
        String status = m.get("status") instanceof String s ? s : "UP";
        if (!includeAll && !status.equals("UP")) {
            return null;
        }
        String iid = m.get("instanceId") instanceof String s ? s : "";
        Map<String, String> metadata = new LinkedHashMap<>();
        String id = iid;
        String version = m.get("version") instanceof String s ? s : "";
        if (m.get("properties") instanceof Map<?, ?> props) {
            for (var e : props.entrySet()) {
                if (!(e.getKey() instanceof String k) || !(e.getValue() instanceof String v)) {
                    throw new IllegalArgumentException("property " + e.getKey() + " is not a string");
                }
                if (k.equals(ID_KEY)) {
                    id = v;
                } else if (k.equals(VERSION_KEY)) {
                    version = v;
                } else if (!k.startsWith("registry4j.")) {
                    metadata.put(k, v);
                }
            }
        } else if (m.get("properties") != null && m.get("properties") != Json.NULL) {
            throw new IllegalArgumentException("properties is not an object");
        }
        var endpoints = new ArrayList<URI>();
        if (m.get("endpoints") instanceof List<?> eps) {
            for (Object e : eps) {
                if (!(e instanceof String s)) {
                    throw new IllegalArgumentException("endpoint " + e + " is not a string");
                }
                try {
                    endpoints.add(new URI(s));
                } catch (java.net.URISyntaxException ex) {
                    throw new IllegalArgumentException("endpoint '" + s + "' is not a URI", ex);
                }
            }
        }
        return new ServiceInstance(id, service, version, metadata, endpoints);
    }
}
