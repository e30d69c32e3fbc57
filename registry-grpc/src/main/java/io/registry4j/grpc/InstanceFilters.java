package io.registry4j.grpc;

import io.registry4j.ServiceInstance;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Ready-made instance filters for {@link RegistryNameResolverProvider.Builder#filter}, the counterparts of Kratos'
 * {@code selector/filter} package. In a target they are written {@code ?version=v2} and {@code ?metadata.zone=eu-1}.
 */
public final class InstanceFilters {

    private InstanceFilters() {}

    /**
     * Keeps instances of exactly this version, as Kratos' {@code filter.Version}.
     *
     * @param version the version, compared exactly
     * @return the filter
     */
    public static Predicate<ServiceInstance> version(String version) {
        Objects.requireNonNull(version, "version");
        return new Described(i -> i.version().equals(version), "version=" + version);
    }

    /**
     * Keeps instances whose metadata maps {@code key} to exactly {@code value}.
     *
     * @param key the metadata key
     * @param value the value, compared exactly
     * @return the filter
     */
    public static Predicate<ServiceInstance> metadata(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        return new Described(i -> value.equals(i.metadata().get(key)), "metadata." + key + "=" + value);
    }

    /** A filter that prints what it keeps, for the messages of an empty resolution. */
    private record Described(Predicate<ServiceInstance> test, String text) implements Predicate<ServiceInstance> {
        @Override
        public boolean test(ServiceInstance instance) {
            return test.test(instance);
        }

        @Override
        public Predicate<ServiceInstance> and(Predicate<? super ServiceInstance> other) {
            return new Described(i -> test(i) && other.test(i), text + " and " + other);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
