/**
 * registry4j on Consul: {@link io.registry4j.consul.ConsulRegistry}, over the agent's HTTP API with the JDK
 * {@code HttpClient}, in Kratos' layout, with TTL heartbeats and blocking-query discovery.
 */
@NullMarked
package io.registry4j.consul;

import org.jspecify.annotations.NullMarked;
