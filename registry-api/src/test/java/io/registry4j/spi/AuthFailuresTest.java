package io.registry4j.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.registry4j.RegistryException;
import io.registry4j.RegistryException.Kind;
import org.junit.jupiter.api.Test;

/** The one wording of a rejected login that every backend with authentication uses (etcd, ZooKeeper, Nacos, Eureka). */
class AuthFailuresTest {

    @Test
    void aRejectedUserIsNamedAndTheServersWordsKept() {
        RegistryException native0 = new RegistryException(
                Kind.UNAUTHENTICATED, "nacos", "read DEFAULT_GROUP@@orders failed: user not found!");
        RegistryException e = AuthFailures.named("ops", native0);
        assertThat(e.kind()).isEqualTo(Kind.UNAUTHENTICATED);
        assertThat(e.backend()).isEqualTo("nacos");
        assertThat(e.getMessage())
                .isEqualTo("nacos UNAUTHENTICATED: authentication failed for user ops (wrong password, or no such "
                        + "user); read DEFAULT_GROUP@@orders failed: user not found!");
        assertThat(e.getCause()).isSameAs(native0);
        assertThat(AuthFailures.named("ops", e)).as("already worded").isSameAs(e);
    }

    @Test
    void withoutCredentialsTheHintSaysHowToGiveThem() {
        RegistryException e = AuthFailures.of("etcd", null, "get /x: etcdserver: user name is empty", null);
        assertThat(e.getMessage())
                .contains("authentication failed: the server asks for credentials and none were given")
                .contains("add the options user=… and password=… to the registry URL")
                .endsWith("; get /x: etcdserver: user name is empty");
        assertThat(AuthFailures.named(null, e)).isSameAs(e);
    }

    @Test
    void otherFailuresPassUnchanged() {
        RegistryException down = new RegistryException(Kind.UNAVAILABLE, "nacos", "connection refused");
        assertThat(AuthFailures.named("ops", down)).isSameAs(down);
    }
}
