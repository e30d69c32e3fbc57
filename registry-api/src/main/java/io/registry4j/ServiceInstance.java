package io.registry4j;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One instance of a service: what a service registers and what discovery returns.
 *
 * <p>Immutable. There are two sets of rules, because registry4j reads what other registry clients (Kratos above all)
 * wrote, and writes only what every backend can store:
 *
 * <p><b>Portable</b> (checked by the canonical constructor and {@link Builder#build()}, so every instance a program
 * builds can be registered on every backend; {@code register} checks again with {@link #checkPortable()}), each
 * rejected with an {@link IllegalArgumentException} that names the field and the offending value:
 *
 * <ul>
 *   <li>{@code name}: 1–63 characters of {@code [A-Za-z0-9._-]}, starting and ending with a letter or digit (the
 *       portable set every backend can store).
 *   <li>{@code id}: 1–128 printable ASCII characters, no {@code /}, no whitespace. Unique within a service.
 *   <li>{@code version}: at most 128 characters; may be empty.
 *   <li>{@code metadata}: no empty keys; keys starting with {@value #RESERVED_PREFIX} are reserved for the library.
 *   <li>{@code endpoints}: at least one; each an absolute URI with a scheme, a host and a port from 1 to 65535, such
 *       as {@code grpc://10.0.0.7:9000}, {@code https://[::1]:8443} or {@code grpc://my_service:9000} (the host is
 *       parsed by {@link Endpoints}, so Docker Compose names with {@code _} are accepted), and no user info: an
 *       endpoint is published to every reader, so {@code http://admin:pw@h:80} is refused. No duplicates. Order is
 *       kept.
 * </ul>
 *
 * <p><b>Representable</b> (checked by {@link Builder#buildLenient()}, which backends use for what they read): no
 * component, metadata key or value, or endpoint is null; {@code id} is not empty; {@code name} is a name {@link
 * #checkName} accepts (not empty, no {@code /}, whitespace or control characters). Anything else that Kratos accepts
 * is kept as read: endpoints without a port or with user info, long, non-ASCII or spaced ids, names outside the
 * portable set, long versions, empty or {@value #RESERVED_PREFIX} metadata keys, zero or duplicate endpoints. Such an
 * instance is returned by {@code getService} and {@code watch}, and {@code register} rejects it.
 *
 * <p>Design: the portable rules stay in the canonical constructor, so code that builds instances (and the backends'
 * own codecs, which map native records that registry4j wrote) keeps the guarantee; leniency is asked for explicitly
 * through {@link Builder#buildLenient()}, which the Kratos JSON codec uses.
 *
 * <p>Equality is by value over all five components. Collections are copied and never null.
 *
 * @param id unique id of this instance within its service
 * @param name the logical service name, the same for every instance of the service
 * @param version the version of the software this instance runs, possibly empty
 * @param metadata free-form string pairs, round-tripped exactly by every backend
 * @param endpoints where the instance can be reached, in order of preference
 */
public record ServiceInstance(
        String id, String name, String version, Map<String, String> metadata, List<URI> endpoints) {

    /** Metadata keys starting with this prefix are reserved for registry4j itself. */
    public static final String RESERVED_PREFIX = "registry4j.";

    /** The longest portable {@code name}. */
    public static final int MAX_NAME_LENGTH = 63;

    /** The longest portable {@code id} and {@code version}. */
    public static final int MAX_ID_LENGTH = 128;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?");

    /**
     * Checks the components against the portable rules (see the class documentation) and copies them. An instance
     * built by {@link Builder#buildLenient()} is checked only for being representable.
     *
     * @throws NullPointerException if a component, a metadata key or value, or an endpoint is null
     * @throws IllegalArgumentException if a component breaks the rules; the message names the field and value
     */
    public ServiceInstance {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(endpoints, "endpoints");
        // Only Builder.buildLenient() can pass this private type: the record keeps a single constructor.
        boolean read = metadata instanceof ReadMetadata;
        metadata = copyMetadata(metadata);
        endpoints = copyEndpoints(endpoints);
        if (read) {
            checkName(name);
            if (id.isEmpty()) {
                throw invalid("id", id, "must not be empty");
            }
        } else {
            checkPortable(id, name, version, metadata, endpoints);
        }
    }

    /**
     * The marker of an instance read from a backend: metadata in this type means "check only representability". A
     * view of the builder's map, so that marking costs no copy (the constructor copies once); never escapes.
     */
    private static final class ReadMetadata extends java.util.AbstractMap<String, String> {
        private final Map<String, String> metadata;

        ReadMetadata(Map<String, String> metadata) {
            this.metadata = metadata;
        }

        @Override
        public java.util.Set<Map.Entry<String, String>> entrySet() {
            return metadata.entrySet();
        }

        @Override
        public int size() {
            return metadata.size();
        }
    }

    /**
     * Checks a service name that can be looked up, without building an instance; used by {@code getService} and
     * {@code watch}. Lenient like Kratos: any non-empty name without {@code /} (the separator of the etcd and
     * ZooKeeper layouts), whitespace or control characters, so names such as {@code my_service} or {@code
     * café} are found. {@code register} applies the stricter {@link #checkPortableName}.
     *
     * @param name the name to check
     * @return {@code name}
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is not a valid service name
     */
    public static String checkName(String name) {
        Objects.requireNonNull(name, "name");
        boolean ok = !name.isEmpty();
        for (int i = 0; ok && i < name.length(); i++) {
            char c = name.charAt(i);
            ok = c != '/' && !Character.isWhitespace(c) && !Character.isSpaceChar(c) && !Character.isISOControl(c);
        }
        if (!ok) {
            throw invalid(
                    "name",
                    name,
                    "must be non-empty, without '/', whitespace or control characters (a registered name is 1-"
                            + MAX_NAME_LENGTH + " characters of [A-Za-z0-9._-])");
        }
        return name;
    }

    /**
     * Checks a service name against the portable rules of {@code name}: what {@code register} accepts.
     *
     * @param name the name to check
     * @return {@code name}
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is not a portable service name
     */
    public static String checkPortableName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()
                || name.length() > MAX_NAME_LENGTH
                || !NAME.matcher(name).matches()) {
            throw invalid(
                    "name",
                    name,
                    "must be 1-" + MAX_NAME_LENGTH
                            + " characters of [A-Za-z0-9._-], starting and ending with a letter or digit"
                            + lengthOf(name, MAX_NAME_LENGTH));
        }
        return name;
    }

    /**
     * Checks this instance against the portable rules (see the class documentation): what every backend can store and
     * what {@code register} accepts.
     *
     * @return this instance
     * @throws IllegalArgumentException if a component breaks a portable rule; the message names the field and value
     */
    public ServiceInstance checkPortable() {
        checkPortable(id, name, version, metadata, endpoints);
        return this;
    }

    private static void checkPortable(
            String id, String name, String version, Map<String, String> metadata, List<URI> endpoints) {
        checkPortableName(name);
        checkPortableId(id);
        if (version.length() > MAX_ID_LENGTH) {
            throw invalid("version", version, "must be at most " + MAX_ID_LENGTH + " characters");
        }
        for (String key : metadata.keySet()) {
            if (key.isEmpty()) {
                throw invalid("metadata key", key, "must not be empty");
            }
            if (key.startsWith(RESERVED_PREFIX)) {
                throw invalid("metadata key", key, "is reserved: keys starting with " + RESERVED_PREFIX);
            }
        }
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("ServiceInstance.endpoints must hold at least one endpoint, got []");
        }
        var seen = new HashSet<URI>();
        for (int i = 0; i < endpoints.size(); i++) {
            URI uri = endpoints.get(i);
            String field = "endpoints[" + i + "]";
            checkPortableEndpoint(field, uri);
            if (!seen.add(uri)) {
                throw invalid(field, uri.toString(), "is a duplicate");
            }
        }
    }

    private static void checkPortableId(String id) {
        if (id.isEmpty() || id.length() > MAX_ID_LENGTH) {
            throw invalid("id", id, "must be 1-" + MAX_ID_LENGTH + " characters" + lengthOf(id, MAX_ID_LENGTH));
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c <= ' ' || c > '~' || c == '/') {
                throw invalid("id", id, "must be printable ASCII without '/' or whitespace");
            }
        }
    }

    private static void checkPortableEndpoint(String field, URI uri) {
        if (!uri.isAbsolute() || uri.getScheme().isEmpty() || uri.isOpaque()) {
            throw invalid(field, uri.toString(), "must be an absolute URI with a scheme, like grpc://host:9000");
        }
        if (Endpoints.hasUserInfo(uri)) {
            throw invalid(
                    field,
                    Endpoints.redact(uri),
                    "must not carry user info (credentials): endpoints are published to every reader");
        }
        if (Endpoints.host(uri) == null) {
            throw invalid(field, uri.toString(), "must have a host, like grpc://host:9000");
        }
        int port = Endpoints.port(uri);
        if (port < 1 || port > 65535) {
            throw invalid(field, uri.toString(), "must have a port from 1 to 65535");
        }
    }

    private static Map<String, String> copyMetadata(Map<String, String> given) {
        // One copy (none if it is already an immutable map), checked as it is taken: Map.copyOf refuses nulls, so a
        // map changed concurrently cannot slip a null past the checks. A null is then found again for the message.
        try {
            return Map.copyOf(given);
        } catch (NullPointerException e) {
            for (Map.Entry<String, String> entry : given.entrySet()) {
                if (entry.getKey() == null) {
                    throw new NullPointerException("metadata key");
                }
                if (entry.getValue() == null) {
                    throw new NullPointerException("metadata value of key " + quote(entry.getKey()));
                }
            }
            throw new NullPointerException("metadata holds a null");
        }
    }

    private static List<URI> copyEndpoints(List<URI> given) {
        try {
            return List.copyOf(given);
        } catch (NullPointerException e) {
            for (int i = 0; i < given.size(); i++) {
                Objects.requireNonNull(given.get(i), "endpoints[" + i + "]");
            }
            throw new NullPointerException("endpoints holds a null");
        }
    }

    private static IllegalArgumentException invalid(String field, String value, String rule) {
        return new IllegalArgumentException("ServiceInstance." + field + " " + rule + ", got " + quote(value));
    }

    /** Quotes a value for an error message, escaping what is not printable and cutting what is very long. */
    /** For a value over its limit, says how long it is: a long value is hard to count in a message. */
    private static String lengthOf(String value, int max) {
        return value.length() > max ? " (this one has " + value.length() + ")" : "";
    }

    static String quote(String value) {
        var out = new StringBuilder(Math.min(value.length(), 200) + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            if (i == 200) {
                out.append("...(").append(value.length()).append(" chars)");
                break;
            }
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < ' ' || c == 0x7f) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    /**
     * Starts a builder; {@code version} defaults to empty, {@code metadata} to none. {@link Builder#build()} checks the
     * portable rules, {@link Builder#buildLenient()} only the representable ones.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts a builder holding this instance's values, to derive a changed copy.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        Builder b = new Builder().id(id).name(name).version(version).metadata(metadata);
        b.endpoints.addAll(endpoints);
        return b;
    }

    /**
     * Builds a {@link ServiceInstance}. Not thread-safe; {@link #build()} validates and may be called repeatedly.
     */
    public static final class Builder {
        private @Nullable String id;
        private @Nullable String name;
        private String version = "";
        private final Map<String, String> metadata = new LinkedHashMap<>();
        private final List<URI> endpoints = new ArrayList<>();

        private Builder() {}

        /**
         * Sets the id; required.
         *
         * @param id unique id within the service
         * @return this builder
         */
        public Builder id(String id) {
            this.id = Objects.requireNonNull(id, "id");
            return this;
        }

        /**
         * Sets the service name; required.
         *
         * @param name logical service name
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Sets the version; defaults to empty.
         *
         * @param version software version
         * @return this builder
         */
        public Builder version(String version) {
            this.version = Objects.requireNonNull(version, "version");
            return this;
        }

        /**
         * Replaces all metadata with a copy of {@code metadata}.
         *
         * @param metadata the new metadata
         * @return this builder
         */
        public Builder metadata(Map<String, String> metadata) {
            Objects.requireNonNull(metadata, "metadata");
            this.metadata.clear();
            metadata.forEach(this::putMetadata);
            return this;
        }

        /**
         * Adds or replaces one metadata pair.
         *
         * @param key metadata key
         * @param value metadata value
         * @return this builder
         */
        public Builder putMetadata(String key, String value) {
            metadata.put(Objects.requireNonNull(key, "metadata key"), Objects.requireNonNull(value, "metadata value"));
            return this;
        }

        /**
         * Appends an endpoint.
         *
         * @param endpoint an absolute URI such as {@code grpc://10.0.0.7:9000}
         * @return this builder
         * @throws IllegalArgumentException if {@code endpoint} is not a URI; the message quotes it
         */
        public Builder endpoint(String endpoint) {
            Objects.requireNonNull(endpoint, "endpoint");
            try {
                return endpoint(new URI(endpoint));
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(
                        "ServiceInstance.endpoints[" + endpoints.size() + "] is not a URI (" + e.getReason() + "), got "
                                + quote(endpoint),
                        e);
            }
        }

        /**
         * Appends an endpoint.
         *
         * @param endpoint an absolute URI such as {@code grpc://10.0.0.7:9000}
         * @return this builder
         */
        public Builder endpoint(URI endpoint) {
            endpoints.add(Objects.requireNonNull(endpoint, "endpoint"));
            return this;
        }

        /**
         * Replaces all endpoints.
         *
         * @param endpoints the endpoints, in order
         * @return this builder
         */
        public Builder endpoints(List<URI> endpoints) {
            Objects.requireNonNull(endpoints, "endpoints");
            this.endpoints.clear();
            endpoints.forEach(this::endpoint);
            return this;
        }

        /**
         * Builds the instance, checking the portable rules (as the canonical constructor does), so that what is built
         * can be registered on every backend.
         *
         * @return the instance
         * @throws NullPointerException if the id or the name was not set
         * @throws IllegalArgumentException if a value breaks the portable rules of {@link ServiceInstance}
         */
        public ServiceInstance build() {
            return new ServiceInstance(
                    Objects.requireNonNull(id, "ServiceInstance.id was not set"),
                    Objects.requireNonNull(name, "ServiceInstance.name was not set"),
                    version,
                    metadata,
                    endpoints);
        }

        /**
         * Builds the instance checking only that it is representable, not the portable rules; for instances read
         * from a backend, as written by another client such as Kratos. {@code register} rejects what is not
         * portable.
         *
         * @return the instance
         * @throws NullPointerException if the id or the name was not set
         * @throws IllegalArgumentException if the id is empty or the name is not one {@link ServiceInstance#checkName}
         *     accepts
         */
        public ServiceInstance buildLenient() {
            return new ServiceInstance(
                    Objects.requireNonNull(id, "ServiceInstance.id was not set"),
                    Objects.requireNonNull(name, "ServiceInstance.name was not set"),
                    version,
                    new ReadMetadata(metadata),
                    endpoints);
        }
    }
}
