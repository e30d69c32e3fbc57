/**
 * Building blocks for backend authors, so that every backend behaves the same.
 *
 * <ul>
 *   <li>{@link io.registry4j.spi.AbstractServiceRegistry}: the skeleton of a backend. It validates arguments,
 *       owns the lifecycle and the close order, and wires the two pieces below; a backend supplies the native
 *       writes, reads and watches.
 *   <li>{@link io.registry4j.spi.ServiceViews}: one {@link io.registry4j.spi.ServiceView} per watched service,
 *       shared by every watcher and listener of that service: latest snapshot, dedup, coalescing, stale state,
 *       and one native watch that is opened with the first watcher, reopened with backoff when it fails, and
 *       released with the last.
 *   <li>{@link io.registry4j.spi.RegistrationKeeper}: registration as desired state: keepalive, re-registration
 *       with backoff when the backend loses an instance, and the state listener.
 *   <li>{@link io.registry4j.spi.RegistryProvider} and {@link io.registry4j.spi.RegistryUri}: how
 *       {@link io.registry4j.Registries#open(java.net.URI)} finds a backend and reads its options.
 *   <li>{@link io.registry4j.spi.KratosJson}: the JSON form Kratos stores in etcd and ZooKeeper.
 * </ul>
 */
@NullMarked
package io.registry4j.spi;

import org.jspecify.annotations.NullMarked;
