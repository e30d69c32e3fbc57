/**
 * The launcher of the real Nacos server, run in a child JVM by {@code io.registry4j.testservers.NacosServer}; never
 * loaded in a test JVM.
 */
@NullMarked
package io.registry4j.testservers.nacos;

import org.jspecify.annotations.NullMarked;
