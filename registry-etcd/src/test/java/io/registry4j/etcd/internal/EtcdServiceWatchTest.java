package io.registry4j.etcd.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.kv.GetResponse;
import io.registry4j.ServiceInstance;
import io.registry4j.spi.KratosJson;
import io.registry4j.spi.ServiceViews;
import io.registry4j.testservers.EtcdServer;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The read-then-watch sequence of one service against a real etcd server, with the read's revision doctored to an
 * older one, to show what happens when history moved on between the read and the watch.
 */
@DisplayName("etcd service watch on a real etcd server, its read doctored to an older revision")
class EtcdServiceWatchTest {
    private static final EtcdInstanceCodec CODEC = new EtcdInstanceCodec("/watch-test");

    private static EtcdServer server;
    private static Client client;

    @BeforeAll
    static void startServer() {
        server = EtcdServer.start();
        client = Client.builder().endpoints(server.endpoints().split(",")).build();
    }

    @AfterAll
    static void stopServer() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** Records what the watch reports. */
    private static final class RecordingSink implements ServiceViews.Sink {
        final List<List<ServiceInstance>> updates = new CopyOnWriteArrayList<>();
        final List<Throwable> failures = new CopyOnWriteArrayList<>();

        @Override
        public void update(Collection<ServiceInstance> instances) {
            updates.add(List.copyOf(new ArrayList<>(instances)));
        }

        @Override
        public void stale(Throwable cause) {
            failures.add(cause);
        }

        @Override
        public void failed(Throwable cause) {
            failures.add(cause);
        }
    }

    /** The real key-value client, except that reads claim to be empty and taken at {@code revision}. */
    private static KV readingAt(long revision) {
        KV real = client.getKVClient();
        return (KV) Proxy.newProxyInstance(KV.class.getClassLoader(), new Class<?>[] {KV.class}, (p, m, args) -> {
            if (m.getName().equals("get")) {
                RangeResponse empty = RangeResponse.newBuilder()
                        .setHeader(ResponseHeader.newBuilder().setRevision(revision))
                        .build();
                return CompletableFuture.completedFuture(new GetResponse(empty, ByteSequence.EMPTY));
            }
            try {
                return m.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    private static long put(ServiceInstance instance) throws Exception {
        return client.getKVClient()
                .put(key(instance), CODEC.encode(instance))
                .get(10, TimeUnit.SECONDS)
                .getHeader()
                .getRevision();
    }

    private static ByteSequence key(ServiceInstance instance) {
        return ByteSequence.from(CODEC.key(instance), StandardCharsets.UTF_8);
    }

    private static ServiceInstance instance(String service, String id) {
        return KratosJson.decode(
                "{\"id\":\"" + id + "\",\"name\":\"" + service + "\",\"endpoints\":[\"grpc://127.0.0.1:9000\"]}");
    }

    @Test
    @DisplayName("the watch starts right after the read's revision: a change made after the read is delivered")
    void watchStartsAfterTheRead() throws Exception {
        ServiceInstance x = instance("replayed", "x1");
        long before = client.getKVClient()
                .get(ByteSequence.from("/", StandardCharsets.UTF_8))
                .get(10, TimeUnit.SECONDS)
                .getHeader()
                .getRevision();
        put(x); // after the (doctored) read, before the watch exists
        var sink = new RecordingSink();
        EtcdServiceWatch watch = EtcdServiceWatch.open(
                readingAt(before),
                client.getWatchClient(),
                "replayed",
                CODEC,
                sink,
                (key, reason) -> {},
                Duration.ofSeconds(10));
        try {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> sink.updates.contains(List.of(x)));
            assertThat(sink.updates.get(0)).as("the read").isEmpty();
            assertThat(sink.failures).isEmpty();
        } finally {
            watch.close();
        }
    }

    @Test
    @DisplayName("a watch whose start revision was compacted meanwhile reports failure, so the view reads again")
    void compactedStartRevisionFails() throws Exception {
        put(instance("compacted", "x1"));
        long revision = put(instance("compacted", "x2"));
        client.getKVClient().compact(revision).get(10, TimeUnit.SECONDS);
        var sink = new RecordingSink();
        EtcdServiceWatch watch = EtcdServiceWatch.open(
                readingAt(1),
                client.getWatchClient(),
                "compacted",
                CODEC,
                sink,
                (key, reason) -> {},
                Duration.ofSeconds(10));
        try {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !sink.failures.isEmpty());
            assertThat(sink.failures.get(0)).hasMessageContaining("compacted");
            int failures = sink.failures.size();
            // Failed once and for all: jetcd's own retry is stopped, nothing more is reported.
            Awaitility.await()
                    .during(Duration.ofMillis(700))
                    .atMost(Duration.ofSeconds(2))
                    .until(() -> sink.failures.size() == failures);
        } finally {
            watch.close();
        }
    }
}
