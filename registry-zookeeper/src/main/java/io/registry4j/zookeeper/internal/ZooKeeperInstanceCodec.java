package io.registry4j.zookeeper.internal;

import io.registry4j.ServiceInstance;
import io.registry4j.spi.KratosJson;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.curator.utils.ZKPaths;
import org.jspecify.annotations.Nullable;

/**
 * The ZooKeeper layout of Kratos: paths {@code <root>/<name>/<id>} and node data in Kratos' JSON.
 *
 * <p>Design: the data is exactly what Kratos' Go registry writes ({@link KratosJson}, UTF-8), so that Go and Java
 * services see each other. Reading keeps what Kratos reads ({@link KratosJson#decode}: hosts with {@code _},
 * endpoints without a port, non-ASCII or long ids, reserved or empty metadata keys, zero or duplicate endpoints) and
 * is strict only where registry4j cannot represent the data or Kratos never writes it: data that is not UTF-8 or not
 * an instance, or whose JSON names another service or another id than its path, is rejected with a reason, and the
 * caller skips that node instead of failing the list. Node names are checked against ZooKeeper's path rules, since a
 * valid instance id such as {@code ..} is not a valid node name. Immutable and thread-safe.
 */
public final class ZooKeeperInstanceCodec {
    private final String root;

    /**
     * Creates the codec of one root path.
     *
     * @param root the root path, already validated, such as {@code /microservices}
     */
    public ZooKeeperInstanceCodec(String root) {
        this.root = Objects.requireNonNull(root, "root");
    }

    /**
     * The root path.
     *
     * @return the root, such as {@code /microservices}
     */
    public String root() {
        return root;
    }

    /**
     * The path of a service's node.
     *
     * @param service a valid service name
     * @return {@code <root>/<service>}
     */
    public String servicePath(String service) {
        return ZKPaths.makePath(root, service);
    }

    /**
     * The path of an instance's node.
     *
     * @param instance the instance
     * @return {@code <root>/<name>/<id>}
     * @throws IllegalArgumentException if the id cannot be a ZooKeeper node name, naming the id
     */
    public String instancePath(ServiceInstance instance) {
        String id = instance.id();
        if (id.equals(".") || id.equals("..")) {
            throw new IllegalArgumentException(
                    "id \"" + id + "\" cannot be stored in ZooKeeper: it is not a valid node name");
        }
        return ZKPaths.makePath(root, instance.name(), id);
    }

    /**
     * The child name under a service node that a path of a watch event points at.
     *
     * @param servicePath the service node, from {@link #servicePath}
     * @param path the event's path
     * @return the child name if {@code path} is a direct child of the service node, else null
     */
    public static @Nullable String childOf(String servicePath, @Nullable String path) {
        if (path == null
                || path.length() <= servicePath.length() + 1
                || !path.startsWith(servicePath)
                || path.charAt(servicePath.length()) != '/') {
            return null;
        }
        String child = path.substring(servicePath.length() + 1);
        return child.indexOf('/') >= 0 ? null : child;
    }

    /**
     * Encodes an instance as node data.
     *
     * @param instance the instance
     * @return Kratos' JSON in UTF-8
     */
    public static byte[] encode(ServiceInstance instance) {
        return KratosJson.encode(instance).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Decodes the data of an instance node.
     *
     * @param service the service whose node holds it
     * @param id the node's name
     * @param data the node's data
     * @return the instance
     * @throws IllegalArgumentException if the data is not an instance of that service with that id, saying why
     */
    public static ServiceInstance decode(String service, String id, byte @Nullable [] data) {
        if (data == null || data.length == 0) {
            throw new IllegalArgumentException("node has no data");
        }
        String json;
        try {
            json = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(data))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("node data is not UTF-8 text", e);
        }
        ServiceInstance instance = KratosJson.decode(json);
        if (!instance.name().equals(service)) {
            throw new IllegalArgumentException(
                    "node holds an instance of service \"" + instance.name() + "\", not \"" + service + "\"");
        }
        if (!instance.id().equals(id)) {
            throw new IllegalArgumentException(
                    "node holds an instance with id \"" + instance.id() + "\", not its node name \"" + id + "\"");
        }
        return instance;
    }
}
