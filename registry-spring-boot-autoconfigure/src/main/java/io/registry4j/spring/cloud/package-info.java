/**
 * Spring Cloud Commons on registry4j: {@code ServiceRegistry}, {@code DiscoveryClient}, {@code ReactiveDiscoveryClient}
 * and the LoadBalancer's {@code ServiceInstanceListSupplier}, which follows the shared registry4j watch.
 */
@NullMarked
package io.registry4j.spring.cloud;

import org.jspecify.annotations.NullMarked;
