package io.registry4j.nacos;

import java.util.Locale;

/**
 * How a {@link NacosRegistry} writes its instances into Nacos. Reading always sees both layouts at once, merged on the
 * instance id, so registries of either layout, Go Kratos services and Spring Cloud Alibaba services all see each other.
 */
public enum NacosLayout {
    /**
     * Kratos' layout, the default: each endpoint in the Nacos service {@code <name>.<scheme>}, with Kratos' metadata
     * keys {@code kind} (the scheme) and {@code version} next to registry4j's own keys and the user metadata, so that a
     * Go Kratos client dialing {@code discovery:///<name>} finds the instance. The metadata keys {@code kind} and
     * {@code version} are then reserved.
     */
    KRATOS,

    /**
     * The plain layout of Nacos' own clients and Spring Cloud Alibaba: every endpoint in the Nacos service
     * {@code <name>}, with registry4j's keys and the user metadata. Go Kratos clients do not see such instances.
     */
    PLAIN;

    /**
     * The layout named by a URL option value, ignoring case: {@code kratos} or {@code plain}.
     *
     * @param value the value
     * @return the layout
     * @throws IllegalArgumentException if it names no layout
     */
    public static NacosLayout parse(String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "kratos" -> KRATOS;
            case "plain" -> PLAIN;
            default -> throw new IllegalArgumentException("layout must be 'kratos' or 'plain', got '" + value + "'");
        };
    }
}
