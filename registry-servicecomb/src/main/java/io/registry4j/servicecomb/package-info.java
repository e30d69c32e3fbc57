/**
 * registry4j on a ServiceComb service-center: {@link io.registry4j.servicecomb.ServiceCombRegistry}, over its REST API
 * and watch websocket with the JDK {@code HttpClient}, with heartbeats and re-registration.
 */
@NullMarked
package io.registry4j.servicecomb;

import org.jspecify.annotations.NullMarked;
