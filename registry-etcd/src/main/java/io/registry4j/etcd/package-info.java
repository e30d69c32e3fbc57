/**
 * The etcd backend of registry4j, on jetcd, in Kratos' layout: instances are keys
 * {@code <namespace>/<name>/<id>} holding Kratos' JSON, each on a lease kept alive by jetcd, so Go Kratos services
 * and Java services on one etcd see each other.
 *
 * <p>Build a registry with {@link io.registry4j.etcd.EtcdRegistry#builder()}, or open it by URL with the module on
 * the class path:
 *
 * <pre>{@code
 * try (ServiceRegistry registry = Registries.open("etcd://10.0.0.5:2379,10.0.0.6:2379?ttl=15s")) {
 *     registry.register(ServiceInstance.builder()
 *             .id("orders-1").name("orders").version("1.4.0")
 *             .endpoint("grpc://10.0.0.7:9000")
 *             .build());
 *     List<ServiceInstance> payments = registry.getService("payments");
 * }
 * }</pre>
 *
 * <p>URL options: {@code namespace}, {@code ttl}, {@code timeout}, {@code keyCheck}, {@code user}, {@code password},
 * {@code tls}, {@code cacert}, {@code cert}, {@code key}; the scheme {@code etcds} means TLS.
 */
@NullMarked
package io.registry4j.etcd;

import org.jspecify.annotations.NullMarked;
