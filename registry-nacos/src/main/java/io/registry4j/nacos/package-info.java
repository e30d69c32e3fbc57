/**
 * The Nacos backend of registry4j, on the official {@code nacos-client} (gRPC): each endpoint is an ephemeral Nacos
 * instance of the service named like the logical service (or, for interop with Go Kratos, Kratos'
 * {@code <name>.<scheme>} services), discovered through the SDK's push subscriptions.
 *
 * <p>Build a registry with {@link io.registry4j.nacos.NacosRegistry#builder()}, or open it by URL with the module on
 * the class path:
 *
 * <pre>{@code
 * try (ServiceRegistry registry = Registries.open(URI.create("nacos://10.0.0.5:8848?namespace=dev&group=DEFAULT_GROUP"))) {
 *     registry.register(ServiceInstance.builder()
 *             .id("orders-1").name("orders").version("1.4.0")
 *             .endpoint("grpc://10.0.0.7:9000")
 *             .build());
 *     List<ServiceInstance> payments = registry.getService("payments");
 * }
 * }</pre>
 *
 * <p>URL options: {@code namespace}, {@code group}, {@code cluster}, {@code clusters}, {@code weight},
 * {@code username}, {@code password}, {@code timeout}, {@code check}, {@code dir}, {@code kratosNaming},
 * {@code kratosSchemes}, {@code defaultScheme}, {@code includeUnhealthy}.
 */
@NullMarked
package io.registry4j.nacos;

import org.jspecify.annotations.NullMarked;
