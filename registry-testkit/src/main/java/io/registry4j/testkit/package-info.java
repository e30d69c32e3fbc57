/**
 * Test support for registry4j users and backend authors.
 *
 * <ul>
 *   <li>{@link io.registry4j.testkit.InMemoryRegistry}: a complete backend in memory, with fault injection, for
 *       unit tests of code that uses the registry API ({@code memory://name} through
 *       {@link io.registry4j.Registries}).
 *   <li>{@link io.registry4j.testkit.RegistryCompatibilityKit}: the conformance suite; a backend's test class extends
 *       it and says how to make clients and break the server.
 *   <li>{@link io.registry4j.testkit.KratosInstanceCodecContract}: the cases every codec of Kratos' instance JSON
 *       (etcd, ZooKeeper) passes; the codec's test class extends it.
 *   <li>{@link io.registry4j.testkit.RegisteredInstances} and {@link io.registry4j.testkit.InjectedHttpClient}: the
 *       plumbing of a backend's kit test (what each registry registered, for server-side faults; a registry on a JDK
 *       HTTP client the test owns).
 *   <li>{@link io.registry4j.testkit.FakeClock}, {@link io.registry4j.testkit.RecordingListener},
 *       {@link io.registry4j.testkit.RegistryLeakCheck}.
 * </ul>
 */
@NullMarked
package io.registry4j.testkit;

import org.jspecify.annotations.NullMarked;
