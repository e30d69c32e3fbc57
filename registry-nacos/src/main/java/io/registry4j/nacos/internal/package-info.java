/**
 * The machinery of the Nacos backend: the provider, the codec of the instance layout, the per-service publications,
 * the per-service watch, the connection monitor and error mapping. Not an API; may change in any release.
 */
@NullMarked
package io.registry4j.nacos.internal;

import org.jspecify.annotations.NullMarked;
