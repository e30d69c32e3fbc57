package io.registry4j.benchmarks;

import io.registry4j.spi.KratosJson;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Decoding a service's Kratos JSON values (what etcd and ZooKeeper store): registry4j's {@link KratosJson} into
 * validated {@code ServiceInstance}s against Jackson databind into a plain record.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DecodeBenchmark {
    /** Instances in the service. */
    @Param({"1000", "10000"})
    public int size = 1000;

    private List<String> values = List.of();

    /** Encodes the values once. */
    @Setup(Level.Trial)
    public void setUp() {
        List<String> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            out.add(Instances.kratosJson("bench-decode", i));
        }
        values = out;
    }

    /** registry4j's decoder. */
    @Benchmark
    public void registry4j(Blackhole blackhole) {
        for (String value : values) {
            blackhole.consume(KratosJson.decode(value));
        }
    }

    /** The anchor: Jackson databind. */
    @Benchmark
    public void jackson(Blackhole blackhole) throws IOException {
        for (String value : values) {
            blackhole.consume(Json.MAPPER.readValue(value, KratosRecord.class));
        }
    }
}
