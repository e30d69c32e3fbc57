package io.registry4j.eureka.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.registry4j.Endpoints;
import io.registry4j.ServiceInstance;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * {@link ServiceInstance} to Eureka's JSON and back.
 *
 * <p>Mapping (one Eureka instance per endpoint, as in Kratos): the app is the upper-cased name (Eureka upper-cases
 * it anyway); {@code ipAddr} and {@code hostName} are the endpoint's host; a secure scheme ({@code https},
 * {@code grpcs}, {@code wss}) fills and enables {@code securePort}, any other {@code port}; {@code vipAddress} and
 * {@code secureVipAddress} are the name. Each Eureka instance carries its own metadata map (never one shared
 * between endpoints, Kratos' #3818 bug): the user's pairs as they are, so other Eureka clients see them, plus the
 * reserved {@code registry4j.id}, {@code .name}, {@code .version}, {@code .endpoint} (this endpoint's URI),
 * {@code .index} (its position), {@code .count} (how many endpoints the instance has) and {@code .rev} (the
 * registration's revision, the same for all its endpoints), plus Kratos' keys as its {@code contrib/registry/eureka}
 * writes them, so that a Kratos client reads the endpoint:
 * {@code ID}, {@code Name}, {@code Version}, {@code Endpoints} (this endpoint's URI: Kratos writes one endpoint per
 * Eureka instance, never a list) and {@code agent} = {@code go-eureka-client}. A user key that the server would drop
 * ({@code @class}, Eureka's own type marker) or that is one of Kratos' keys travels as {@code registry4j.key.<key>}.
 *
 * <p>Reading back groups a service's Eureka instances by {@code registry4j.id}, keeps those of the newest revision
 * (so an endpoint left over from an earlier registration never merges into the current one), and orders their
 * endpoints by index: the registered {@link ServiceInstance}, exactly. A registration writes its endpoints one request
 * each, so a reader can meet one half-written; an instance is listed only with all its endpoints (see {@code merge}).
 * Eureka instances without {@code registry4j.id} but with Kratos' {@code ID} and {@code Endpoints} were registered by
 * Kratos: they are grouped
 * by {@code ID} into one instance whose endpoints are the {@code Endpoints} values (scheme kept, see
 * {@link KratosPart} for Kratos' shared-map bug), sorted, and whose version and metadata are Kratos' {@code Version}
 * and the metadata without Kratos' keys. Other Eureka instances come from other clients (Spring Cloud, Netflix) and
 * read as an instance whose id is the {@code instanceId}, with the metadata as it is and the endpoints
 * {@code https://ipAddr:securePort} and {@code http://ipAddr:port} of the enabled ports. Anything that does not make a
 * valid instance is reported to the caller and left out, alone.
 *
 * <p>The instance id is {@code <id>:<scheme>:<host>:<port>}, readable like Eureka's own {@code host:app:port},
 * stable and unique per service, id and endpoint; when a part has characters outside {@code [A-Za-z0-9._-]}, the
 * name has upper-case letters, or the endpoint has more than scheme, host and port, they are replaced by {@code _}
 * and a hash of the exact triple is appended ({@code ~} and 12 hex digits), which keeps the id unique and safe in a
 * URL path on every server.
 *
 * <p>JSON is read and written with Jackson's streaming API: Eureka's documents are regular, and a full registry can
 * hold tens of thousands of instances. Thread-safe (stateless).
 */
public final class EurekaInstanceCodec {
    /** Metadata key of the registry4j id. */
    public static final String ID = "registry4j.id";
    /** Metadata key of the service name, in its original case. */
    public static final String NAME = "registry4j.name";
    /** Metadata key of the version. */
    public static final String VERSION = "registry4j.version";
    /** Metadata key of this Eureka instance's endpoint. */
    public static final String ENDPOINT = "registry4j.endpoint";
    /** Metadata key of this endpoint's position among the instance's endpoints. */
    public static final String INDEX = "registry4j.index";
    /** Metadata key of the number of endpoints of the instance. */
    public static final String COUNT = "registry4j.count";
    /** Metadata key of the registration's revision. */
    public static final String REV = "registry4j.rev";
    /** Prefix of a user key that cannot be stored as it is. */
    public static final String ESCAPED = "registry4j.key.";

    /** Kratos' metadata key of the instance id ({@code contrib/registry/eureka}, register.go). */
    public static final String KRATOS_ID = "ID";
    /** Kratos' metadata key of the service name. */
    public static final String KRATOS_NAME = "Name";
    /** Kratos' metadata key of the version. */
    public static final String KRATOS_VERSION = "Version";
    /** Kratos' metadata key of this Eureka instance's endpoint: one URI, the one Kratos' resolvers dial. */
    public static final String KRATOS_ENDPOINTS = "Endpoints";
    /** Kratos' metadata key naming the client. */
    public static final String KRATOS_AGENT = "agent";
    /** The value Kratos writes under {@link #KRATOS_AGENT}. */
    public static final String KRATOS_AGENT_VALUE = "go-eureka-client";

    /** Eureka's type marker in JSON objects; its JSON codec drops a metadata key of this name. */
    static final String CLASS_MARKER = "@class";

    /** The count of a part registry4j wrote before it wrote {@link #COUNT}. */
    private static final int UNKNOWN_COUNT = -1;

    /** The keys Kratos adds to the user's metadata; a user key of one of these names travels escaped. */
    private static final Set<String> KRATOS_KEYS =
            Set.of(KRATOS_ID, KRATOS_NAME, KRATOS_VERSION, KRATOS_ENDPOINTS, KRATOS_AGENT);

    private static final Set<String> SECURE_SCHEMES = Set.of("https", "grpcs", "wss");
    private static final Set<String> STATUSES = Set.of("UP", "DOWN", "STARTING", "OUT_OF_SERVICE", "UNKNOWN");
    private static final JsonFactory JSON = JsonFactory.builder().build();

    private EurekaInstanceCodec() {}

    /** Receives what cannot be read, with the reason. */
    @FunctionalInterface
    public interface Skipper {
        /**
         * Records one skipped entry.
         *
         * @param key where the entry is
         * @param reason why it was skipped
         */
        void skip(String key, Exception reason);
    }

    /** A parsed {@code applications} document: the full registry or a delta. */
    public record Applications(String reconcileHash, List<EurekaRecord> records) {}

    /**
     * Eureka's application name of a service.
     *
     * @param service the service name
     * @return the name upper-cased
     */
    public static String appName(String service) {
        return service.toUpperCase(Locale.ROOT);
    }

    /**
     * The Eureka instance id of one endpoint of an instance; see the class comment.
     *
     * @param instance the instance
     * @param endpoint one of its endpoints
     * @return the instance id
     */
    public static String instanceId(ServiceInstance instance, URI endpoint) {
        String host = hostOf(endpoint);
        String scheme = endpoint.getScheme();
        boolean exact = safe(instance.id())
                && safe(scheme)
                && safe(host)
                && instance.name().equals(instance.name().toLowerCase(Locale.ROOT))
                && endpoint.getRawUserInfo() == null
                && (endpoint.getRawPath() == null || endpoint.getRawPath().isEmpty())
                && endpoint.getRawQuery() == null
                && endpoint.getRawFragment() == null;
        String readable = sanitize(instance.id()) + ":" + sanitize(scheme) + ":" + sanitize(host) + ":"
                + Endpoints.port(endpoint);
        if (exact) {
            return readable;
        }
        String triple = instance.name() + "\n" + instance.id() + "\n" + endpoint;
        return readable + "~" + sha256(triple).substring(0, 12);
    }

    private static boolean safe(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (!safeChar(s.charAt(i))) {
                return false;
            }
        }
        return !s.isEmpty();
    }

    private static boolean safeChar(char c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '.'
                || c == '-'
                || c == '_';
    }

    private static String sanitize(String s) {
        var out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(safeChar(c) ? c : '_');
        }
        return out.toString();
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The host of an endpoint without IPv6 brackets, as Eureka's {@code ipAddr} holds it. */
    static String hostOf(URI endpoint) {
        String host = Objects.requireNonNull(Endpoints.host(endpoint), "host"); // registered instances have one
        if (host.length() > 1 && host.charAt(0) == '[' && host.charAt(host.length() - 1) == ']') {
            return host.substring(1, host.length() - 1);
        }
        return host;
    }

    /**
     * Encodes a path segment, such as an instance id, for a URL.
     *
     * @param segment the raw segment
     * @return the segment with everything but unreserved characters, {@code :} and {@code @} percent-encoded
     */
    public static String pathSegment(String segment) {
        var out = new StringBuilder(segment.length());
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (safeChar(c) || c == '~' || c == ':' || c == '@') {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)));
                out.append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /**
     * The registration document of one endpoint, for {@code POST /apps/<APP>}.
     *
     * @param instance the instance
     * @param index which endpoint
     * @param rev the registration's revision, also sent as {@code lastDirtyTimestamp}
     * @param renewalSeconds the lease renewal interval the server should expect
     * @param durationSeconds how long the server keeps the lease without renewal
     * @return the JSON
     */
    public static byte[] encode(
            ServiceInstance instance, int index, long rev, int renewalSeconds, int durationSeconds) {
        URI endpoint = instance.endpoints().get(index);
        String host = hostOf(endpoint);
        int port = Endpoints.port(endpoint);
        boolean secure = SECURE_SCHEMES.contains(endpoint.getScheme().toLowerCase(Locale.ROOT));
        var out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeObjectFieldStart("instance");
            g.writeStringField("instanceId", instanceId(instance, endpoint));
            g.writeStringField("hostName", host);
            g.writeStringField("app", appName(instance.name()));
            g.writeStringField("ipAddr", host);
            g.writeStringField("vipAddress", instance.name());
            g.writeStringField("secureVipAddress", instance.name());
            g.writeStringField("status", EurekaRecord.UP);
            g.writeStringField("overriddenStatus", "UNKNOWN");
            writePort(g, "port", port, !secure);
            writePort(g, "securePort", secure ? port : 443, secure);
            String scheme = endpoint.getScheme().toLowerCase(Locale.ROOT);
            if (scheme.equals("http") || scheme.equals("https")) {
                g.writeStringField("homePageUrl", scheme + "://" + endpoint.getRawAuthority() + "/");
            }
            g.writeObjectFieldStart("dataCenterInfo");
            g.writeStringField(CLASS_MARKER, "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo");
            g.writeStringField("name", "MyOwn");
            g.writeEndObject();
            g.writeObjectFieldStart("leaseInfo");
            g.writeNumberField("renewalIntervalInSecs", renewalSeconds);
            g.writeNumberField("durationInSecs", durationSeconds);
            g.writeEndObject();
            g.writeObjectFieldStart("metadata");
            for (Map.Entry<String, String> e : new TreeMap<>(instance.metadata()).entrySet()) {
                String key = e.getKey().equals(CLASS_MARKER) || KRATOS_KEYS.contains(e.getKey())
                        ? ESCAPED + e.getKey()
                        : e.getKey();
                g.writeStringField(key, e.getValue());
            }
            // Kratos' keys, as its register.go writes them, in this endpoint's own map: a Kratos client reads
            // ID, Name, Version and Endpoints (this endpoint, which its resolvers pick by scheme) and nothing else.
            g.writeStringField(KRATOS_ID, instance.id());
            g.writeStringField(KRATOS_NAME, instance.name());
            g.writeStringField(KRATOS_VERSION, instance.version());
            g.writeStringField(KRATOS_ENDPOINTS, endpoint.toString());
            g.writeStringField(KRATOS_AGENT, KRATOS_AGENT_VALUE);
            g.writeStringField(ID, instance.id());
            g.writeStringField(NAME, instance.name());
            g.writeStringField(VERSION, instance.version());
            g.writeStringField(ENDPOINT, endpoint.toString());
            g.writeStringField(INDEX, Integer.toString(index));
            g.writeStringField(COUNT, Integer.toString(instance.endpoints().size()));
            g.writeStringField(REV, Long.toString(rev));
            g.writeEndObject();
            g.writeStringField("lastUpdatedTimestamp", Long.toString(rev));
            g.writeStringField("lastDirtyTimestamp", Long.toString(rev));
            g.writeStringField("actionType", "ADDED");
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    private static void writePort(JsonGenerator g, String field, int port, boolean enabled) throws IOException {
        g.writeObjectFieldStart(field);
        g.writeNumberField("$", port);
        g.writeStringField("@enabled", Boolean.toString(enabled));
        g.writeEndObject();
    }

    // ---- reading ----

    /**
     * Parses {@code GET /apps} or {@code GET /apps/delta}.
     *
     * @param json the body
     * @return the hash code and every instance
     * @throws IllegalArgumentException if the body is not such a document
     */
    public static Applications parseApplications(byte[] json) {
        try (JsonParser p = JSON.createParser(json)) {
            expect(p, p.nextToken(), JsonToken.START_OBJECT, "document");
            String hash = "";
            var records = new ArrayList<EurekaRecord>();
            boolean found = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("applications") && value == JsonToken.START_OBJECT) {
                    found = true;
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String inner = p.currentName();
                        JsonToken v = p.nextToken();
                        if (inner.equals("apps__hashcode")) {
                            hash = v == JsonToken.VALUE_NULL ? "" : p.getValueAsString("");
                        } else if (inner.equals("application")) {
                            forEachElement(p, v, "application", () -> parseApplication(p, records));
                        } else {
                            p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
            if (!found) {
                throw new IllegalArgumentException("no \"applications\" object in " + preview(json));
            }
            return new Applications(hash, records);
        } catch (IOException e) {
            throw new IllegalArgumentException("not an Eureka applications document: " + e.getMessage(), e);
        }
    }

    /**
     * Parses {@code GET /apps/<APP>}.
     *
     * @param json the body
     * @return the application's instances
     * @throws IllegalArgumentException if the body is not such a document
     */
    public static List<EurekaRecord> parseApplication(byte[] json) {
        try (JsonParser p = JSON.createParser(json)) {
            expect(p, p.nextToken(), JsonToken.START_OBJECT, "document");
            var records = new ArrayList<EurekaRecord>();
            boolean found = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("application") && value == JsonToken.START_OBJECT) {
                    found = true;
                    parseApplication(p, records);
                } else {
                    p.skipChildren();
                }
            }
            if (!found) {
                throw new IllegalArgumentException("no \"application\" object in " + preview(json));
            }
            return records;
        } catch (IOException e) {
            throw new IllegalArgumentException("not an Eureka application document: " + e.getMessage(), e);
        }
    }

    private static String preview(byte[] json) {
        String s = new String(json, 0, Math.min(json.length, 200), StandardCharsets.UTF_8);
        return "'" + s + (json.length > 200 ? "...'" : "'");
    }

    @FunctionalInterface
    private interface Element {
        void read() throws IOException;
    }

    /** Eureka's JSON has arrays, but XML-converted documents hold a lone element as an object. */
    private static void forEachElement(JsonParser p, JsonToken value, String what, Element element) throws IOException {
        if (value == JsonToken.START_ARRAY) {
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                expect(p, t, JsonToken.START_OBJECT, what);
                element.read();
            }
        } else if (value == JsonToken.START_OBJECT) {
            element.read();
        } else if (value != JsonToken.VALUE_NULL) {
            throw new IOException("\"" + what + "\" is neither an object nor an array");
        }
    }

    private static void expect(JsonParser p, @Nullable JsonToken actual, JsonToken wanted, String what)
            throws IOException {
        if (actual != wanted) {
            throw new IOException("expected " + wanted + " for " + what + " but got " + actual + " at "
                    + p.currentLocation().offsetDescription());
        }
    }

    /** Reads one application object, the parser on its START_OBJECT. */
    private static void parseApplication(JsonParser p, List<EurekaRecord> out) throws IOException {
        String name = "";
        var instances = new ArrayList<Instance>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if (field.equals("name")) {
                name = p.getValueAsString("");
            } else if (field.equals("instance")) {
                forEachElement(p, value, "instance", () -> instances.add(parseInstance(p)));
            } else {
                p.skipChildren();
            }
        }
        String app = appName(name);
        for (Instance i : instances) {
            out.add(i.toRecord(app));
        }
    }

    /** The fields of one instance while it is read. */
    private static final class Instance {
        String instanceId = "";

        @Nullable
        String app;

        String status = "UNKNOWN";

        @Nullable
        String ipAddr;

        @Nullable
        String homePageUrl;

        int port;
        boolean portEnabled = true;
        int securePort;
        boolean securePortEnabled;
        Map<String, String> metadata = Map.of();

        @Nullable
        String actionType;

        @Nullable
        String problem;

        EurekaRecord toRecord(String applicationName) {
            String a = app == null || app.isEmpty() ? applicationName : appName(app);
            return new EurekaRecord(
                    a,
                    instanceId,
                    status,
                    ipAddr,
                    port,
                    portEnabled,
                    securePort,
                    securePortEnabled,
                    homePageUrl,
                    metadata,
                    actionType,
                    problem);
        }

        void problem(String what) {
            if (problem == null) {
                problem = what;
            }
        }
    }

    /** Reads one instance object, the parser on its START_OBJECT. */
    private static Instance parseInstance(JsonParser p) throws IOException {
        var i = new Instance();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "instanceId" -> i.instanceId = Objects.requireNonNullElse(text(p, value, ""), "");
                case "app" -> i.app = text(p, value, "");
                case "ipAddr" -> i.ipAddr = text(p, value, null);
                case "homePageUrl" -> i.homePageUrl = text(p, value, null);
                case "status" -> {
                    String s = text(p, value, "UNKNOWN");
                    i.status = s != null && STATUSES.contains(s) ? s : "UNKNOWN";
                }
                case "actionType" -> i.actionType = text(p, value, null);
                case "port" -> {
                    int[] port = {0};
                    boolean[] enabled = {true};
                    readPort(p, value, port, enabled, i);
                    i.port = port[0];
                    i.portEnabled = enabled[0];
                }
                case "securePort" -> {
                    int[] port = {0};
                    boolean[] enabled = {false};
                    readPort(p, value, port, enabled, i);
                    i.securePort = port[0];
                    i.securePortEnabled = enabled[0];
                }
                case "metadata" -> i.metadata = readMetadata(p, value, i);
                default -> p.skipChildren();
            }
        }
        if (i.instanceId.isEmpty()) {
            i.problem("it has no instanceId");
        }
        return i;
    }

    private static @Nullable String text(JsonParser p, JsonToken value, @Nullable String orElse) throws IOException {
        if (value.isScalarValue() && value != JsonToken.VALUE_NULL) {
            return p.getValueAsString();
        }
        p.skipChildren();
        return orElse;
    }

    private static void readPort(JsonParser p, JsonToken value, int[] port, boolean[] enabled, Instance i)
            throws IOException {
        if (value == JsonToken.VALUE_NUMBER_INT || value == JsonToken.VALUE_STRING) {
            port[0] = parsePort(p.getValueAsString(), i);
            return;
        }
        if (value != JsonToken.START_OBJECT) {
            p.skipChildren();
            i.problem("its port is neither a number nor an object");
            return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            if (field.equals("$") && v.isScalarValue()) {
                port[0] = parsePort(p.getValueAsString(), i);
            } else if (field.equals("@enabled") && v.isScalarValue()) {
                enabled[0] = "true".equalsIgnoreCase(p.getValueAsString());
            } else {
                p.skipChildren();
            }
        }
    }

    private static int parsePort(@Nullable String text, Instance i) {
        try {
            return Integer.parseInt(String.valueOf(text).strip());
        } catch (NumberFormatException e) {
            i.problem("its port '" + text + "' is not a number");
            return 0;
        }
    }

    private static Map<String, String> readMetadata(JsonParser p, JsonToken value, Instance i) throws IOException {
        if (value != JsonToken.START_OBJECT) {
            p.skipChildren();
            if (value != JsonToken.VALUE_NULL) {
                i.problem("its metadata is not an object");
            }
            return Map.of();
        }
        var metadata = new LinkedHashMap<String, String>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken v = p.nextToken();
            if (key.equals(CLASS_MARKER)) {
                p.skipChildren();
            } else if (v.isScalarValue() && v != JsonToken.VALUE_NULL) {
                metadata.put(key, p.getValueAsString());
            } else {
                p.skipChildren();
                i.problem("its metadata value of '" + key + "' is not a string");
            }
        }
        return metadata;
    }

    // ---- Eureka instances to registry4j instances ----

    /**
     * The instances of one service among Eureka instances: see the class comment.
     *
     * @param service the service name, exactly
     * @param records Eureka instances, of the service's app or of any app (others are ignored)
     * @param includeUnhealthy whether instances not {@code UP} count
     * @param skipper receives what cannot be read
     * @return the instances, in no particular order
     */
    public static List<ServiceInstance> decode(
            String service, Collection<EurekaRecord> records, boolean includeUnhealthy, Skipper skipper) {
        String app = appName(service);
        Map<String, List<Part>> groups = new LinkedHashMap<>();
        Map<String, List<KratosPart>> kratos = new LinkedHashMap<>();
        Map<String, ServiceInstance> out = new LinkedHashMap<>();
        var foreign = new ArrayList<ServiceInstance>();
        for (EurekaRecord r : records) {
            if (!r.app().equals(app) || !(includeUnhealthy || r.isUp())) {
                continue;
            }
            try {
                if (r.problem() != null) {
                    throw new IllegalArgumentException(r.problem());
                }
                String id = r.metadata().get(ID);
                if (id == null) {
                    String kratosId = r.metadata().get(KRATOS_ID);
                    if (kratosId == null || !r.metadata().containsKey(KRATOS_ENDPOINTS)) {
                        foreign.add(foreignInstance(service, r));
                        continue;
                    }
                    String kratosName = r.metadata().get(KRATOS_NAME);
                    if (kratosName != null && !kratosName.equals(service)) {
                        if (!appName(kratosName).equals(app)) {
                            throw new IllegalArgumentException(
                                    "metadata " + KRATOS_NAME + " '" + kratosName + "' does not belong to app " + app);
                        }
                        continue; // same app, other spelling: another service
                    }
                    KratosPart part = KratosPart.of(r);
                    kratos.computeIfAbsent(kratosId, k -> new ArrayList<>()).add(part);
                    continue;
                }
                String name = r.metadata().get(NAME);
                if (name == null) {
                    throw new IllegalArgumentException("metadata has " + ID + " but no " + NAME);
                }
                if (!name.equals(service)) {
                    if (!appName(name).equals(app)) {
                        throw new IllegalArgumentException(
                                "metadata " + NAME + " '" + name + "' does not belong to app " + app);
                    }
                    continue; // same app, other spelling: another service
                }
                Part part = Part.of(r); // first: a bad part must not leave an empty group behind
                groups.computeIfAbsent(id, k -> new ArrayList<>()).add(part);
            } catch (IllegalArgumentException e) {
                skipper.skip(r.key(), e);
            }
        }
        groups.forEach((id, parts) -> {
            try {
                ServiceInstance merged = merge(service, id, parts);
                if (merged != null) {
                    out.put(merged.id(), merged);
                }
            } catch (IllegalArgumentException e) {
                skipper.skip("app " + app + " registry4j id " + id, e);
            }
        });
        kratos.forEach((id, parts) -> {
            try {
                // An id registry4j uses wins over a Kratos instance of the same id.
                out.putIfAbsent(id, mergeKratos(service, id, parts));
            } catch (IllegalArgumentException e) {
                skipper.skip("app " + app + " Kratos ID " + id, e);
            }
        });
        for (ServiceInstance f : foreign) {
            // An id registry4j uses wins over a foreign instance that happens to have it as its instanceId.
            out.putIfAbsent(f.id(), f);
        }
        return new ArrayList<>(out.values());
    }

    /** One endpoint of a registry4j instance, read from one Eureka instance. */
    private record Part(long rev, int index, int count, URI endpoint, String version, Map<String, String> metadata) {
        static Part of(EurekaRecord r) {
            Map<String, String> m = r.metadata();
            long rev = parseLong(REV, m.get(REV));
            long index = parseLong(INDEX, m.get(INDEX));
            if (index < 0 || index >= Integer.MAX_VALUE) {
                throw new IllegalArgumentException("metadata " + INDEX + " must be a non-negative int, got " + index);
            }
            // Absent in what registry4j wrote before it had the key: such a revision counts as whole.
            long count = m.containsKey(COUNT) ? parseLong(COUNT, m.get(COUNT)) : UNKNOWN_COUNT;
            if (count != UNKNOWN_COUNT && (count < 1 || count > Integer.MAX_VALUE)) {
                throw new IllegalArgumentException("metadata " + COUNT + " must be a positive int, got " + count);
            }
            if (count != UNKNOWN_COUNT && index >= count) {
                throw new IllegalArgumentException(
                        "metadata " + INDEX + " " + index + " is not below " + COUNT + " " + count);
            }
            String endpoint = m.get(ENDPOINT);
            if (endpoint == null) {
                throw new IllegalArgumentException("metadata has no " + ENDPOINT);
            }
            URI uri;
            try {
                uri = new URI(endpoint);
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException("metadata " + ENDPOINT + " '" + endpoint + "' is not a URI", e);
            }
            var user = new LinkedHashMap<String, String>();
            m.forEach((k, v) -> {
                if (k.startsWith(ESCAPED)) {
                    user.put(k.substring(ESCAPED.length()), v);
                } else if (!k.startsWith(ServiceInstance.RESERVED_PREFIX) && !KRATOS_KEYS.contains(k)) {
                    user.put(k, v); // Kratos' keys are a copy of ours; a user's key of that name is escaped
                }
            });
            return new Part(rev, (int) index, (int) count, uri, m.getOrDefault(VERSION, ""), user);
        }
    }

    private static long parseLong(String key, @Nullable String value) {
        if (value == null) {
            throw new IllegalArgumentException("metadata has no " + key);
        }
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("metadata " + key + " '" + value + "' is not a number", e);
        }
    }

    /**
     * One registry4j instance from its parts, or null while it is not whole. A registration writes its endpoints one
     * request each, and an update rewrites them in place (a Eureka instance's id is its endpoint), so a reader can
     * meet any prefix of either. In this order:
     *
     * <ol>
     *   <li>the newest revision, when all its endpoints are there;
     *   <li>else the newest older revision that is whole (an update still adding endpoints the old one lacked);
     *   <li>else, while an update rewrites the endpoints of an older revision, the newest revision's version and
     *       metadata with each missing position taken from the newest older part at that position (for the usual
     *       update, same endpoints and new metadata, that is exactly the new instance): the instance stays listed;
     *   <li>else null: the instance is being registered or deregistered, or lost an endpoint's record, which its
     *       registry puts back.
     * </ol>
     */
    private static @Nullable ServiceInstance merge(String service, String id, List<Part> parts) {
        var byRev = new TreeMap<Long, List<Part>>(Comparator.reverseOrder());
        for (Part part : parts) {
            byRev.computeIfAbsent(part.rev(), k -> new ArrayList<>()).add(part);
        }
        List<Part> newest = positions(byRev.firstEntry().getValue());
        if (whole(newest)) {
            return instance(service, id, newest, newest);
        }
        var at = new TreeMap<Integer, Part>(); // the newest older part at each position
        for (List<Part> revision : byRev.tailMap(byRev.firstKey(), false).values()) {
            List<Part> sorted = positions(revision);
            if (whole(sorted)) {
                return instance(service, id, sorted, sorted);
            }
            sorted.forEach(part -> at.putIfAbsent(part.index(), part));
        }
        if (at.isEmpty()) {
            return null;
        }
        int count = newest.get(0).count();
        at.keySet().removeIf(index -> index >= count);
        newest.forEach(part -> at.put(part.index(), part));
        return instance(service, id, newest, new ArrayList<>(at.values()));
    }

    /** The parts of one revision by position; two holding one position are an error. */
    private static List<Part> positions(List<Part> revision) {
        var sorted = new ArrayList<>(revision);
        sorted.sort((a, b) -> Integer.compare(a.index(), b.index()));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).index() == sorted.get(i - 1).index()) {
                throw new IllegalArgumentException(
                        "two Eureka instances hold endpoint " + sorted.get(i).index());
            }
            if (sorted.get(i).count() != sorted.get(0).count()) {
                throw new IllegalArgumentException("the Eureka instances of revision "
                        + sorted.get(0).rev() + " disagree on " + COUNT + ": "
                        + sorted.get(0).count() + " and " + sorted.get(i).count());
            }
        }
        return sorted;
    }

    /** Whether a revision's parts, by position, hold every endpoint it has. */
    private static boolean whole(List<Part> sorted) {
        int count = sorted.get(0).count();
        return count == UNKNOWN_COUNT || sorted.size() == count;
    }

    private static ServiceInstance instance(String service, String id, List<Part> revision, List<Part> endpoints) {
        var uris = new ArrayList<URI>(endpoints.size());
        endpoints.forEach(part -> uris.add(part.endpoint()));
        Part first = revision.get(0);
        return new ServiceInstance(id, service, first.version(), first.metadata(), uris);
    }

    /**
     * One endpoint of an instance Kratos registered, read from one Eureka instance.
     *
     * <p>Kratos writes the endpoint into the metadata ({@code Endpoints}) and, with {@code /} appended, into
     * {@code homePageUrl}; {@code ipAddr} and {@code port} are its host and port. When it registers several endpoints
     * with non-empty metadata, every Eureka instance shares one map, so {@code Endpoints} names the last endpoint
     * everywhere (go-kratos/kratos#3818): it is believed only where its host and port are those of the Eureka
     * instance, else {@code homePageUrl} is; an endpoint neither tells is skipped, its scheme being unknown.
     */
    private record KratosPart(URI endpoint, String version, Map<String, String> metadata) {
        static KratosPart of(EurekaRecord r) {
            Map<String, String> m = r.metadata();
            String ip = r.ipAddr();
            if (ip == null || ip.isBlank()) {
                throw new IllegalArgumentException("it has no ipAddr");
            }
            String endpoints = m.getOrDefault(KRATOS_ENDPOINTS, "");
            URI endpoint = atAddress(endpoints, ip, r.port());
            String home = r.homePageUrl();
            if (endpoint == null && home != null) {
                endpoint = atAddress(home.endsWith("/") ? home.substring(0, home.length() - 1) : home, ip, r.port());
            }
            if (endpoint == null) {
                throw new IllegalArgumentException("its metadata " + KRATOS_ENDPOINTS + " '" + endpoints
                        + "' is not at its ipAddr and port " + ip + " " + r.port() + " (Kratos shares one metadata"
                        + " map among the endpoints it registers, go-kratos/kratos#3818), nor is its homePageUrl '"
                        + home + "': the endpoint's scheme is unknown");
            }
            var user = new LinkedHashMap<String, String>();
            m.forEach((k, v) -> {
                if (!KRATOS_KEYS.contains(k)) {
                    user.put(k, v);
                }
            });
            return new KratosPart(endpoint, m.getOrDefault(KRATOS_VERSION, ""), user);
        }

        /** The URI {@code text} if it is an endpoint at the host {@code ip} and {@code port}, else null. */
        private static @Nullable URI atAddress(String text, String ip, int port) {
            URI uri;
            try {
                uri = new URI(text);
            } catch (java.net.URISyntaxException e) {
                return null;
            }
            String host = Endpoints.host(uri);
            if (uri.getScheme() == null || host == null || Endpoints.port(uri) != port) {
                return null;
            }
            return unbracket(host).equalsIgnoreCase(unbracket(ip.strip())) ? uri : null;
        }

        private static String unbracket(String host) {
            return host.length() > 1 && host.charAt(0) == '[' && host.charAt(host.length() - 1) == ']'
                    ? host.substring(1, host.length() - 1)
                    : host;
        }
    }

    /**
     * A Kratos instance from its Eureka instances: Eureka keeps no order among them, so the endpoints are sorted
     * (by their text, which puts {@code grpc} before {@code http}) to give every read the same list.
     */
    private static ServiceInstance mergeKratos(String service, String id, List<KratosPart> parts) {
        var sorted = new ArrayList<>(parts);
        sorted.sort((a, b) -> a.endpoint().toString().compareTo(b.endpoint().toString()));
        var endpoints = new ArrayList<URI>(sorted.size());
        for (KratosPart part : sorted) {
            if (!endpoints.contains(part.endpoint())) {
                endpoints.add(part.endpoint());
            }
        }
        KratosPart first = sorted.get(0);
        return new ServiceInstance(id, service, first.version(), first.metadata(), endpoints);
    }

    /**
     * The service name an Eureka instance belongs to: registry4j's or Kratos' name in its metadata, else the app
     * name in lower case, as Spring Cloud names services.
     *
     * @param r the Eureka instance
     * @return the name, not validated
     */
    public static String serviceName(EurekaRecord r) {
        Map<String, String> m = r.metadata();
        String name = m.get(NAME);
        if (name != null && m.containsKey(ID)) {
            return name;
        }
        name = m.get(KRATOS_NAME);
        if (name != null && m.containsKey(KRATOS_ID) && m.containsKey(KRATOS_ENDPOINTS)) {
            return name;
        }
        return r.app().toLowerCase(Locale.ROOT);
    }

    private static ServiceInstance foreignInstance(String service, EurekaRecord r) {
        String ip = r.ipAddr();
        if (ip == null || ip.isBlank()) {
            throw new IllegalArgumentException("it has no ipAddr");
        }
        String host = ip.indexOf(':') >= 0 && !ip.startsWith("[") ? "[" + ip + "]" : ip;
        var endpoints = new ArrayList<URI>(2);
        try {
            if (r.securePortEnabled()) {
                endpoints.add(new URI("https://" + host + ":" + r.securePort()));
            }
            if (r.portEnabled()) {
                endpoints.add(new URI("http://" + host + ":" + r.port()));
            }
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("its ipAddr '" + ip + "' makes no URI", e);
        }
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("it has neither port nor securePort enabled");
        }
        return new ServiceInstance(r.instanceId(), service, "", r.metadata(), endpoints);
    }
}
