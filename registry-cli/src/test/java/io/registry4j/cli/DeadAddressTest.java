package io.registry4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.registry4j.testservers.LoopbackPorts;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A port with nothing listening and a host that does not resolve are reported as such, at once (well within a long
 * --timeout), and doctor does not claim a connection it never made.
 */
@DisplayName("dead addresses are reported at once, by name")
class DeadAddressTest {
    private static final String LONG = "60s";

    private static String deadPort() {
        return "etcd://" + LoopbackPorts.host() + ":" + LoopbackPorts.freePort();
    }

    @Test
    @Timeout(40)
    @DisplayName("list against a port with nothing listening says 'connection refused', not 'no answer'")
    void connectionRefused() {
        var run = CliRun.plain();
        assertThat(run.execute("list", "orders", "-r", deadPort(), "--timeout", LONG))
                .as(run.all())
                .isEqualTo(CliException.RUNTIME);
        assertThat(run.err()).contains("connection refused").doesNotContain("got no answer");
    }

    @Test
    @Timeout(40)
    @DisplayName("services against an unknown host says 'unknown host'")
    void unknownHost() {
        var run = CliRun.plain();
        assertThat(run.execute("services", "-r", "etcd://no-such-host.invalid:2379", "--timeout", LONG))
                .as(run.all())
                .isEqualTo(CliException.RUNTIME);
        assertThat(run.err()).contains("unknown host").doesNotContain("got no answer");
    }

    @Test
    @Timeout(40)
    @DisplayName("doctor against a dead port fails the connect step instead of passing it")
    void doctorDoesNotPassADeadPort() {
        var run = CliRun.plain();
        assertThat(run.execute("doctor", "-r", deadPort(), "--timeout", LONG))
                .as(run.all())
                .isNotZero();
        assertThat(run.out())
                .doesNotContain("PASS  connect")
                .contains("FAIL  connect")
                .contains("connection refused");
    }
}
