/**
 * Implementation of the Kubernetes backend: the URL provider, the pod layout and codec, error mapping and the shared
 * pod informers. Not an API: it may change in any release.
 */
@NullMarked
package io.registry4j.kubernetes.internal;

import org.jspecify.annotations.NullMarked;
