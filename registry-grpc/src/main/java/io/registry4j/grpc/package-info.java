/**
 * gRPC integration: a {@link io.grpc.NameResolver} fed by any registry4j {@link io.registry4j.Discovery}, so that a
 * channel follows a service's instances as they come, change and go, on any backend, Go (Kratos) or Java behind
 * them.
 *
 * <p>Two ways to use it, both through {@link io.registry4j.grpc.RegistryNameResolverProvider}:
 *
 * <ul>
 *   <li>Around a registry the application already has, under the scheme {@code discovery} (Kratos' own):
 *       <pre>{@code
 * NameResolverRegistry.getDefaultRegistry().register(RegistryNameResolverProvider.forDiscovery(registry));
 * ManagedChannel channel = Grpc.newChannelBuilder("discovery:///orders", InsecureChannelCredentials.create())
 *         .defaultLoadBalancingPolicy("round_robin")
 *         .build();
 * }</pre>
 *   <li>With no code at all, found by {@link java.util.ServiceLoader}: a target of scheme {@code registry4j} names
 *       the backend, the service and the registry's address, such as
 *       {@code registry4j://etcd/orders?address=10.0.0.5:2379}. Channels with the same registry share one
 *       registry client, closed when the last of them shuts down.
 * </ul>
 *
 * <p>Each instance becomes one {@link io.grpc.EquivalentAddressGroup} of its {@code grpc://} endpoints (or
 * {@code grpcs://} with {@code scheme=grpcs}), carrying the instance, its version, metadata, weight and zone as
 * {@link io.registry4j.grpc.RegistryAttributes}.
 */
@NullMarked
package io.registry4j.grpc;

import org.jspecify.annotations.NullMarked;
