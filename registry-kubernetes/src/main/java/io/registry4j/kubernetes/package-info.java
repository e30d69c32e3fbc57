/**
 * The Kubernetes backend of registry4j, on the fabric8 client, compatible with Kratos' Kubernetes registry: a pod
 * registers itself in its labels {@code kratos-service-id}, {@code kratos-service-app}, {@code kratos-service-version}
 * and annotations {@code kratos-service-metadata} and {@code kratos-service-protocols}; discovery watches pods by label
 * with one shared informer per namespace.
 *
 * <p>The same registry opens from a URL with {@code Registries.open(URI.create("kubernetes://?namespace=default"))}.
 * See {@link io.registry4j.kubernetes.KubernetesRegistry} for the semantics.
 */
@NullMarked
package io.registry4j.kubernetes;

import org.jspecify.annotations.NullMarked;
