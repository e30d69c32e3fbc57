package io.registry4j.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.SynchronizationContext;
import io.registry4j.Discovery;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.Subscription;
import io.registry4j.WatchEvent;
import io.registry4j.WatchListener;
import io.registry4j.Watcher;
import io.registry4j.testkit.InMemoryRegistry;
import io.registry4j.testkit.InMemoryServer;
import io.registry4j.testkit.RecordingListener;
import io.registry4j.testkit.RegistryLeakCheck;
import io.registry4j.testservers.TestTime;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The resolver driven as a channel drives it, with a synchronization context and an offload executor of its own. */
@ExtendWith(RegistryLeakCheck.class)
class RegistryNameResolverTest {
    private static final Duration WAIT = TestTime.scaled(Duration.ofSeconds(10));
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    private final SynchronizationContext sync = new SynchronizationContext((t, e) -> uncaught.add(e));
    private final ExecutorService offload = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "grpc-test-offload-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });
    private final InMemoryServer server = new InMemoryServer("resolver-test");
    private final InMemoryRegistry registry =
            InMemoryRegistry.builder().server(server).build();
    private final Recorder results = new Recorder();
    private @Nullable NameResolver resolver;

    @AfterEach
    void tearDown() throws InterruptedException {
        NameResolver r = resolver;
        if (r != null) {
            sync.execute(r::shutdown);
        }
        registry.close();
        server.stop();
        offload.shutdown();
        assertThat(offload.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(uncaught).isEmpty();
    }

    private NameResolver.Args args() {
        return NameResolver.Args.newBuilder()
                .setDefaultPort(443)
                .setProxyDetector(address -> null)
                .setSynchronizationContext(sync)
                .setServiceConfigParser(new NameResolver.ServiceConfigParser() {
                    @Override
                    public NameResolver.ConfigOrError parseServiceConfig(Map<String, ?> rawServiceConfig) {
                        return NameResolver.ConfigOrError.fromConfig(new Object());
                    }
                })
                .setOffloadExecutor(offload)
                .build();
    }

    private NameResolver start(Discovery discovery, String target) {
        return start(RegistryNameResolverProvider.forDiscovery(discovery), target);
    }

    private NameResolver start(RegistryNameResolverProvider provider, String target) {
        NameResolver r = Objects.requireNonNull(provider.newNameResolver(URI.create(target), args()));
        resolver = r;
        assertThat(r.getServiceAuthority())
                .isEqualTo(URI.create(target).getPath().substring(1));
        sync.execute(() -> r.start(results));
        return r;
    }

    private static ServiceInstance.Builder orders(String id) {
        return ServiceInstance.builder().id(id).name("orders").version("v1");
    }

    private static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port);
    }

    @Test
    void deliversOneAddressGroupPerInstanceWithItsEndpointsAndAttributes() {
        ServiceInstance i1 = orders("i1")
                .version("v3")
                .putMetadata("weight", "7")
                .putMetadata("zone", "z9")
                .endpoint("grpc://127.0.0.1:9001")
                .endpoint("http://127.0.0.1:8080")
                .endpoint("grpc://127.0.0.1:9002")
                .build();
        ServiceInstance i2 = orders("i2").endpoint("grpc://127.0.0.1:9003").build();
        registry.register(i1);
        registry.register(i2);

        start(registry, "discovery:///orders");

        List<EquivalentAddressGroup> groups = results.awaitValue();
        assertThat(groups).hasSize(2);
        EquivalentAddressGroup g1 = groups.get(0);
        assertThat(g1.getAddresses()).containsExactly(loopback(9001), loopback(9002));
        assertThat(g1.getAttributes().get(RegistryAttributes.INSTANCE)).isEqualTo(i1);
        assertThat(g1.getAttributes().get(RegistryAttributes.VERSION)).isEqualTo("v3");
        assertThat(g1.getAttributes().get(RegistryAttributes.WEIGHT)).isEqualTo(7);
        assertThat(g1.getAttributes().get(RegistryAttributes.ZONE)).isEqualTo("z9");
        assertThat(g1.getAttributes().get(RegistryAttributes.METADATA)).isEqualTo(i1.metadata());
        EquivalentAddressGroup g2 = groups.get(1);
        assertThat(g2.getAddresses()).containsExactly(loopback(9003));
        assertThat(g2.getAttributes().get(RegistryAttributes.WEIGHT)).isEqualTo(RegistryAttributes.DEFAULT_WEIGHT);
        assertThat(g2.getAttributes().get(RegistryAttributes.ZONE)).isNull();
    }

    @Test
    void dialsHostsWithAnUnderscoreAndSkipsEndpointsWithoutAPortAsKratosWritesThem() {
        // Written by a Kratos service, as Kratos' registries accept them: a Docker Compose host name, and no port.
        server.putRaw(
                "orders",
                "k1",
                "{\"id\":\"k1\",\"name\":\"orders\",\"version\":\"v1\",\"metadata\":{},"
                        + "\"endpoints\":[\"grpc://orders_svc:9001\",\"grpc://127.0.0.1\"]}");
        server.putRaw(
                "orders",
                "k2",
                "{\"id\":\"k2\",\"name\":\"orders\",\"version\":\"v1\",\"metadata\":{},"
                        + "\"endpoints\":[\"grpc://127.0.0.1:9002\"]}");

        start(registry, "discovery:///orders");

        List<EquivalentAddressGroup> groups = results.awaitValue();
        assertThat(groups).hasSize(2);
        assertThat(groups.get(0).getAddresses()).singleElement().satisfies(a -> {
            InetSocketAddress address = (InetSocketAddress) a;
            assertThat(address.getHostString()).isEqualTo("orders_svc");
            assertThat(address.getPort()).isEqualTo(9001);
        });
        assertThat(groups.get(1).getAddresses()).containsExactly(loopback(9002));
    }

    @Test
    void anEmptyServiceIsUnavailableNamingTheService() {
        start(registry, "discovery:///orders");

        Status status = results.awaitError();
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription()).contains("service 'orders' has no instances");
    }

    @Test
    void schemeGrpcsUsesOnlyTlsEndpointsAndSaysSoWhenThereAreNone() {
        registry.register(orders("i1").endpoint("grpc://127.0.0.1:9001").build());
        start(registry, "discovery:///orders?scheme=grpcs");
        Status status = results.awaitError();
        assertThat(status.getDescription()).contains("has an endpoint of scheme grpcs");

        registry.register(orders("i2").endpoint("grpcs://127.0.0.1:9443").build());
        assertThat(results.awaitValue())
                .singleElement()
                .satisfies(g -> assertThat(g.getAddresses()).containsExactly(loopback(9443)));
    }

    @Test
    void filterOfTheProviderAndOfTheTargetBothApply() {
        registry.register(orders("i1").endpoint("grpc://127.0.0.1:9001").build());
        registry.register(orders("i2")
                .version("v2")
                .putMetadata("zone", "a")
                .endpoint("grpc://127.0.0.1:9002")
                .build());
        registry.register(orders("i3")
                .version("v2")
                .putMetadata("zone", "b")
                .endpoint("grpc://127.0.0.1:9003")
                .build());
        start(
                RegistryNameResolverProvider.builder(registry)
                        .filter(InstanceFilters.version("v2"))
                        .build(),
                "discovery:///orders?metadata.zone=b");

        assertThat(results.awaitValue())
                .singleElement()
                .satisfies(g -> assertThat(g.getAddresses()).containsExactly(loopback(9003)));

        registry.deregister(orders("i3").endpoint("grpc://127.0.0.1:9003").build());
        assertThat(results.awaitError().getDescription())
                .contains("none of the 2 instances of service 'orders' passes the filter version=v2");
    }

    @Test
    void aStaleBackendKeepsTheLastAddresses() {
        registry.register(orders("i1").endpoint("grpc://127.0.0.1:9001").build());
        start(registry, "discovery:///orders");
        results.awaitValue();
        RecordingListener sameView = new RecordingListener();
        Subscription subscription = registry.watch("orders", Runnable::run, sameView);
        try {
            server.stop();
            await().atMost(WAIT)
                    .until(() -> sameView.events().stream().anyMatch(e -> e.type() == WatchEvent.Type.STALE));
            server.start();
            registry.register(orders("i2").endpoint("grpc://127.0.0.1:9002").build());

            await().atMost(WAIT)
                    .until(() -> results.last().hasValue()
                            && results.last().getValue().size() == 2);
        } finally {
            subscription.close();
        }
        // Nothing in between was an error: the outage never reached the channel.
        assertThat(results.all()).allMatch(StatusOr::hasValue);
    }

    @Test
    void aBackendDownFromTheStartIsReportedUnavailable() {
        server.stop();
        start(registry, "discovery:///orders");

        Status status = results.awaitError();
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription()).contains("unreachable").contains("'orders'");
    }

    @Test
    void startNeverThrowsEvenWhenTheRegistryIsClosed() {
        registry.close();
        start(registry, "discovery:///orders");

        Status status = results.awaitError();
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription()).contains("cannot watch service 'orders'");
    }

    @Test
    void refreshReReadsTheServiceAndShutdownClosesTheSubscription() {
        OneSnapshotDiscovery discovery = new OneSnapshotDiscovery();
        discovery.instances =
                List.of(orders("i1").endpoint("grpc://127.0.0.1:9001").build());
        NameResolver r = start(discovery, "discovery:///orders");
        assertThat(results.awaitValue()).hasSize(1);

        discovery.instances = List.of(
                orders("i1").endpoint("grpc://127.0.0.1:9001").build(),
                orders("i2").endpoint("grpc://127.0.0.1:9002").build());
        sync.execute(r::refresh);
        await().atMost(WAIT)
                .until(() ->
                        results.last().hasValue() && results.last().getValue().size() == 2);
        assertThat(discovery.reads.get()).isEqualTo(1);

        sync.execute(r::shutdown);
        await().atMost(WAIT).untilTrue(discovery.closed);
        resolver = null;
    }

    @Test
    void aWatchThatCannotBeOpenedIsRetriedOnTheChannelsRefresh() {
        OneSnapshotDiscovery discovery = new OneSnapshotDiscovery();
        discovery.instances =
                List.of(orders("i1").endpoint("grpc://127.0.0.1:9001").build());
        discovery.failWatches.set(1);
        NameResolver r = start(discovery, "discovery:///orders");
        assertThat(results.awaitError().getDescription()).contains("cannot watch service 'orders'");

        sync.execute(r::refresh);
        assertThat(results.awaitValue()).hasSize(1);
    }

    /** A user's own Discovery: one snapshot through the listener form, then only what getService reads. */
    private static final class OneSnapshotDiscovery implements Discovery {
        volatile List<ServiceInstance> instances = List.of();
        final AtomicInteger reads = new AtomicInteger();
        final AtomicBoolean closed = new AtomicBoolean();
        final AtomicInteger failWatches = new AtomicInteger();

        @Override
        public List<ServiceInstance> getService(String name) {
            reads.incrementAndGet();
            return instances;
        }

        @Override
        public Watcher watch(String name) {
            throw new UnsupportedOperationException("the resolver uses the listener form");
        }

        @Override
        public Subscription watch(String name, java.util.concurrent.Executor executor, WatchListener listener) {
            if (failWatches.getAndDecrement() > 0) {
                throw new RegistryException(RegistryException.Kind.UNAVAILABLE, "test", "no watch today");
            }
            List<ServiceInstance> now = instances;
            executor.execute(() -> listener.onEvent(new WatchEvent(name, now, WatchEvent.Type.INITIAL)));
            return () -> closed.set(true);
        }
    }

    /** The channel's side: every result the resolver gives, in order. */
    private static final class Recorder extends NameResolver.Listener2 {
        private final List<StatusOr<List<EquivalentAddressGroup>>> results = new CopyOnWriteArrayList<>();
        private int taken;

        @Override
        public Status onResult2(NameResolver.ResolutionResult result) {
            results.add(result.getAddressesOrError());
            return Status.OK;
        }

        @Override
        public void onResult(NameResolver.ResolutionResult result) {
            onResult2(result);
        }

        @Override
        public void onError(Status error) {
            results.add(StatusOr.fromStatus(error));
        }

        List<StatusOr<List<EquivalentAddressGroup>>> all() {
            return new ArrayList<>(results);
        }

        StatusOr<List<EquivalentAddressGroup>> last() {
            await().atMost(WAIT).until(() -> !results.isEmpty());
            return results.get(results.size() - 1);
        }

        /** The next result not yet taken. */
        private StatusOr<List<EquivalentAddressGroup>> next() {
            await().atMost(WAIT).until(() -> results.size() > taken);
            return results.get(taken++);
        }

        List<EquivalentAddressGroup> awaitValue() {
            StatusOr<List<EquivalentAddressGroup>> r = next();
            assertThat(r.hasValue()).as("a list of addresses, got %s", r).isTrue();
            return r.getValue();
        }

        Status awaitError() {
            StatusOr<List<EquivalentAddressGroup>> r = next();
            assertThat(r.hasValue()).as("an error, got %s", r).isFalse();
            return r.getStatus();
        }
    }
}
