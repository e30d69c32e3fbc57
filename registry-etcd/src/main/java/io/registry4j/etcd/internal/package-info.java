/**
 * The machinery of the etcd backend: the provider, the codec of Kratos' layout, the per-instance leases and their
 * keepalive, the per-service watch, error mapping and call deadlines. Not an API; may change in any release.
 */
@NullMarked
package io.registry4j.etcd.internal;

import org.jspecify.annotations.NullMarked;
