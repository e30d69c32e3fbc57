/**
 * The machinery of the Eureka backend: the HTTP transport with failover, the JSON codec, the refresh loop and the
 * {@code eureka://} provider. Not an API: it may change in any release.
 */
@NullMarked
package io.registry4j.eureka.internal;

import org.jspecify.annotations.NullMarked;
