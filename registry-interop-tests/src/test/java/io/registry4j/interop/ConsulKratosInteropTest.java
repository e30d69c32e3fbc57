package io.registry4j.interop;

import io.registry4j.Backoff;
import io.registry4j.consul.ConsulRegistry;
import io.registry4j.testkit.KitServer;
import io.registry4j.testservers.ConsulServer;
import io.registry4j.testservers.FakeConsul;
import io.registry4j.testservers.KratosPeer;
import io.registry4j.testservers.KratosPeer.Instance;
import io.registry4j.testservers.KratosPeer.Snapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Consul: registry4j's {@link ConsulRegistry} and Kratos' {@code contrib/registry/consul} (on {@code
 * hashicorp/consul/api}) on the <b>fake Consul</b> agent ({@link FakeConsul}; Consul's server is BSL and not used here;
 * {@code REGISTRY4J_TEST_CONSUL=host:port} runs it on a real agent). Kratos' Go client is also the fake's second
 * independent client, besides consul-api in the fake's own tests. Both sides put the endpoints, {@code grpc://} and
 * {@code http://}, in {@code TaggedAddresses}.
 *
 * <p>Heartbeats: Kratos passes its TTL check every second (TTL 2 s; its TCP checks are off, since nothing listens on
 * the test endpoints); registry4j every 500 ms (TTL 1 s). A registry4j process dies by running no more timers, so it
 * sends no more heartbeats and deregisters nothing. Three differences of Kratos' Consul code are allowed for, not
 * hidden: its watcher never delivers an empty list (so "no instance left" is asked of Kratos' {@code GetService} by a
 * fresh client, which answers "not resolved" then), its endpoints come from a Go map in no fixed order, and Consul
 * refuses metadata keys outside {@code [A-Za-z0-9_-]} in {@code Meta}, from Kratos as from anyone (registry4j escapes
 * such keys; see {@code registry-consul}), so the metadata here has plain keys and unicode values.
 */
@DisplayName("registry4j and Kratos interoperate on the fake Consul agent")
class ConsulKratosInteropTest extends KratosInteropContract {
    private static final Duration HEARTBEAT = Duration.ofMillis(500);

    @RegisterExtension
    static final KitServer<ConsulServer> CONSUL = new KitServer<>(
            "Consul agent",
            () -> ConsulServer.start(FakeConsul.builder()
                    .tickInterval(Duration.ofMillis(50))
                    .reapInterval(Duration.ofMillis(500))
                    .deregisterFloor(Duration.ofSeconds(1))));

    private static ConsulServer consul() {
        return CONSUL.get();
    }

    @Override
    protected KratosPeer.Backend kratosBackend() {
        return KratosPeer.Backend.of(
                "consul",
                consul().address(),
                "--consul-health-check=false", // a Go boolean flag takes its value after "="
                "--consul-health-check-interval",
                "1",
                "--consul-deregister-after",
                "60");
    }

    @Override
    protected Registry4jProcess openRegistry4j() {
        return Registry4jProcess.withDyingTimers(
                "consul",
                dying -> ConsulRegistry.builder()
                        .address(consul().baseUri().toString())
                        .heartbeatInterval(HEARTBEAT)
                        .wait(Duration.ofSeconds(5))
                        .callTimeout(Duration.ofSeconds(3))
                        .scheduler(dying)
                        .backoff(Backoff.exponential(Duration.ofMillis(50), Duration.ofMillis(500), 2.0))
                        .build());
    }

    @Override
    protected Duration deathTimeout() {
        // Kratos' TTL is 2 s (registry4j's 1 s); the fake's timers notice within 50 ms and wake the blocking queries.
        return scaled(Duration.ofSeconds(10));
    }

    @Override
    protected Map<String, String> metadata(String zone) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("zone", zone);
        metadata.put("key_ru", "значение ✓");
        metadata.put("note", "a<b & \"c\" — ünïcödé 🚀");
        return metadata;
    }

    @Override
    protected Instance comparable(Instance reportedByKratos) {
        List<String> endpoints = reportedByKratos.endpoints();
        if (endpoints == null) {
            return reportedByKratos;
        }
        List<String> sorted = new ArrayList<>(endpoints);
        sorted.sort(null);
        return new Instance(
                reportedByKratos.id(),
                reportedByKratos.name(),
                reportedByKratos.version(),
                reportedByKratos.metadata(),
                sorted);
    }

    /** Kratos' {@code GetService} answers an error, not an empty list, when Consul lists no passing instance. */
    @Override
    protected Snapshot awaitKratosGet(String name, Predicate<Snapshot> done) {
        return kratosGetUntil(name, done, changeTimeout());
    }

    /** Kratos' Consul watcher never delivers an empty list: a fresh Kratos client's {@code GetService} is asked. */
    @Override
    protected void awaitKratosSeesNone(KratosPeer.Watch watch, String name, Duration timeout) {
        kratosGetUntil(name, s -> s.instances().isEmpty(), timeout);
    }

    private Snapshot kratosGetUntil(String name, Predicate<Snapshot> done, Duration timeout) {
        Snapshot[] last = new Snapshot[1];
        Awaitility.await("Kratos' GetService of " + name)
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    try {
                        last[0] = peer().get(kratosBackend(), kratosServiceName(name));
                    } catch (IllegalStateException e) {
                        if (!String.valueOf(e.getMessage()).contains("not resolved in registry")) {
                            throw e;
                        }
                        last[0] = new Snapshot(List.of(), List.of());
                    }
                    return done.test(last[0]);
                });
        return Objects.requireNonNull(last[0]);
    }
}
