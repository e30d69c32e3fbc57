/**
 * registry4j: one small API to register a JVM service and discover others, on any backend.
 *
 * <p>{@code io.registry4j} is the user API; {@code io.registry4j.spi} holds what backend authors build on. Backends
 * are found with {@link java.util.ServiceLoader} through {@link io.registry4j.spi.RegistryProvider}.
 */
module io.registry4j {
    requires static transitive org.jspecify;

    exports io.registry4j;
    exports io.registry4j.spi;

    uses io.registry4j.spi.RegistryProvider;
}
