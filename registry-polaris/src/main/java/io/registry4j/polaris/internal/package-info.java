/**
 * The machinery of the Polaris backend: the provider, the codec of the instance layout, the SDK's set-up and
 * shutdown, the per-service watch and error mapping. Not an API; may change in any release.
 */
@NullMarked
package io.registry4j.polaris.internal;

import org.jspecify.annotations.NullMarked;
