/**
 * Micrometer meters for any registry4j registry: {@link io.registry4j.micrometer.RegistryMetrics}.
 */
@NullMarked
package io.registry4j.micrometer;

import org.jspecify.annotations.NullMarked;
