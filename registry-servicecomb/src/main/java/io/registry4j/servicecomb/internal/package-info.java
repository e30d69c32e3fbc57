/**
 * The machinery of the ServiceComb backend: the codec between {@code ServiceInstance} and service-center's microservice
 * instances, the shared watch (one websocket per registry, one pull per watched service) and the {@code servicecomb://}
 * provider. Not an API: it may change in any release.
 */
@NullMarked
package io.registry4j.servicecomb.internal;

import org.jspecify.annotations.NullMarked;
