/**
 * The registry4j testkit: the compatibility kit every backend passes, the in-memory reference backend
 * ({@code memory://}), a fake clock, a recording listener and a leak-check extension.
 */
module io.registry4j.testkit {
    requires transitive io.registry4j;
    requires transitive org.junit.jupiter.api;
    requires transitive org.assertj.core;
    requires org.awaitility;
    requires static org.jspecify;

    exports io.registry4j.testkit;

    opens io.registry4j.testkit to
            org.junit.platform.commons;

    provides io.registry4j.spi.RegistryProvider with
            io.registry4j.testkit.internal.InMemoryRegistryProvider;
}
