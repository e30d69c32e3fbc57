package io.registry4j.benchmarks;

/**
 * How much a run measures: {@code short} fits in about ten minutes on two busy cores; {@code long} is for careful
 * runs on a quiet machine; {@code smoke} only checks that every measure runs.
 *
 * @param name the profile's name
 * @param rounds interleaved rounds; every figure is the median of the rounds' percentiles
 * @param registerSamples register calls per round and side
 * @param fastPropagationSamples propagation samples per round and side on push backends
 * @param slowPropagationSamples propagation samples per round and side on Nacos (push delay) and Eureka (poll)
 * @param readSamples cold reads per round and side
 * @param changeSamples changes per round and side for the CPU of one change, on push backends
 * @param slowChangeSamples the same on Nacos (push delay) and Eureka (poll)
 * @param cycles register/deregister cycles
 * @param watchers watchers, spread over {@code services}
 * @param services services the watchers watch
 * @param jmhForks JMH forks per benchmark
 * @param jmhWarmups JMH warm-up iterations of one second
 * @param jmhIterations JMH measured iterations of one second
 * @param jmhRuns JMH runs of each benchmark (each run has both sides); every measured iteration is one figure
 * @param decodeRounds interleaved rounds of the in-process decode measure
 */
record Profile(
        String name,
        int rounds,
        int registerSamples,
        int fastPropagationSamples,
        int slowPropagationSamples,
        int readSamples,
        int changeSamples,
        int slowChangeSamples,
        int cycles,
        int watchers,
        int services,
        int jmhForks,
        int jmhWarmups,
        int jmhIterations,
        int jmhRuns,
        int decodeRounds) {

    static Profile of(String name) {
        return switch (name) {
            case "short" -> new Profile(name, 7, 100, 100, 3, 2, 10, 5, 1000, 1000, 100, 1, 2, 5, 1, 31);
            // Checks the harness end to end in a few minutes; too few samples for its verdicts to mean anything.
            case "smoke" -> new Profile(name, 5, 20, 20, 1, 1, 3, 1, 100, 100, 10, 1, 1, 4, 1, 5);
            case "long" -> new Profile(name, 9, 2000, 2000, 30, 15, 100, 20, 1000, 1000, 100, 3, 5, 10, 1, 101);
            default -> throw new IllegalArgumentException("profile must be short, long or smoke, got '" + name + "'");
        };
    }
}
