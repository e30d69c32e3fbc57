package io.registry4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.registry4j.Registries;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.EurekaServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code list}, {@code watch}, {@code services} and {@code doctor} against {@code eureka://}, on the real Netflix
 * Eureka server (forked JVM); the backend joined the command line through its provider, with no code here.
 */
class EurekaCommandsTest {
    private static EurekaServer server;

    @BeforeAll
    static void startEureka() {
        server = EurekaServer.start();
    }

    @AfterAll
    static void stopEureka() {
        if (server != null) {
            server.close();
        }
    }

    /** Eureka's defaults renew every 30 s and poll every 30 s; a test wants seconds. */
    private static String url() {
        return "eureka://" + server.baseUri().getAuthority() + server.baseUri().getPath()
                + "?renew=2s&lease=10s&refresh=200ms&timeout=3s";
    }

    private static Duration wait(Duration d) {
        return CliRun.scaled(d);
    }

    @Test
    void listWatchAndServicesSeeWhatAnotherClientRegisters() throws Exception {
        String service = CommandsContract.uniqueService("eureka");
        var watch = CliRun.plain();
        var watching = watch.start("watch", service, "-r", url());
        await().atMost(wait(CommandsContract.WAIT)).until(() -> watch.out().contains("INITIAL"));

        try (ServiceRegistry other = Registries.open(url())) {
            ServiceInstance one = CommandsContract.instance(service, "e-1", "1.0", 9000);
            other.register(one);
            await().atMost(wait(CommandsContract.WAIT)).until(() -> watch.out().contains("+ e-1"));

            var list = CliRun.plain();
            assertThat(list.execute("list", service, "-r", url()))
                    .as(list.all())
                    .isZero();
            assertThat(list.out())
                    .startsWith("ID   VERSION  ENDPOINTS")
                    .contains("e-1  1.0      grpc://127.0.0.1:9000, http://127.0.0.1:9001  text=ünïcödé ✓, zone=eu-1a");

            var services = CliRun.plain();
            assertThat(services.execute("services", "-r", url()))
                    .as(services.all())
                    .isZero();
            assertThat(services.out().lines()).contains(service);

            other.deregister(one);
            await().atMost(wait(CommandsContract.WAIT)).until(() -> watch.out().contains("- e-1"));
        }
        watch.stop();
        assertThat(CliRun.exitCode(watching, CommandsContract.WAIT))
                .as(watch.all())
                .isZero();
    }

    @Test
    void doctorPassesEveryCheckOnEureka() {
        var run = CliRun.plain();
        int code = run.execute("doctor", "-r", url(), "--timeout", "10s", "--restore-timeout", "20s");
        assertThat(code).as(run.all()).isZero();
        assertThat(run.out())
                .as(run.all())
                .contains("  PASS  see added ")
                .contains("  PASS  round trip ")
                .contains("  PASS  re-register ")
                .contains("  PASS  see removed ")
                .doesNotContain("FAIL");
    }
}
