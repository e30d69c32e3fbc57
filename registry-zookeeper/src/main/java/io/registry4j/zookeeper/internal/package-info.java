/**
 * Implementation of the ZooKeeper backend: the URL provider, the node layout and codec, bounded Curator calls, the
 * registry's own nodes and the per-service watches. Not an API: it may change in any release.
 */
@NullMarked
package io.registry4j.zookeeper.internal;

import org.jspecify.annotations.NullMarked;
