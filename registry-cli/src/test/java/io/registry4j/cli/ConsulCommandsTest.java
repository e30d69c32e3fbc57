package io.registry4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.registry4j.Registries;
import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.ConsulServer;
import io.registry4j.testservers.FakeConsul;
import io.registry4j.testservers.TestTime;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code list}, {@code watch}, {@code register}, {@code services} and {@code doctor} against {@code consul://}, on the
 * fake Consul agent (Consul's server is BSL; {@code REGISTRY4J_TEST_CONSUL} runs them on a real one); the backend
 * joined the command line through its provider, with no code here.
 */
@DisplayName("consul:// commands on the fake Consul agent")
class ConsulCommandsTest {
    private static ConsulServer server;

    @BeforeAll
    static void startConsul() {
        server = ConsulServer.start(FakeConsul.builder());
    }

    @AfterAll
    static void stopConsul() {
        if (server != null) {
            server.close();
        }
    }

    /** Heartbeats every 10 s and 55 s blocking queries are the defaults; a test wants seconds. */
    private static String url() {
        return "consul://" + server.address() + "?heartbeat=1s&wait=5s&timeout=3s";
    }

    private static Duration wait(Duration d) {
        return TestTime.scaled(d);
    }

    @Test
    @DisplayName("fake Consul: list, watch and services see what another client registers")
    void listWatchAndServicesSeeWhatAnotherClientRegisters() throws Exception {
        List<String> services = ProviderCommandChecks.listWatchAndServicesSeeWhatAnotherClientRegisters(
                url(), "consul", "c-1", "c-1  1.0      grpc://127.0.0.1:9000, http://127.0.0.1:9001");
        assertThat(services).doesNotContain("consul");
    }

    @Test
    @DisplayName("fake Consul: register keeps an instance until stopped, then deregisters it")
    void registerUntilStopped() throws Exception {
        String service = CommandsContract.uniqueService("consulreg");
        var register = CliRun.plain();
        var registered = register.start(
                "register", "--name", service, "--id", "r-1", "--endpoint", "grpc://127.0.0.1:9100", "-r", url());
        try (ServiceRegistry reader = Registries.open(url())) {
            await().atMost(wait(CommandsContract.WAIT))
                    .until(() -> reader.getService(service).size() == 1);
            register.stop();
            assertThat(CliRun.exitCode(registered, CommandsContract.WAIT))
                    .as(register.all())
                    .isZero();
            assertThat(reader.getService(service)).isEmpty();
        }
    }

    @Test
    @DisplayName("fake Consul: doctor passes every check, and a token never shows in its output")
    void doctorPassesEveryCheckOnConsul() {
        var run = ProviderCommandChecks.doctorPassesEveryCheck(url() + "&token=sup3rs3cret");
        assertThat(run.all()).doesNotContain("sup3rs3cret");
    }
}
