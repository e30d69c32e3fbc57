/** Implementation details of the testkit; not API. */
@NullMarked
package io.registry4j.testkit.internal;

import org.jspecify.annotations.NullMarked;
