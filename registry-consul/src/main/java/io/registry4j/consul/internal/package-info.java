/**
 * The machinery of the Consul backend: the codec between {@code ServiceInstance} and Consul's agent and health JSON,
 * the blocking-query watch and the {@code consul://} provider. Not an API: it may change in any release.
 */
@NullMarked
package io.registry4j.consul.internal;

import org.jspecify.annotations.NullMarked;
