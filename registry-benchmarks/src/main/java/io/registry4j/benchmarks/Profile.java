package io.registry4j.benchmarks;

/**
 * How much a run measures: {@code short} fits in about ten minutes on two busy cores; {@code long} is for careful
 * runs on a quiet machine.
 *
 * @param name the profile's name
 * @param rounds interleaved rounds; every figure is the median of the rounds' percentiles
 * @param registerSamples register calls per round and side
 * @param fastPropagationSamples propagation samples per round and side on push backends
 * @param slowPropagationSamples propagation samples per round and side on Nacos (push delay) and Eureka (poll)
 * @param readSamples cold reads per round and side
 * @param changeSamples changes per round and side for the CPU of one change
 * @param cycles register/deregister cycles
 * @param watchers watchers, spread over {@code services}
 * @param services services the watchers watch
 * @param jmhForks JMH forks per benchmark
 * @param jmhWarmups JMH warm-up iterations of one second
 * @param jmhIterations JMH measured iterations of one second
 */
record Profile(
        String name,
        int rounds,
        int registerSamples,
        int fastPropagationSamples,
        int slowPropagationSamples,
        int readSamples,
        int changeSamples,
        int cycles,
        int watchers,
        int services,
        int jmhForks,
        int jmhWarmups,
        int jmhIterations) {

    static Profile of(String name) {
        return switch (name) {
            case "short" -> new Profile(name, 5, 300, 300, 4, 3, 20, 1000, 1000, 100, 1, 2, 3);
            case "long" -> new Profile(name, 5, 2000, 2000, 40, 20, 100, 1000, 1000, 100, 3, 5, 10);
            default -> throw new IllegalArgumentException("profile must be short or long, got '" + name + "'");
        };
    }
}
