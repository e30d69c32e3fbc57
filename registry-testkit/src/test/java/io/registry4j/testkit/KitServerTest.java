package io.registry4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One server for a test class and every {@code @Nested} group of it, as the kit's groups need. */
class KitServerTest {
    private static final AtomicInteger STARTS = new AtomicInteger();
    private static final AtomicInteger CLOSES = new AtomicInteger();

    @RegisterExtension
    static final KitServer<AutoCloseable> SERVER = new KitServer<>("test server", () -> {
        STARTS.incrementAndGet();
        return CLOSES::incrementAndGet;
    });

    @Test
    void theOuterClassHasTheServer() {
        assertThat(SERVER.get()).isNotNull();
        assertThat(STARTS).hasValue(1);
    }

    @Nested
    class Group {
        @Test
        void aNestedGroupSharesTheOuterServerInsteadOfStartingItsOwn() {
            assertThat(SERVER.get()).isNotNull();
            assertThat(STARTS).as("servers started").hasValue(1);
            assertThat(CLOSES).as("servers closed").hasValue(0);
        }
    }

    @Nested
    class AnotherGroup {
        @Test
        void theServerOutlivesAnEarlierGroup() {
            assertThat(SERVER.get()).isNotNull();
            assertThat(STARTS).as("servers started").hasValue(1);
            assertThat(CLOSES).as("servers closed").hasValue(0);
        }
    }
}
