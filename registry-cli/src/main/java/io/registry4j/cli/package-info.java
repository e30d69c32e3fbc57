/**
 * The {@code registry4j} command line: a newcomer's first look at the library ({@code registry4j demo}) and an
 * operator's tool to look into any registry ({@code list}, {@code watch}, {@code services}, {@code register},
 * {@code deregister}, {@code doctor}).
 *
 * <pre>{@code
 * ./registry4j demo
 * ./registry4j list orders --registry etcd://127.0.0.1:2379
 * REGISTRY4J_URL=zookeeper://127.0.0.1:2181 ./registry4j watch orders -o json
 * }</pre>
 *
 * <p>Everything here is built on picocli and the public registry4j API: a backend joins the command line by being
 * on its class path (its {@link io.registry4j.spi.RegistryProvider} is found by URL scheme). Commands write to the
 * writers of their {@code Cli} so that tests can run them in-process and read what they print.
 */
@NullMarked
package io.registry4j.cli;

import org.jspecify.annotations.NullMarked;
