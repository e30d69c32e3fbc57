/**
 * registry4j against each backend's native SDK, side by side in one run: a propagation harness ({@link BenchMain})
 * for end-to-end latency and resources, JMH benchmarks for the micro costs, and the writer of
 * {@code docs/benchmarks.md}. Not a library: nothing here is deployed.
 */
@NullMarked
package io.registry4j.benchmarks;

import org.jspecify.annotations.NullMarked;
