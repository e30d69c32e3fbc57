package io.registry4j.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.registry4j.Backoff;
import io.registry4j.testservers.EtcdServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** What the etcd tests share: a fast backoff, plain jetcd clients for faults, and key helpers. */
final class EtcdTestSupport {
    /** Retries soon and often, so that tests of recovery do not wait for production delays. */
    static final Backoff FAST = Backoff.exponential(Duration.ofMillis(50), Duration.ofMillis(500), 2.0);

    private EtcdTestSupport() {}

    /** A plain jetcd client of the server, as another process (or a Go Kratos service) would have. */
    static Client plainClient(EtcdServer server) {
        return Client.builder().endpoints(server.endpoints().split(",")).build();
    }

    static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    static String text(ByteSequence bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** Waits for a jetcd call in a test; jetcd's futures complete on its own threads. */
    static <T> T await(CompletableFuture<T> call) throws Exception {
        return call.get(10, TimeUnit.SECONDS);
    }
}
