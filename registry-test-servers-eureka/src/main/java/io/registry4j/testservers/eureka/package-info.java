/**
 * The Eureka test server's launcher: a {@code main} that runs Netflix's own Eureka server code
 * ({@code eureka-core-jersey3}) in embedded Jetty, for {@code io.registry4j.testservers.EurekaServer} to fork into
 * its own JVM.
 *
 * <p>Eureka keeps its server context in a static holder, so one JVM holds one server; forking also keeps Jersey,
 * Jetty, Archaius and the AWS SDK that the server drags in off the test class path of the library under test.
 */
@NullMarked
package io.registry4j.testservers.eureka;

import org.jspecify.annotations.NullMarked;
