package io.registry4j.interop;

import io.etcd.jetcd.Client;
import io.registry4j.Backoff;
import io.registry4j.etcd.EtcdRegistry;
import io.registry4j.testservers.EtcdServer;
import io.registry4j.testservers.KratosPeer;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * etcd: registry4j's {@link EtcdRegistry} and Kratos' {@code contrib/registry/etcd} (on etcd's Go client) on one real
 * etcd. Leases are 2 s on both sides, so a dead process's instance is gone within a few seconds; registry4j's process
 * death closes the jetcd client under the registry, which stops its keep-alives.
 */
class EtcdKratosInteropTest extends KratosInteropContract {
    private static final Duration TTL = Duration.ofSeconds(2);

    private @Nullable EtcdServer etcd;

    @BeforeAll
    void startServer() {
        etcd = EtcdServer.start();
    }

    @AfterAll
    void stopServer() {
        EtcdServer server = etcd;
        etcd = null;
        if (server != null) {
            server.close();
        }
    }

    private EtcdServer etcd() {
        return Objects.requireNonNull(etcd, "etcd");
    }

    @Override
    protected KratosPeer.Backend kratosBackend() {
        return KratosPeer.Backend.etcd(etcd(), "--etcd-ttl", TTL.toSeconds() + "s");
    }

    @Override
    protected Registry4jProcess openRegistry4j() {
        Client client =
                Client.builder().endpoints(etcd().endpoints().split(",")).build();
        EtcdRegistry registry = EtcdRegistry.builder()
                .client(client)
                .ttl(TTL)
                .callTimeout(Duration.ofSeconds(3))
                .backoff(Backoff.exponential(Duration.ofMillis(50), Duration.ofMillis(500), 2.0))
                .build();
        return Registry4jProcess.of(registry, client::close, client::close);
    }

    @Override
    protected Duration deathTimeout() {
        // The lease TTL, etcd's lease checkpointing, and Kratos' watcher re-reading the prefix.
        return scaled(TTL.plusSeconds(15));
    }
}
