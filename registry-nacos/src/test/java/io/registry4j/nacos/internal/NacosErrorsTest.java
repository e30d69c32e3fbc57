package io.registry4j.nacos.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.alibaba.nacos.api.exception.NacosException;
import io.registry4j.RegistryException;
import io.registry4j.RegistryException.Kind;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** How SDK failures become RegistryExceptions, without a server. */
@DisplayName("NacosErrors (no server)")
class NacosErrorsTest {

    @Test
    @DisplayName("a client without connection is UNAVAILABLE, names the call and keeps the SDK's exception as cause")
    void disconnectedIsUnavailable() {
        var native_ = new NacosException(NacosException.CLIENT_DISCONNECT, "Client not connected");
        RegistryException e = NacosErrors.wrap("register orders/1 in DEFAULT_GROUP@@orders", native_);
        assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
        assertThat(e.isRetryable()).isTrue();
        assertThat(e.getMessage())
                .contains("register orders/1 in DEFAULT_GROUP@@orders", "-401", "Client not connected");
        assertThat(e.getCause()).isSameAs(native_);
    }

    @Test
    @DisplayName("a request without answer in time is TIMEOUT")
    void timeoutIsTimeout() {
        var native_ = new NacosException(NacosException.SERVER_ERROR, new TimeoutException("3000 ms"));
        assertThat(NacosErrors.wrap("read s", native_).kind()).isEqualTo(Kind.TIMEOUT);
    }

    @Test
    @DisplayName("bad arguments, refused credentials and rights map to their kinds; anything else is INTERNAL")
    void otherKinds() {
        assertThat(NacosErrors.wrap("x", new NacosException(NacosException.INVALID_PARAM, "bad"))
                        .kind())
                .isEqualTo(Kind.INVALID_ARGUMENT);
        assertThat(NacosErrors.wrap("x", new NacosException(NacosException.NO_RIGHT, "unknown user!"))
                        .kind())
                .isEqualTo(Kind.UNAUTHENTICATED);
        assertThat(NacosErrors.wrap("x", new NacosException(NacosException.NO_RIGHT, "no permission"))
                        .kind())
                .isEqualTo(Kind.PERMISSION_DENIED);
        assertThat(NacosErrors.wrap("x", new NacosException(NacosException.OVER_THRESHOLD, "tps"))
                        .kind())
                .isEqualTo(Kind.UNAVAILABLE);
        assertThat(NacosErrors.wrap("x", new IllegalStateException("sdk bug")).kind())
                .isEqualTo(Kind.INTERNAL);
    }
}
