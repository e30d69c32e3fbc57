package io.registry4j.cli;

import io.registry4j.testservers.EurekaServer;
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

    @Test
    void listWatchAndServicesSeeWhatAnotherClientRegisters() throws Exception {
        ProviderCommandChecks.listWatchAndServicesSeeWhatAnotherClientRegisters(
                url(),
                "eureka",
                "e-1",
                "e-1  1.0      grpc://127.0.0.1:9000, http://127.0.0.1:9001  text=ünïcödé ✓, zone=eu-1a");
    }

    @Test
    void doctorPassesEveryCheckOnEureka() {
        ProviderCommandChecks.doctorPassesEveryCheck(url());
    }
}
