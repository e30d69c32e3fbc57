package io.registry4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.registry4j.Registries;
import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.FakeServiceCenter;
import io.registry4j.testservers.ServiceCenterServer;
import io.registry4j.testservers.TestTime;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code list}, {@code watch}, {@code register}, {@code services} and {@code doctor} against {@code servicecomb://}, on
 * the fake service-center ({@code REGISTRY4J_TEST_SERVICECOMB} runs them on a real one); the backend joined the command
 * line through its provider, with no code here.
 */
@DisplayName("servicecomb:// commands on the fake service-center")
class ServiceCombCommandsTest {
    private static ServiceCenterServer server;

    @BeforeAll
    static void startServer() {
        server = ServiceCenterServer.start(FakeServiceCenter.builder().minHealthCheck(1, 3));
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    /** Heartbeats every 10 s and polls every 30 s are the defaults; a test wants seconds. */
    private static String url() {
        return "servicecomb://" + server.address() + "?app=default&heartbeat=1s&poll=2s&timeout=3s";
    }

    private static Duration wait(Duration d) {
        return TestTime.scaled(d);
    }

    @Test
    @DisplayName("fake service-center: list, watch and services see what another client registers")
    void listWatchAndServicesSeeWhatAnotherClientRegisters() throws Exception {
        List<String> services = ProviderCommandChecks.listWatchAndServicesSeeWhatAnotherClientRegisters(
                url(), "servicecomb", "c-1", "c-1  1.0      grpc://127.0.0.1:9000, http://127.0.0.1:9001");
        assertThat(services).doesNotContain("registry4j-watcher");
    }

    @Test
    @DisplayName("fake service-center: register keeps an instance until stopped, then deregisters it")
    void registerUntilStopped() throws Exception {
        String service = CommandsContract.uniqueService("screg");
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
    @DisplayName("fake service-center: doctor passes every check, and a token never shows in its output")
    void doctorPassesEveryCheck() {
        var run = ProviderCommandChecks.doctorPassesEveryCheck(url() + "&token=sup3rs3cret");
        assertThat(run.all()).doesNotContain("sup3rs3cret");
    }
}
