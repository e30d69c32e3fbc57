/**
 * Real backend servers, started on demand for registry4j's own tests.
 *
 * <p>Every server here binds free loopback ports only, keeps its files in a temporary directory under
 * the calling module's {@code target/}, and is stopped when the test closes it or, at the latest, when
 * the JVM exits. A server can instead be supplied from outside through an environment variable
 * ({@code REGISTRY4J_TEST_<BACKEND>}); the harness then starts nothing and reports the fault operations
 * it cannot perform through {@link io.registry4j.testservers.TestServer#supportsRestart()}.
 *
 * <p>When a server can be had neither way, a test is aborted with a loud message, or failed when the
 * environment variable {@code CI} is {@code true}; see {@link io.registry4j.testservers.TestEnvironment}.
 */
@NullMarked
package io.registry4j.testservers;

import org.jspecify.annotations.NullMarked;
