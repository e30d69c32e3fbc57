package io.registry4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.registry4j.Registries;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.PolarisServer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code list}, {@code watch}, {@code services}, {@code register} and {@code doctor} against {@code polaris://}, on the
 * real Polaris server built from its Go module (cached by {@link PolarisServer#BUILD}; {@code REGISTRY4J_TEST_POLARIS}
 * runs them on a server you run); the backend joined the command line through its provider, with no code here.
 */
@DisplayName("polaris:// commands on the real Polaris server")
class PolarisCommandsTest {
    private static PolarisServer server;

    @BeforeAll
    static void startPolaris() {
        server = PolarisServer.start();
    }

    @AfterAll
    static void stopPolaris() {
        if (server != null) {
            server.close();
        }
    }

    /** A 2 s heartbeat TTL: the server answers "not found" for a lost instance within seconds. */
    private static String url() {
        return "polaris://" + server.grpcAddress() + "?namespace=default&ttl=2s&timeout=5s&dir=target/polaris-sdk";
    }

    @Test
    void listWatchAndServicesSeeWhatAnotherClientRegisters() throws Exception {
        ProviderCommandChecks.listWatchAndServicesSeeWhatAnotherClientRegisters(
                url(),
                "polaris",
                "p-1",
                "p-1  1.0      grpc://127.0.0.1:9000, http://127.0.0.1:9001  text=ünïcödé ✓, zone=eu-1a");
    }

    @Test
    void registerKeepsTheInstanceUntilCtrlC() throws Exception {
        String service = CommandsContract.uniqueService("polreg");
        var run = CliRun.plain();
        var exit = run.start(
                "register",
                "--name",
                service,
                "--id",
                "r-1",
                "--version",
                "2.0.0",
                "--endpoint",
                "grpc://127.0.0.1:9600",
                "--meta",
                "zone=eu-1a",
                "-r",
                url());
        await().atMost(CommandsContract.wait(CommandsContract.WAIT))
                .until(() -> run.out().contains("keeping it registered until Ctrl-C"));
        ServiceInstance expected = ServiceInstance.builder()
                .name(service)
                .id("r-1")
                .version("2.0.0")
                .endpoint("grpc://127.0.0.1:9600")
                .putMetadata("zone", "eu-1a")
                .build();
        try (ServiceRegistry other = Registries.open(url())) {
            await().atMost(CommandsContract.wait(CommandsContract.WAIT))
                    .until(() -> other.getService(service).equals(List.of(expected)));
            run.stop();
            assertThat(CliRun.exitCode(exit, CommandsContract.WAIT))
                    .as(run.all())
                    .isZero();
            await().atMost(CommandsContract.wait(CommandsContract.WAIT))
                    .until(() -> other.getService(service).isEmpty());
        }
    }

    @Test
    void doctorPassesEveryCheckOnPolaris() {
        ProviderCommandChecks.doctorPassesEveryCheck(url());
    }
}
