package io.registry4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class RegistryExceptionTest {

    @Test
    void carriesKindBackendCauseAndRetryability() {
        var cause = new IOException("connection refused");
        var e = new RegistryException(RegistryException.Kind.UNAVAILABLE, "etcd", "put /x failed", cause);
        assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNAVAILABLE);
        assertThat(e.backend()).isEqualTo("etcd");
        assertThat(e.getCause()).isSameAs(cause);
        assertThat(e.isRetryable()).isTrue();
        assertThat(e.getMessage()).isEqualTo("etcd UNAVAILABLE: put /x failed");
    }

    @Test
    void onlyUnavailableAndTimeoutAreRetryable() {
        for (RegistryException.Kind k : RegistryException.Kind.values()) {
            assertThat(new RegistryException(k, "b", "m").isRetryable())
                    .as(k.name())
                    .isEqualTo(k == RegistryException.Kind.UNAVAILABLE || k == RegistryException.Kind.TIMEOUT);
        }
    }
}
