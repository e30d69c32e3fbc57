/**
 * The ZooKeeper backend of registry4j, on Apache Curator, compatible with Kratos' ZooKeeper registry: each instance is
 * the ephemeral node {@code <root>/<name>/<id>} (root {@code /microservices} by default) holding Kratos' JSON, so Go
 * and Java services see each other.
 *
 * <pre>{@code
 * try (ZooKeeperRegistry registry = ZooKeeperRegistry.builder()
 *         .connectString("127.0.0.1:2181")
 *         .build()) {
 *     registry.register(ServiceInstance.builder()
 *             .id("orders-1").name("orders").version("1.4.0")
 *             .endpoint("grpc://10.0.0.7:9000")
 *             .build());
 *     List<ServiceInstance> payments = registry.getService("payments");
 * }
 * }</pre>
 *
 * <p>The same registry opens from a URL with {@code Registries.open(URI.create(
 * "zookeeper://127.0.0.1:2181?root=/microservices&sessionTimeout=15s"))}. See {@link
 * io.registry4j.zookeeper.ZooKeeperRegistry} for the semantics.
 */
@NullMarked
package io.registry4j.zookeeper;

import org.jspecify.annotations.NullMarked;
