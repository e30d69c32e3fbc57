package io.registry4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RegistriesTest {

    @Test
    void anUnparseableUrlIsReportedWithoutItsSecrets() {
        assertThatThrownBy(() -> Registries.open("etcd://root:pass word@127.0.0.1:2379?ttl=5s"))
                .isInstanceOfSatisfying(
                        RegistryException.class,
                        e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.INVALID_ARGUMENT))
                .hasMessageContaining("not a URI")
                .hasMessageContaining("etcd://***@127.0.0.1:2379")
                .hasMessageNotContaining("pass word")
                .satisfies(e -> assertThat(e.getCause()).isNull());
        assertThatThrownBy(() -> Registries.open("nacos://127.0.0.1:8848?username=u&password=hunter 2"))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("password=***")
                .hasMessageNotContaining("hunter");
    }
}
