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
 * <p>Immutable and validated on construction, so an instance that exists can be stored by every backend. The rules,
 * each rejected with an {@link IllegalArgumentException} that names the field and the offending value:
 *
 * <ul>
 *   <li>{@code name}: 1–63 characters of {@code [A-Za-z0-9._-]}, starting and ending with a letter or digit (the
 *       portable set every backend can store).
 *   <li>{@code id}: 1–128 printable ASCII characters, no {@code /}, no whitespace. Unique within a service.
 *   <li>{@code version}: at most 128 characters; may be empty.
 *   <li>{@code metadata}: no empty keys, no null keys or values; keys starting with {@value #RESERVED_PREFIX} are
 *       reserved for the library.
 *   <li>{@code endpoints}: at least one; each an absolute URI with a scheme, a host and a port from 1 to 65535,
 *       such as {@code grpc://10.0.0.7:9000} or {@code https://[::1]:8443}; no duplicates. Order is kept.
 * </ul>
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

    /** The longest allowed {@code name}. */
    public static final int MAX_NAME_LENGTH = 63;

    /** The longest allowed {@code id} and {@code version}. */
    public static final int MAX_ID_LENGTH = 128;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?");

    /**
     * Validates and copies the components.
     *
     * @throws NullPointerException if a component is null
     * @throws IllegalArgumentException if a component breaks the rules above; the message names the field and value
     */
    public ServiceInstance {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(endpoints, "endpoints");
        checkName(name);
        checkId(id);
        if (version.length() > MAX_ID_LENGTH) {
            throw invalid("version", version, "must be at most " + MAX_ID_LENGTH + " characters");
        }
        metadata = copyMetadata(metadata);
        endpoints = copyEndpoints(endpoints);
    }

    /**
     * Checks a service name against the rules of {@code name} without building an instance; used by
     * {@code getService} and {@code watch}.
     *
     * @param name the name to check
     * @return {@code name}
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is not a valid service name
     */
    public static String checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()
                || name.length() > MAX_NAME_LENGTH
                || !NAME.matcher(name).matches()) {
            throw invalid(
                    "name",
                    name,
                    "must be 1-" + MAX_NAME_LENGTH
                            + " characters of [A-Za-z0-9._-], starting and ending with a letter or digit");
        }
        return name;
    }

    private static void checkId(String id) {
        if (id.isEmpty() || id.length() > MAX_ID_LENGTH) {
            throw invalid("id", id, "must be 1-" + MAX_ID_LENGTH + " characters");
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c <= ' ' || c > '~' || c == '/') {
                throw invalid("id", id, "must be printable ASCII without '/' or whitespace");
            }
        }
    }

    private static Map<String, String> copyMetadata(Map<String, String> given) {
        // Copy first, then check the copy, so a map changed concurrently cannot slip past the checks.
        Map<String, String> metadata = new java.util.HashMap<>(given);
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            String key = e.getKey();
            if (key == null) {
                throw new NullPointerException("metadata key");
            }
            if (e.getValue() == null) {
                throw new NullPointerException("metadata value of key " + quote(key));
            }
            if (key.isEmpty()) {
                throw invalid("metadata key", key, "must not be empty");
            }
            if (key.startsWith(RESERVED_PREFIX)) {
                throw invalid("metadata key", key, "is reserved: keys starting with " + RESERVED_PREFIX);
            }
        }
        return Map.copyOf(metadata);
    }

    private static List<URI> copyEndpoints(List<URI> given) {
        List<URI> endpoints = new ArrayList<>(given);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("ServiceInstance.endpoints must hold at least one endpoint, got []");
        }
        var seen = new HashSet<URI>();
        for (int i = 0; i < endpoints.size(); i++) {
            URI uri = Objects.requireNonNull(endpoints.get(i), "endpoints[" + i + "]");
            String field = "endpoints[" + i + "]";
            if (!uri.isAbsolute() || uri.getScheme().isEmpty()) {
                throw invalid(field, uri.toString(), "must be an absolute URI with a scheme, like grpc://host:9000");
            }
            if (uri.getHost() == null) {
                throw invalid(field, uri.toString(), "must have a host, like grpc://host:9000");
            }
            if (uri.getPort() < 1 || uri.getPort() > 65535) {
                throw invalid(field, uri.toString(), "must have a port from 1 to 65535");
            }
            if (!seen.add(uri)) {
                throw invalid(field, uri.toString(), "is a duplicate");
            }
        }
        return List.copyOf(endpoints);
    }

    private static IllegalArgumentException invalid(String field, String value, String rule) {
        return new IllegalArgumentException("ServiceInstance." + field + " " + rule + ", got " + quote(value));
    }

    /** Quotes a value for an error message, escaping what is not printable and cutting what is very long. */
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
     * Starts a builder; {@code version} defaults to empty, {@code metadata} to none.
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
         * Validates and builds the instance.
         *
         * @return the instance
         * @throws NullPointerException if the id or the name was not set
         * @throws IllegalArgumentException if a value breaks the rules of {@link ServiceInstance}
         */
        public ServiceInstance build() {
            return new ServiceInstance(
                    Objects.requireNonNull(id, "ServiceInstance.id was not set"),
                    Objects.requireNonNull(name, "ServiceInstance.name was not set"),
                    version,
                    metadata,
                    endpoints);
        }
    }
}
