/**
 * registry4j on Eureka: {@link io.registry4j.eureka.EurekaRegistry} speaks the REST API of Netflix's Eureka server
 * and of Spring Cloud Netflix servers with the JDK HTTP client and Jackson, without the Netflix client. Each endpoint
 * of an instance is one Eureka instance of the upper-cased app, kept alive by lease renewals and registered again
 * when the server forgets it; watched services are polled by one refresh loop per registry, and watchers hear of
 * real changes only.
 *
 * <pre>{@code
 * try (ServiceRegistry registry = EurekaRegistry.builder()
 *         .server("http://eureka:8761")          // path prefix /eureka by default
 *         .renewInterval(Duration.ofSeconds(10))
 *         .build()) {
 *     registry.register(ServiceInstance.builder()
 *             .id("orders-1").name("orders").version("1.4.0")
 *             .endpoint("http://10.0.0.7:8080").endpoint("grpc://10.0.0.7:9000")
 *             .build());
 *     try (Watcher watcher = registry.watch("payments")) {
 *         List<ServiceInstance> payments = watcher.next();
 *     }
 * }
 * // or: Registries.open("eureka://eureka:8761/eureka?renew=10s&refresh=5s")
 * }</pre>
 */
@NullMarked
package io.registry4j.eureka;

import org.jspecify.annotations.NullMarked;
