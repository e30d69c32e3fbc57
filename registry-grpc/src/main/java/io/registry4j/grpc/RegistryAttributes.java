package io.registry4j.grpc;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.registry4j.ServiceInstance;
import java.util.Map;

/**
 * The attributes the resolver puts on each {@link EquivalentAddressGroup}, one group per instance, for load-balancing
 * policies and interceptors to read ({@code eag.getAttributes().get(RegistryAttributes.VERSION)}).
 *
 * <p>{@link #INSTANCE}, {@link #VERSION}, {@link #METADATA} and {@link #WEIGHT} are always set; {@link #ZONE} only when
 * the instance has a {@code zone} metadata entry.
 */
public final class RegistryAttributes {

    /** The metadata key read for {@link #WEIGHT}, as Kratos' selector reads it. */
    public static final String WEIGHT_METADATA_KEY = "weight";

    /** The metadata key read for {@link #ZONE}. */
    public static final String ZONE_METADATA_KEY = "zone";

    /** The weight of an instance without a usable {@code weight} entry: 100, Kratos' default. */
    public static final int DEFAULT_WEIGHT = 100;

    /** The whole instance the addresses belong to. */
    public static final Attributes.Key<ServiceInstance> INSTANCE = Attributes.Key.create("registry4j.instance");

    /** The instance's version, possibly empty. */
    public static final Attributes.Key<String> VERSION = Attributes.Key.create("registry4j.version");

    /** The instance's metadata, unmodifiable. */
    public static final Attributes.Key<Map<String, String>> METADATA = Attributes.Key.create("registry4j.metadata");

    /**
     * The metadata entry {@code weight} as a non-negative integer (a decimal is rounded), or {@link #DEFAULT_WEIGHT}
     * when it is missing or not a number.
     */
    public static final Attributes.Key<Integer> WEIGHT = Attributes.Key.create("registry4j.weight");

    /** The metadata entry {@code zone}, when present. */
    public static final Attributes.Key<String> ZONE = Attributes.Key.create("registry4j.zone");

    private RegistryAttributes() {}

    /**
     * The attributes of one instance.
     *
     * @param instance the instance
     * @return its attributes
     */
    public static Attributes of(ServiceInstance instance) {
        Attributes.Builder b = Attributes.newBuilder()
                .set(INSTANCE, instance)
                .set(VERSION, instance.version())
                .set(METADATA, instance.metadata())
                .set(WEIGHT, weight(instance.metadata().get(WEIGHT_METADATA_KEY)));
        String zone = instance.metadata().get(ZONE_METADATA_KEY);
        if (zone != null) {
            b.set(ZONE, zone);
        }
        return b.build();
    }

    private static int weight(@org.jspecify.annotations.Nullable String text) {
        if (text == null) {
            return DEFAULT_WEIGHT;
        }
        try {
            double w = Double.parseDouble(text.strip());
            if (Double.isNaN(w) || w < 0) {
                return DEFAULT_WEIGHT;
            }
            return (int) Math.min(Integer.MAX_VALUE, Math.round(w));
        } catch (NumberFormatException e) {
            return DEFAULT_WEIGHT;
        }
    }
}
