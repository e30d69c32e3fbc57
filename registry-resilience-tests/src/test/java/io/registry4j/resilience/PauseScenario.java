package io.registry4j.resilience;

import static io.registry4j.resilience.Scenarios.bound;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.Subscription;
import io.registry4j.testkit.RegistryLeakCheck;
import io.registry4j.testservers.ChildProcess;
import io.registry4j.testservers.ScratchDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Kratos zombie case. Another process (a child JVM on registry4j) registers an instance and is suspended with
 * SIGSTOP past its lease/session timeout: the server drops the instance. A newer registration of the same id is made by
 * a registry in this JVM. The paused process is continued with SIGCONT. Expected: it notices the loss (LOST) and tries
 * to register again, but never deletes or overwrites the newer registration (RETRYING while that one stands); once the
 * newer one is deregistered, it registers again (RESTORED) and is visible to other clients.
 */
@ExtendWith(RegistryLeakCheck.class)
abstract class PauseScenario {
    static final String SERVICE = "inventory";
    static final Duration TTL = Duration.ofSeconds(2);

    abstract String backend();

    /** Starts the server; returns its address as the registries take it. */
    abstract AutoCloseable startServer();

    abstract String address(AutoCloseable server);

    abstract ServiceRegistry open(String address);

    /** Who holds the instance's entry on the server (lease or session), or null if nothing does. */
    abstract String holder(String address, String id) throws Exception;

    @Test
    void pausedOwnerNeverDeletesTheNewerRegistrationAndComesBackAfterIt() throws Exception {
        try (AutoCloseable server = startServer();
                ScratchDirectory directory = ScratchDirectory.create("pausable-peer")) {
            String address = address(server);
            ChildProcess peer = startPeer(directory.resolve("peer.log"), address);
            try (ServiceRegistry newer = open(address);
                    ServiceRegistry observer = open(address)) {
                Timeline watchLog = new Timeline();
                Subscription watch = observer.watch(SERVICE, Runnable::run, watchLog);
                try {
                    await().atMost(bound(Duration.ofSeconds(30)))
                            .until(() -> versions(watchLog.latest()).equals(List.of("z-0@peer")));
                    String peerHolder = holder(address, "z-0");

                    long paused = System.nanoTime();
                    peer.pause();
                    await().atMost(bound(Duration.ofSeconds(20)))
                            .until(() -> watchLog.latest().isEmpty());
                    RecoveryTimes.record(
                            "pause",
                            backend(),
                            "paused owner's instance dropped by the server",
                            RecoveryTimes.since(paused),
                            "lease/session timeout " + TTL.toSeconds() + " s");

                    ServiceInstance replacement = ServiceInstance.builder()
                            .id("z-0")
                            .name(SERVICE)
                            .version("newer")
                            .endpoint("grpc://10.0.0.10:9000")
                            .build();
                    newer.register(replacement);
                    await().atMost(bound(Duration.ofSeconds(10)))
                            .until(() -> versions(watchLog.latest()).equals(List.of("z-0@newer")));
                    String newerHolder = holder(address, "z-0");
                    assertThat(newerHolder).isNotEqualTo(peerHolder);

                    long resumed = System.nanoTime();
                    peer.resume();
                    await().atMost(bound(Duration.ofSeconds(20)))
                            .until(() -> log(peer).contains("STATE LOST")
                                    && log(peer).contains("STATE RETRYING"));
                    RecoveryTimes.record(
                            "pause",
                            backend(),
                            "resumed owner reports LOST then RETRYING (conflict)",
                            RecoveryTimes.since(resumed),
                            "at once on resume (keepalive / session event)");
                    assertThat(log(peer))
                            .as("the retry meets the newer registration")
                            .contains("CONFLICT");
                    // The resumed owner keeps trying but never touches the newer registration.
                    await().during(bound(Duration.ofSeconds(3)))
                            .atMost(bound(Duration.ofSeconds(6)))
                            .untilAsserted(() -> {
                                assertThat(versions(watchLog.latest())).containsExactly("z-0@newer");
                                assertThat(holder(address, "z-0")).isEqualTo(newerHolder);
                            });

                    long released = System.nanoTime();
                    newer.deregister(replacement);
                    await().atMost(bound(Duration.ofSeconds(15)))
                            .until(() -> log(peer).contains("STATE RESTORED")
                                    && versions(watchLog.latest()).equals(List.of("z-0@peer")));
                    RecoveryTimes.record(
                            "pause",
                            backend(),
                            "resumed owner RESTORED after the newer one left",
                            RecoveryTimes.since(released),
                            "backoff (≤ 0.5 s here) + one write");
                } finally {
                    watch.close();
                }
            } finally {
                peer.stop();
            }
            assertThat(holder(address, "z-0"))
                    .as("the peer deregistered on shutdown")
                    .isNull();
        }
    }

    private ChildProcess startPeer(Path log, String address) {
        return ChildProcess.builder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx96m",
                        "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1",
                        "-cp",
                        System.getProperty("java.class.path"),
                        PausablePeer.class.getName(),
                        backend(),
                        address,
                        SERVICE,
                        "z-0",
                        "peer")
                .logFile(log)
                .readiness(
                        () -> Files.readString(log).contains("STATE REGISTERED-RETURNED"),
                        bound(Duration.ofSeconds(60)))
                .start();
    }

    private static String log(ChildProcess peer) throws java.io.IOException {
        return Files.readString(peer.logFile());
    }

    private static List<String> versions(List<ServiceInstance> instances) {
        return instances.stream().map(i -> i.id() + "@" + i.version()).toList();
    }
}
