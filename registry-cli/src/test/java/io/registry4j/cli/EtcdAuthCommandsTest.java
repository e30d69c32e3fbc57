package io.registry4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.registry4j.testservers.EtcdServer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Every command against a real etcd with authentication on: a wrong password or none is reported as the failed
 * login it is, naming the user (or saying how to give one), and the masked password never swallows that reason.
 */
@DisplayName("CLI commands against an etcd with authentication on")
class EtcdAuthCommandsTest {
    private static EtcdServer server;

    @BeforeAll
    static void startEtcdWithAuth() throws Exception {
        server = EtcdServer.start();
        assumeFalse(server.isExternal(), "turns authentication on, which it must not do to REGISTRY4J_TEST_ETCD");
        try (Client admin =
                Client.builder().endpoints(server.endpoints().split(",")).build()) {
            var auth = admin.getAuthClient();
            auth.userAdd(bytes("root"), bytes("root-pw")).get(10, TimeUnit.SECONDS);
            auth.roleAdd(bytes("root")).get(10, TimeUnit.SECONDS);
            auth.userGrantRole(bytes("root"), bytes("root")).get(10, TimeUnit.SECONDS);
            auth.authEnable().get(10, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stopEtcd() {
        if (server != null) {
            server.close();
        }
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    private static String base() {
        return "etcd://" + server.clientEndpoint().getAuthority();
    }

    @Test
    @DisplayName(
            "a wrong password, last in the URL or not, says 'authentication failed for user root' on every command")
    void wrongPassword() throws Exception {
        for (String url : new String[] {
            base() + "?user=root&password=bad-pw-x9", base() + "?password=bad-pw-x9&user=root&timeout=5s"
        }) {
            for (String[] args : new String[][] {
                {"list", "orders", "-r", url},
                {"services", "-r", url},
                {"register", "--name", "orders", "--id", "o-1", "--endpoint", "grpc://127.0.0.1:9000", "-r", url},
                {"deregister", "--name", "orders", "--id", "o-1", "-r", url}
            }) {
                var run = CliRun.plain();
                assertThat(run.execute(args)).as(run.all()).isEqualTo(CliException.RUNTIME);
                assertThat(run.err())
                        .as(String.join(" ", args))
                        .contains("authentication failed for user root")
                        .contains("password=***")
                        .doesNotContain("bad-pw-x9")
                        .doesNotContain("(no detail)")
                        .doesNotContain("check that the server runs");
            }
            var watch = CliRun.plain();
            CompletableFuture<Integer> running = watch.start("watch", "orders", "-r", url);
            assertThat(CliRun.exitCode(running, java.time.Duration.ofSeconds(30)))
                    .as(watch.all())
                    .isEqualTo(CliException.RUNTIME);
            assertThat(watch.err())
                    .contains("authentication failed for user root")
                    .doesNotContain("unreachable");
        }
    }

    @Test
    @DisplayName("no credentials: the message says to add the user and password options")
    void noCredentials() throws Exception {
        var run = CliRun.plain();
        assertThat(run.execute("list", "orders", "-r", base())).as(run.all()).isEqualTo(CliException.RUNTIME);
        assertThat(run.err())
                .contains("authentication failed: the server asks for credentials")
                .contains("add the options user=… and password=…");
        var watch = CliRun.plain();
        CompletableFuture<Integer> running = watch.start("watch", "orders", "-r", base());
        assertThat(CliRun.exitCode(running, java.time.Duration.ofSeconds(30)))
                .as(watch.all())
                .isEqualTo(CliException.RUNTIME);
        assertThat(watch.err())
                .contains("add the options user=… and password=…")
                .doesNotContain("unreachable");
    }

    @Test
    @DisplayName("the right password works")
    void rightPassword() {
        var run = CliRun.plain();
        assertThat(run.execute("list", "orders", "-r", base() + "?user=root&password=root-pw"))
                .as(run.all())
                .isZero();
    }
}
