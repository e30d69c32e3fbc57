/**
 * The Polaris backend of registry4j, on the Polaris Java SDK: each endpoint is a Polaris instance in the service of the
 * instance's name, kept alive by heartbeats, discovered through the SDK's per-service watch.
 *
 * <p>Build a registry with {@link io.registry4j.polaris.PolarisRegistry#builder()}, or open it by URL with the module
 * on the class path:
 *
 * <pre>{@code
 * try (ServiceRegistry registry = Registries.open(URI.create("polaris://10.0.0.5:8091?namespace=default"))) {
 *     registry.register(ServiceInstance.builder()
 *             .id("orders-1").name("orders").version("1.4.0")
 *             .endpoint("grpc://10.0.0.7:9000")
 *             .build());
 *     List<ServiceInstance> payments = registry.getService("payments");
 * }
 * }</pre>
 *
 * <p>URL options: {@code namespace}, {@code token}, {@code ttl}, {@code weight}, {@code region}, {@code zone},
 * {@code campus}, {@code timeout}, {@code dir}, {@code persistCache}, {@code includeUnhealthy}.
 */
@NullMarked
package io.registry4j.polaris;

import org.jspecify.annotations.NullMarked;
