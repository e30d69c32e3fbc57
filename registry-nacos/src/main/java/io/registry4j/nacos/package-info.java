/**
 * The Nacos backend of registry4j, on the official {@code nacos-client} (gRPC): each endpoint is an ephemeral Nacos
 * instance, by default in Kratos' service {@code <name>.<scheme>} (or, with the plain layout, in {@code <name>}, as
 * Spring Cloud Alibaba writes), discovered in both layouts at once through the SDK's push subscriptions.
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
 * {@code username}, {@code password}, {@code timeout}, {@code check}, {@code dir}, {@code layout},
 * {@code kratosSchemes}, {@code defaultScheme}, {@code includeUnhealthy}.
 */
@NullMarked
package io.registry4j.nacos;

import org.jspecify.annotations.NullMarked;
