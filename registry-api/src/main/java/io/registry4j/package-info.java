/**
 * The registry4j user API: register this service, discover others, watch them change.
 *
 * <pre>{@code
 * try (ServiceRegistry registry = Registries.open("etcd://127.0.0.1:2379")) {
 *     registry.register(ServiceInstance.builder()
 *             .id("orders-1").name("orders").version("1.4.2")
 *             .endpoint("grpc://10.0.0.7:9000")
 *             .build());
 *     try (Watcher watcher = registry.watch("payments")) {
 *         List<ServiceInstance> now = watcher.next();      // current list, possibly empty
 *         List<ServiceInstance> changed = watcher.next();  // blocks until the set changes
 *     }
 * }
 * }</pre>
 *
 * <p>Every type here is thread-safe unless its documentation says otherwise. Nothing is null unless marked
 * {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.registry4j;

import org.jspecify.annotations.NullMarked;
