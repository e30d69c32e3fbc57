package io.registry4j.benchmarks;

import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.Subscription;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A warm {@code getService}: 10 instances, watched, so the view is cached; next to the anchor of a cache lookup
 * that copies its list ({@code ConcurrentHashMap.get} + {@code new ArrayList}, what Curator's and Nacos' caches do).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class GetServiceBenchmark {
    static final String SERVICE = "bench-warm";
    static final int INSTANCES = 10;

    /** The backend, as {@link Targets#open} takes it. */
    @Param({"etcd"})
    public String backend = "etcd";

    /** The server's address. */
    @Param({"none"})
    public String address = "none";

    @SuppressWarnings("NullAway.Init")
    private ServiceRegistry registry;

    @SuppressWarnings("NullAway.Init")
    private Subscription subscription;

    private final ConcurrentHashMap<String, List<ServiceInstance>> map = new ConcurrentHashMap<>();

    /** Registers the instances and warms the view. */
    @Setup(Level.Trial)
    public void setUp() {
        registry = Targets.open(backend, address);
        for (int i = 0; i < INSTANCES; i++) {
            registry.register(Instances.of(SERVICE, i));
        }
        subscription = registry.watch(SERVICE, Runnable::run, event -> {});
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (registry.getService(SERVICE).size() < INSTANCES) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the view of " + SERVICE + " did not fill in 60 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        map.put(SERVICE, List.copyOf(registry.getService(SERVICE)));
        for (int i = 0; i < 100; i++) {
            map.put("other-" + i, List.of());
        }
    }

    /** Stops the watch and closes the registry (deregistering the instances). */
    @TearDown(Level.Trial)
    public void tearDown() {
        subscription.close();
        registry.close();
    }

    /**
     * The CPU time the benchmark thread spent in each measured iteration, reported as an event count next to the
     * iteration's operations: the CPU time of one call, which other jobs on the machine (which take cores away and
     * stretch the wall-clock time) do not move.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Cpu {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

        /** Nanoseconds of this thread's CPU time in the iteration. */
        public long cpuNanos;

        private long start;

        /** Starts the iteration's reading. */
        @Setup(Level.Iteration)
        public void start() {
            cpuNanos = 0;
            start = THREADS.getCurrentThreadCpuTime();
        }

        /** Ends the iteration's reading. */
        @TearDown(Level.Iteration)
        public void stop() {
            cpuNanos = THREADS.getCurrentThreadCpuTime() - start;
        }
    }

    /** registry4j's warm getService. */
    @Benchmark
    public List<ServiceInstance> registry4j(Cpu cpu) {
        return registry.getService(SERVICE);
    }

    /** The anchor: a cache lookup that copies the list. */
    @Benchmark
    public List<ServiceInstance> mapLookupCopy(Cpu cpu) {
        List<ServiceInstance> cached = map.get(SERVICE);
        return cached == null ? List.of() : new ArrayList<>(cached);
    }
}
