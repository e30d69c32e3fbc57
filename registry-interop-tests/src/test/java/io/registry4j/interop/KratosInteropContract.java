package io.registry4j.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.Subscription;
import io.registry4j.spi.Scheduler;
import io.registry4j.testkit.RecordingListener;
import io.registry4j.testservers.KratosPeer;
import io.registry4j.testservers.KratosPeer.Instance;
import io.registry4j.testservers.KratosPeer.ResolvedAddress;
import io.registry4j.testservers.KratosPeer.Snapshot;
import io.registry4j.testservers.TestTime;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The four interop cases of a backend, both directions, with Kratos' own code on the other side (the Kratos peer,
 * {@code interop/kratos-peer}):
 *
 * <ol>
 *   <li>Kratos registers an instance with a {@code grpc://} and an {@code http://} endpoint, a version and unicode
 *       metadata; registry4j's {@code getService} and {@code watch} return it field by field;
 *   <li>registry4j registers the same shape; Kratos' {@code GetService} and {@code Watch} return it exactly, and
 *       Kratos' gRPC resolver dials its {@code grpc} endpoint;
 *   <li>an update (new version and metadata, same id) on either side reaches the other side's watcher;
 *   <li>deregistration and process death on either side reach the other side's watcher.
 * </ol>
 *
 * <p>A backend's test extends this class and says how to reach its server from both sides, how a registry4j process
 * dies, and, where Kratos' layout differs from the shared JSON one (Eureka, Nacos), what each side is expected to
 * read. The server and the peer are started once per class ({@link TestInstance.Lifecycle#PER_CLASS}); every test uses
 * its own service name.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@SuppressWarnings("try") // a watch subscription is held open by try-with-resources and not otherwise referenced
public abstract class KratosInteropContract {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private @Nullable KratosPeer peer;
    private final List<KratosPeer.Watch> watches = new ArrayList<>();

    /** A registry4j registry in its own "process": {@link #die} ends it without deregistering anything. */
    protected interface Registry4jProcess extends AutoCloseable {
        /** The registry. */
        ServiceRegistry registry();

        /**
         * Process death: stops the registry's native client without deregistering, so that the backend drops its
         * instances only when their lease, session or heartbeat runs out.
         */
        void die();

        /** Closes what is left; after {@link #die()} too. */
        @Override
        void close();

        /**
         * A process whose {@link #die()} runs {@code death} and whose {@link #close()} closes the registry and then,
         * whatever that throws, runs {@code release} (which must be safe after {@code death}).
         */
        static Registry4jProcess of(ServiceRegistry registry, Runnable death, Runnable release) {
            return new Registry4jProcess() {
                @Override
                public ServiceRegistry registry() {
                    return registry;
                }

                @Override
                public void die() {
                    death.run();
                }

                @Override
                public void close() {
                    try {
                        registry.close();
                    } finally {
                        release.run();
                    }
                }
            };
        }

        /**
         * A process whose registry runs its timers on a scheduler of its own, one daemon thread named
         * {@code test-<backend>-process-timers}, that runs nothing more once the process is dead: no heartbeat, no
         * deregistration by the keeper. Closing it closes the registry, then ends the thread.
         *
         * @param backend the backend name, for the thread's name
         * @param open builds the registry on the given scheduler
         * @return the process
         */
        static Registry4jProcess withDyingTimers(String backend, Function<Scheduler, ServiceRegistry> open) {
            AtomicBoolean dead = new AtomicBoolean();
            ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "test-" + backend + "-process-timers");
                t.setDaemon(true);
                return t;
            });
            Scheduler real = Scheduler.of(timers);
            Scheduler dying = (delay, task) -> real.schedule(delay, () -> {
                if (!dead.get()) {
                    task.run();
                }
            });
            return of(open.apply(dying), () -> dead.set(true), timers::shutdownNow);
        }
    }

    /** How the Kratos peer reaches the server, with short leases, sessions or refreshes where Kratos allows them. */
    protected abstract KratosPeer.Backend kratosBackend();

    /** Opens a registry4j registry on the same server, in Kratos' layout, with short leases or sessions. */
    protected abstract Registry4jProcess openRegistry4j();

    /** How long the other side may take to notice a process death: the lease or session timeout plus slack. */
    protected abstract Duration deathTimeout();

    /** The service name Kratos' {@code GetService} and {@code Watch} are asked for; Nacos differs. */
    protected String kratosServiceName(String name) {
        return name;
    }

    /** What Kratos' {@code GetService} and {@code Watch} return for an instance registry4j registered. */
    protected List<Instance> expectedInKratos(Instance registeredByRegistry4j) {
        return List.of(registeredByRegistry4j);
    }

    /** What registry4j's {@code getService} and {@code watch} return for an instance Kratos registered. */
    protected List<ServiceInstance> expectedInRegistry4j(Instance registeredByKratos) {
        return List.of(toServiceInstance(registeredByKratos));
    }

    /** What Kratos' gRPC resolver writes for an instance registry4j registered: its grpc endpoint's host:port. */
    protected List<ResolvedAddress> expectedResolved(Instance registeredByRegistry4j) {
        return List.of(new ResolvedAddress(grpcAddress(registeredByRegistry4j), registeredByRegistry4j.name()));
    }

    /**
     * The version both sides register for the contract's {@code v1.0.0} and {@code v2.0.0}: by default as it is; a
     * backend whose server refuses such versions (service-center takes only {@code x[.y[.z[.w]]]}, from Kratos as from
     * anyone) narrows it.
     */
    protected String version(String version) {
        return version;
    }

    /** How long a change may take to reach the other side's watcher (besides process death). */
    protected Duration changeTimeout() {
        return scaled(Duration.ofSeconds(20));
    }

    /**
     * The metadata of the instances both sides register: by default {@link #unicodeMetadata}; a backend whose server
     * refuses some keys (Consul's {@code Meta} takes only {@code [A-Za-z0-9_-]} keys, for Kratos too) narrows it.
     */
    protected Map<String, String> metadata(String zone) {
        return unicodeMetadata(zone);
    }

    /**
     * An instance as Kratos reported it, or as a test expects it, made comparable: by default as it is; a backend
     * whose Kratos reader returns endpoints in no fixed order (Consul's, from a Go map) sorts them, and one that keeps
     * registry4j's own bookkeeping where Kratos shows it (Eureka's metadata) leaves that out. Applied to both sides,
     * so it must leave an already comparable instance as it is.
     */
    protected Instance comparable(Instance reportedByKratos) {
        return reportedByKratos;
    }

    /**
     * Waits until Kratos no longer lists the service's instances: by default its watcher delivers the empty list; a
     * backend whose Kratos watcher never delivers an empty list (Consul's) asks Kratos' {@code GetService} instead.
     */
    protected void awaitKratosSeesNone(KratosPeer.Watch watch, String name, Duration timeout) {
        watch.await(s -> s.instances().isEmpty(), timeout);
    }

    /**
     * Called before a Kratos peer is started to register {@code instance}: a backend where the process has to exist in
     * the backend first (Kubernetes: the pod it runs in) makes it here. Does nothing by default.
     */
    protected void kratosWillRegister(Instance instance) {}

    /**
     * Called after the Kratos peer that registered {@code instance} was killed: a backend whose liveness is not the
     * process's connection (Kubernetes: the pod, which its kubelet reports failed) applies what the platform would.
     * Does nothing by default.
     */
    protected void kratosProcessDied(Instance instance) {}

    /** The Kratos peer shared by this class's tests. */
    protected final KratosPeer peer() {
        return Objects.requireNonNull(peer, "peer");
    }

    @BeforeAll
    final void startPeer() {
        peer = KratosPeer.start();
    }

    @AfterAll
    final void stopPeer() {
        KratosPeer p = peer;
        peer = null;
        if (p != null) {
            p.close();
        }
    }

    // ---------------------------------------------------------------- 1. Kratos → registry4j

    @Test
    void anInstanceKratosRegistersReadsTheSameInRegistry4j() {
        String name = newServiceName();
        Instance kratos = instance(name, version("v1.0.0"), metadata("東京"));
        kratosWillRegister(kratos);
        try (Registry4jProcess java = openRegistry4j();
                KratosPeer.Registration go = peer().register(kratosBackend())) {
            go.register(kratos);
            List<ServiceInstance> expected = expectedInRegistry4j(kratos);

            await().atMost(changeTimeout())
                    .untilAsserted(() ->
                            assertThat(java.registry().getService(name)).containsExactlyInAnyOrderElementsOf(expected));
            RecordingListener listener = new RecordingListener();
            try (Subscription ignored = java.registry().watch(name, Runnable::run, listener)) {
                await().atMost(changeTimeout())
                        .untilAsserted(
                                () -> assertThat(listener.latest()).containsExactlyInAnyOrderElementsOf(expected));
            }
        }
    }

    // ---------------------------------------------------------------- 2. registry4j → Kratos

    @Test
    void anInstanceRegistry4jRegistersReadsTheSameInKratosAndItsResolverDialsTheGrpcEndpoint() {
        String name = newServiceName();
        Instance shape = instance(name, version("v1.0.0"), metadata("東京"));
        List<Instance> expected = expectedInKratos(shape);
        try (Registry4jProcess java = openRegistry4j()) {
            java.registry().register(toServiceInstance(shape));

            Snapshot got = awaitKratosGet(name, s -> sameInstances(s, expected));
            assertThat(comparable(got.instances())).containsExactlyInAnyOrderElementsOf(comparable(expected));
            assertThat(got.resolved()).containsExactlyElementsOf(expectedResolved(shape));
            try (KratosPeer.Watch watch = startKratosWatch(name)) {
                Snapshot watched = watch.await(s -> sameInstances(s, expected), changeTimeout());
                assertThat(watched.resolved()).containsExactlyElementsOf(expectedResolved(shape));
            }
        }
    }

    // ---------------------------------------------------------------- 3. updates

    @Test
    void anUpdateKratosMakesReachesRegistry4jsWatcher() {
        String name = newServiceName();
        Instance v1 = instance(name, version("v1.0.0"), metadata("東京"));
        Instance v2 = withVersionAndMetadata(v1, version("v2.0.0"), metadata("大阪"));
        registerInKratosSeenByRegistry4jsWatcher(v1, (go, listener) -> {
            go.register(v2);
            awaitRegistry4jSees(listener, expectedInRegistry4j(v2), changeTimeout());
        });
    }

    @Test
    void anUpdateRegistry4jMakesReachesKratosWatcher() {
        String name = newServiceName();
        Instance v1 = instance(name, version("v1.0.0"), metadata("東京"));
        Instance v2 = withVersionAndMetadata(v1, version("v2.0.0"), metadata("大阪"));
        try (Registry4jProcess java = openRegistry4j()) {
            KratosPeer.Watch watch = registerInRegistry4jSeenByKratosWatcher(java, v1);

            java.registry().register(toServiceInstance(v2));
            watch.await(s -> sameInstances(s, expectedInKratos(v2)), changeTimeout());
        }
    }

    // ---------------------------------------------------------------- 4. deregistration and death

    @Test
    void aDeregistrationInKratosReachesRegistry4jsWatcher() {
        String name = newServiceName();
        Instance kratos = instance(name, version("v1.0.0"), metadata("東京"));
        registerInKratosSeenByRegistry4jsWatcher(kratos, (go, listener) -> {
            go.deregister(kratos.id());
            awaitRegistry4jSees(listener, List.of(), changeTimeout());
        });
    }

    @Test
    void theDeathOfAKratosProcessReachesRegistry4jsWatcher() {
        String name = newServiceName();
        Instance kratos = instance(name, version("v1.0.0"), metadata("東京"));
        registerInKratosSeenByRegistry4jsWatcher(kratos, (go, listener) -> {
            go.kill();
            kratosProcessDied(kratos);
            awaitRegistry4jSees(listener, List.of(), deathTimeout());
        });
    }

    @Test
    void aDeregistrationInRegistry4jReachesKratosWatcher() {
        String name = newServiceName();
        Instance shape = instance(name, version("v1.0.0"), metadata("東京"));
        try (Registry4jProcess java = openRegistry4j()) {
            KratosPeer.Watch watch = registerInRegistry4jSeenByKratosWatcher(java, shape);

            java.registry().deregister(toServiceInstance(shape));
            awaitKratosSeesNone(watch, name, changeTimeout());
        }
    }

    @Test
    void theDeathOfARegistry4jProcessReachesKratosWatcher() {
        String name = newServiceName();
        Instance shape = instance(name, version("v1.0.0"), metadata("東京"));
        try (Registry4jProcess java = openRegistry4j()) {
            KratosPeer.Watch watch = registerInRegistry4jSeenByKratosWatcher(java, shape);

            java.die();
            awaitKratosSeesNone(watch, name, deathTimeout());
        }
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Kratos registers {@code kratos} while a registry4j watcher of its service is open; once the watcher has seen it,
     * {@code then} gets the Kratos registration and the watcher's listener. Everything is closed after.
     */
    private void registerInKratosSeenByRegistry4jsWatcher(
            Instance kratos, BiConsumer<KratosPeer.Registration, RecordingListener> then) {
        kratosWillRegister(kratos);
        try (Registry4jProcess java = openRegistry4j();
                KratosPeer.Registration go = peer().register(kratosBackend())) {
            RecordingListener listener = new RecordingListener();
            try (Subscription ignored = java.registry().watch(kratos.name(), Runnable::run, listener)) {
                go.register(kratos);
                awaitRegistry4jSees(listener, expectedInRegistry4j(kratos), changeTimeout());

                then.accept(go, listener);
            }
        }
    }

    /**
     * registry4j registers {@code shape}; once Kratos' {@code GetService} returns it, starts a Kratos watcher of the
     * service (see {@link #startKratosWatch}) and returns it when it has seen the instance too.
     */
    private KratosPeer.Watch registerInRegistry4jSeenByKratosWatcher(Registry4jProcess java, Instance shape) {
        java.registry().register(toServiceInstance(shape));
        awaitKratosGet(shape.name(), s -> sameInstances(s, expectedInKratos(shape)));
        KratosPeer.Watch watch = startKratosWatch(shape.name());
        watch.await(s -> sameInstances(s, expectedInKratos(shape)), changeTimeout());
        return watch;
    }

    /** A service name no other test uses. */
    protected static String newServiceName() {
        return "interop-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
    }

    /** The shape of the issue: two endpoints ({@code grpc://}, {@code http://}), a version, unicode metadata. */
    protected static Instance instance(String name, String version, Map<String, String> metadata) {
        int n = SEQUENCE.incrementAndGet();
        return new Instance(
                name + "-id-" + n,
                name,
                version,
                metadata,
                List.of("grpc://127.0.0.1:" + (20000 + n), "http://127.0.0.1:" + (30000 + n)));
    }

    /** Metadata with non-ASCII keys and values, and characters JSON encoders treat specially. */
    protected static Map<String, String> unicodeMetadata(String zone) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("zone", zone);
        metadata.put("ключ", "значение ✓");
        metadata.put("note", "a<b & \"c\" — ünïcödé 🚀");
        return metadata;
    }

    protected static Instance withVersionAndMetadata(Instance instance, String version, Map<String, String> metadata) {
        return new Instance(instance.id(), instance.name(), version, metadata, instance.endpoints());
    }

    /** The registry4j form of a Kratos instance, field by field. */
    protected static ServiceInstance toServiceInstance(Instance instance) {
        List<URI> endpoints = new ArrayList<>();
        for (String endpoint : Objects.requireNonNullElse(instance.endpoints(), List.<String>of())) {
            endpoints.add(URI.create(endpoint));
        }
        return new ServiceInstance(
                instance.id(),
                instance.name(),
                instance.version(),
                Objects.requireNonNullElse(instance.metadata(), Map.of()),
                endpoints);
    }

    /** The host:port of an instance's {@code grpc://} endpoint: what Kratos' resolver should dial. */
    protected static String grpcAddress(Instance instance) {
        return Objects.requireNonNullElse(instance.endpoints(), List.<String>of()).stream()
                .filter(e -> e.startsWith("grpc://"))
                .map(e -> URI.create(e).getRawAuthority())
                .findFirst()
                .orElseThrow();
    }

    protected boolean sameInstances(Snapshot snapshot, List<Instance> expected) {
        return snapshot.instances().size() == expected.size()
                && comparable(snapshot.instances()).containsAll(comparable(expected));
    }

    /** {@link #comparable(Instance)} of each. */
    protected final List<Instance> comparable(List<Instance> instances) {
        return instances.stream().map(this::comparable).toList();
    }

    /**
     * Starts Kratos' watcher of a service that is already registered, closed after the test. Kratos' ZooKeeper
     * watcher misses the first instance of a service whose node does not exist yet when it starts (it reads the
     * children and only then sets its watch), so the tests of registry4j → Kratos register first and watch after,
     * as a Kratos client of an existing service does.
     */
    protected KratosPeer.Watch startKratosWatch(String name) {
        KratosPeer.Watch watch = peer().watch(kratosBackend(), kratosServiceName(name));
        watches.add(watch);
        return watch;
    }

    @AfterEach
    final void stopKratosWatches() {
        for (KratosPeer.Watch watch : watches) {
            watch.close();
        }
        watches.clear();
    }

    /** Runs Kratos' {@code GetService} until it returns what {@code done} wants, and returns that snapshot. */
    protected Snapshot awaitKratosGet(String name, java.util.function.Predicate<Snapshot> done) {
        Snapshot[] last = new Snapshot[1];
        await().atMost(changeTimeout()).pollInterval(Duration.ofMillis(200)).until(() -> {
            last[0] = peer().get(kratosBackend(), kratosServiceName(name));
            return done.test(last[0]);
        });
        return last[0];
    }

    protected static void awaitRegistry4jSees(
            RecordingListener listener, List<ServiceInstance> expected, Duration timeout) {
        await().atMost(timeout)
                .untilAsserted(() -> assertThat(listener.latest()).containsExactlyInAnyOrderElementsOf(expected));
    }

    protected static Duration scaled(Duration duration) {
        return TestTime.scaled(duration);
    }
}
