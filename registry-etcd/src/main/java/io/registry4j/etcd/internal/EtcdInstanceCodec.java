package io.registry4j.etcd.internal;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.registry4j.ServiceInstance;
import io.registry4j.spi.KratosJson;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Kratos' etcd layout: an instance is the key {@code <namespace>/<name>/<id>} holding the JSON
 * {@code {"id","name","version","metadata","endpoints"}} ({@link KratosJson}), so that a Go Kratos service and a
 * registry4j service on one etcd see each other.
 *
 * <p>Design: decoding reads what Kratos reads ({@link KratosJson#decode}: ids with {@code /} or spaces, hosts with
 * {@code _}, endpoints without a port, and so on, are kept as read) and is strict only about what Kratos always
 * writes: the key after {@code <namespace>/<name>/} is the id, the JSON's name is the service the key sits under,
 * the value is UTF-8. Anything else throws {@link IllegalArgumentException} saying what is wrong, so the caller can
 * skip that one entry. A service is read through the prefix {@code <namespace>/<name>/} with its trailing slash, so
 * {@code hello} never matches {@code helloworld/…}. Immutable and thread-safe.
 */
public final class EtcdInstanceCodec {
    private final String namespace;

    /**
     * A codec for one namespace.
     *
     * @param namespace the key prefix, such as {@code /microservices}, without a trailing slash
     */
    public EtcdInstanceCodec(String namespace) {
        this.namespace = Objects.requireNonNull(namespace, "namespace");
    }

    /**
     * The key prefix.
     *
     * @return the namespace, such as {@code /microservices}
     */
    public String namespace() {
        return namespace;
    }

    /**
     * The key of an instance: {@code <namespace>/<name>/<id>}.
     *
     * @param instance the instance
     * @return the key
     */
    public String key(ServiceInstance instance) {
        return namespace + "/" + instance.name() + "/" + instance.id();
    }

    /**
     * The prefix under which a service's instances live, with its trailing slash.
     *
     * @param service the service name
     * @return {@code <namespace>/<service>/}
     */
    public String servicePrefix(String service) {
        return namespace + "/" + service + "/";
    }

    /**
     * The prefix of every key in the namespace, with its trailing slash.
     *
     * @return {@code <namespace>/}
     */
    public String namespacePrefix() {
        return namespace + "/";
    }

    /**
     * The value of an instance: Kratos' JSON as UTF-8.
     *
     * @param instance the instance
     * @return the bytes to store
     */
    public ByteSequence encode(ServiceInstance instance) {
        return bytes(KratosJson.encode(instance));
    }

    /**
     * Text as the UTF-8 bytes etcd stores.
     *
     * @param text the text
     * @return the bytes
     */
    public static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    /**
     * A key as text; keys we read were written as UTF-8.
     *
     * @param key the key
     * @return the text
     */
    public static String text(ByteSequence key) {
        return key.toString(StandardCharsets.UTF_8);
    }

    /**
     * Decodes an entry found under {@link #servicePrefix(String)}.
     *
     * @param service the service that was read
     * @param entry the key and value
     * @return the instance
     * @throws IllegalArgumentException if the key is not {@code <namespace>/<service>/<id>}, the value is not UTF-8
     *     Kratos JSON of an instance registry4j can represent, or the JSON's name or id disagrees with the key
     */
    public ServiceInstance decode(String service, KeyValue entry) {
        String key = text(entry.getKey());
        String prefix = servicePrefix(service);
        if (!key.startsWith(prefix)) {
            throw new IllegalArgumentException("key is not under " + prefix);
        }
        // Kratos writes <namespace>/<name>/<id> with the id as is, '/' included: the whole rest of the key is the id.
        String id = key.substring(prefix.length());
        if (id.isEmpty()) {
            throw new IllegalArgumentException(
                    "key " + prefix + " has an empty id: registry4j needs an id to tell instances apart");
        }
        ServiceInstance instance = KratosJson.decode(utf8(entry.getValue()));
        if (!instance.name().equals(service)) {
            throw new IllegalArgumentException(
                    "the entry holds service \"" + instance.name() + "\", not \"" + service + "\"");
        }
        if (!instance.id().equals(id)) {
            throw new IllegalArgumentException(
                    "the entry holds id \"" + instance.id() + "\" but its key ends in \"" + id + "\"");
        }
        return instance;
    }

    /**
     * The service a key belongs to, if it has the shape {@code <namespace>/<name>/<id>} with a name that can be looked
     * up ({@link ServiceInstance#checkName}); the id may hold {@code /}, as Kratos allows.
     *
     * @param key a key under {@link #namespacePrefix()}
     * @return the service name, or null for a key of another shape
     */
    public @Nullable String serviceOf(String key) {
        String prefix = namespacePrefix();
        if (!key.startsWith(prefix)) {
            return null;
        }
        String rest = key.substring(prefix.length());
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            return null;
        }
        String name = rest.substring(0, slash);
        try {
            return ServiceInstance.checkName(name);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String utf8(ByteSequence value) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(value.getBytes()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("the value is not UTF-8 text", e);
        }
    }
}
