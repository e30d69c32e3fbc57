/** The resolver itself and the parsing and sharing behind {@link io.registry4j.grpc.RegistryNameResolverProvider}. */
@NullMarked
package io.registry4j.grpc.internal;

import org.jspecify.annotations.NullMarked;
