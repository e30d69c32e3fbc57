/**
 * HTTP and JSON plumbing shared by the backends that speak a REST API (Eureka, Consul): the JDK {@code HttpClient}
 * transport with deadlines and failover, the registry-owned client and its named threads, and a small JSON tree
 * reader and writer on {@code jackson-core}. Not an API: it may change in any release.
 */
@NullMarked
package io.registry4j.http.internal;

import org.jspecify.annotations.NullMarked;
