package io.registry4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.Endpoints;
import io.registry4j.RegistrationEvent;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.Subscription;
import io.registry4j.WatchEvent;
import io.registry4j.Watcher;
import io.registry4j.spi.AbstractServiceRegistry;
import io.registry4j.spi.RegistryThreads;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The conformance suite every registry4j backend passes: each semantic of the design contract (§3) as tests, run
 * with two independent clients on one backend, so that what one client writes is checked through the other.
 *
 * <p>A backend's test class extends this and supplies clients ({@link #newRegistry()}), its bounds and faults
 * ({@link #capabilities()}, {@link #faults()}) and a registry on a client it owns ({@link
 * #newRegistryOnInjectedClient()}). A fault the backend cannot produce is declared unsupported with a reason; its
 * scenario then checks that declaration instead, and no test is ever disabled. Every test runs under {@link
 * RegistryLeakCheck}. Waits are Awaitility polls bounded by the declared bounds times the system property
 * {@code registry4j.test.timeScale} (default 1); nothing sleeps.
 */
@ExtendWith(RegistryLeakCheck.class)
public abstract class RegistryCompatibilityKit {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final String RUN =
            Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);

    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();
    private @Nullable ExecutorService pool;

    /** For subclasses. */
    protected RegistryCompatibilityKit() {}

    // ---- what a backend's test supplies ----

    /**
     * A new registry client on the shared test backend, independent of every other (its own connection, session or
     * lease), so that two of them behave like two processes. The kit closes it after the test.
     *
     * @return an open registry
     */
    protected abstract ServiceRegistry newRegistry();

    /**
     * The backend's bounds and supported faults.
     *
     * @return the capabilities
     */
    protected abstract Capabilities capabilities();

    /**
     * How to break the backend for the fault scenarios; only the faults in {@link Capabilities#faults()} are called.
     *
     * @return the faults
     */
    protected Faults faults() {
        return new Faults() {};
    }

    /**
     * A registry built on a native client that the test owns, to check that closing the registry leaves it open.
     *
     * @return the registry and its client
     */
    protected abstract InjectedClient newRegistryOnInjectedClient();

    /**
     * A new registry like {@link #newRegistry()} but with the given {@link io.registry4j.Backoff} for every retry, so
     * that the kit can see which attempts the registry asks delays for; null if the backend's test cannot build one
     * (the backoff scenario then only checks that the reason is given in {@link #backoffUnsupportedReason()}).
     *
     * @param backoff the backoff to use
     * @return the registry, or null
     */
    protected @Nullable ServiceRegistry newRegistryWithBackoff(io.registry4j.Backoff backoff) {
        return null;
    }

    /**
     * A new registry like {@link #newRegistryWithBackoff(io.registry4j.Backoff)} that also runs its timed work on the
     * given scheduler (a {@code RegistryBuilder}'s {@code scheduler(...)}), so that the kit can see the delays it
     * waits between retries: exactly those the backoff gave. Null if the backend's test cannot build one; then
     * {@link #backoffUnsupportedReason()} must say why. The kit closes the scheduler after the registry.
     *
     * @param backoff the backoff to use
     * @param scheduler the scheduler to use
     * @return the registry, or null
     */
    protected @Nullable ServiceRegistry newRegistryWithBackoff(
            io.registry4j.Backoff backoff, io.registry4j.spi.Scheduler scheduler) {
        return null;
    }

    /**
     * Why {@link #newRegistryWithBackoff} returns null.
     *
     * @return the reason, or null if the backend supports it
     */
    protected @Nullable String backoffUnsupportedReason() {
        return null;
    }

    /**
     * Why this backend cannot tell a second client's registration of an id that a live client holds from an update
     * (so the second one takes the entry over), or {@code null} if it can: then the kit checks that the second
     * registration fails with {@code CONFLICT} or leaves the first client's entry in place.
     *
     * @return the reason, or null if the backend refuses a takeover
     */
    protected @Nullable String takeoverUndetectable() {
        return null;
    }

    // ---- helpers ----

    @BeforeEach
    final void openKitPool() {
        pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "kit-waiter");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterEach
    final void closeKitResources() throws Exception {
        List<AutoCloseable> all = new ArrayList<>(resources);
        Collections.reverse(all);
        resources.clear();
        Exception failure = null;
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        ExecutorService p = pool;
        if (p != null) {
            p.shutdownNow();
            assertThat(p.awaitTermination(10, TimeUnit.SECONDS))
                    .as("kit waiters ended")
                    .isTrue();
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * A registry that the kit closes after the test.
     *
     * @return a new client
     */
    protected final ServiceRegistry client() {
        ServiceRegistry r = newRegistry();
        resources.add(r);
        return r;
    }

    /**
     * Closes {@code resource} after the test, before the clients made earlier.
     *
     * @param resource what to close
     * @param <T> its type
     * @return {@code resource}
     */
    protected final <T extends AutoCloseable> T closeLater(T resource) {
        resources.add(resource);
        return resource;
    }

    /**
     * A service name unique to this run and call, starting with {@code hint}.
     *
     * @param hint a readable prefix of letters and digits
     * @return the name
     */
    protected static String service(String hint) {
        return hint + "-" + RUN + "-" + SEQUENCE.incrementAndGet();
    }

    /**
     * An instance of {@code service} with one endpoint on 127.0.0.1 and a port derived from {@code n}.
     *
     * @param service the service
     * @param id the id
     * @param n picks the port, 1 to 50000
     * @return the instance
     */
    protected static ServiceInstance instance(String service, String id, int n) {
        return ServiceInstance.builder()
                .id(id)
                .name(service)
                .version("1.0.0")
                .putMetadata("zone", "z1")
                .endpoint("grpc://127.0.0.1:" + (10000 + n))
                .build();
    }

    private static double timeScale() {
        try {
            return Math.max(1.0, Double.parseDouble(System.getProperty("registry4j.test.timeScale", "1")));
        } catch (NumberFormatException e) {
            return 1.0;
        }
    }

    /**
     * Scales a bound by {@code registry4j.test.timeScale}.
     *
     * @param d the bound
     * @return the scaled bound
     */
    protected static Duration scaled(Duration d) {
        return Duration.ofMillis((long) (d.toMillis() * timeScale()));
    }

    private Duration propagation() {
        return scaled(capabilities().propagation());
    }

    private Duration reRegistration() {
        return scaled(capabilities().reRegistration().plus(capabilities().propagation()));
    }

    /**
     * How long the outage scenarios keep the server down while they count retries: at most 20 s (scaled), and no more
     * than a re-registration may take. Many retries on a short backoff fit in it; a backend that waits for the server
     * instead retries nothing meanwhile, and a longer outage would only make its test slower.
     */
    private Duration outage() {
        Duration cap = scaled(Duration.ofSeconds(20));
        Duration r = reRegistration();
        return r.compareTo(cap) < 0 ? r : cap;
    }

    private ConditionFactory await(String what, Duration atMost) {
        return Awaitility.await(what)
                .atMost(atMost)
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(25))
                .ignoreExceptionsInstanceOf(RegistryException.class);
    }

    private void awaitInstances(ServiceRegistry r, String service, List<ServiceInstance> expected, Duration atMost) {
        await("getService(" + service + ") to return " + ids(expected), atMost)
                .untilAsserted(() -> assertThat(r.getService(service)).isEqualTo(expected));
    }

    private void awaitInstances(ServiceRegistry r, String service, List<ServiceInstance> expected) {
        awaitInstances(r, service, expected, propagation());
    }

    private static List<String> ids(List<ServiceInstance> list) {
        List<String> out = new ArrayList<>();
        list.forEach(i -> out.add(i.id()));
        return out;
    }

    private static List<ServiceInstance> sorted(ServiceInstance... instances) {
        List<ServiceInstance> out = new ArrayList<>(List.of(instances));
        out.sort((a, b) -> a.id().compareTo(b.id()));
        return out;
    }

    private boolean requires(Fault fault) {
        Capabilities c = capabilities();
        if (c.faults().contains(fault)) {
            return true;
        }
        assertThat(c.unsupported().get(fault))
                .as("reason the backend gives for not supporting " + fault)
                .isNotBlank();
        return false;
    }

    private ExecutorService pool() {
        ExecutorService p = pool;
        assertThat(p).as("kit pool").isNotNull();
        return java.util.Objects.requireNonNull(p);
    }

    /** A watcher with at most one pending {@code next()}, so that waiting with a timeout never loses a snapshot. */
    private final class Probe implements AutoCloseable {
        private final Watcher watcher;
        private @Nullable Future<List<ServiceInstance>> pending;

        Probe(Watcher watcher) {
            this.watcher = watcher;
        }

        List<ServiceInstance> next(Duration within) throws Exception {
            Future<List<ServiceInstance>> f = pending;
            if (f == null) {
                f = pool().submit(watcher::next);
                pending = f;
            }
            try {
                List<ServiceInstance> result = f.get(within.toMillis(), TimeUnit.MILLISECONDS);
                pending = null;
                return result;
            } catch (TimeoutException e) {
                throw new AssertionError("no snapshot from " + watcher + " within " + within, e);
            } catch (ExecutionException e) {
                pending = null;
                Throwable cause = e.getCause();
                if (cause instanceof Exception ex) {
                    throw ex;
                }
                throw e;
            }
        }

        List<ServiceInstance> until(Predicate<List<ServiceInstance>> condition, String what, Duration within)
                throws Exception {
            long deadline = System.nanoTime() + within.toNanos();
            List<ServiceInstance> last = null;
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("watcher never delivered " + what + " within " + within + "; last: "
                            + (last == null ? "nothing" : ids(last)));
                }
                last = next(Duration.ofNanos(left));
                if (condition.test(last)) {
                    return last;
                }
            }
        }

        List<ServiceInstance> until(List<ServiceInstance> expected, Duration within) throws Exception {
            return until(expected::equals, ids(expected).toString(), within);
        }

        @Override
        public void close() {
            watcher.stop();
        }
    }

    private Probe probe(ServiceRegistry r, String service) {
        return closeLater(new Probe(r.watch(service)));
    }

    private RecordingListener listen(ServiceRegistry r, String service) {
        var l = new RecordingListener();
        closeLater(r.watch(service, direct(r), l));
        return l;
    }

    /**
     * The executor for listeners that the kit wants run directly on the backend's thread. A registry on the shared
     * layer takes {@code Runnable::run}; the default listener form of a custom registry ({@code Discovery}'s
     * {@code WatcherLoop}) loops on its executor for as long as the subscription lives, so it gets a kit thread.
     */
    private java.util.concurrent.Executor direct(ServiceRegistry r) {
        return r instanceof AbstractServiceRegistry ? Runnable::run : pool();
    }

    /**
     * Whether listeners of {@code r} get {@code STALE} and {@code RECOVERED} events: those of the shared layer do; the
     * API's default listener form (a loop on {@code Watcher.next()}) delivers lists only, and a custom backend's
     * staleness shows in {@code Watcher.isStale()}.
     */
    private static boolean listenersReportStale(ServiceRegistry r) {
        return r instanceof AbstractServiceRegistry;
    }

    /**
     * Records the registration events of {@code r}; null for a custom registry that does not report them (only
     * {@link AbstractServiceRegistry} must).
     */
    private @Nullable List<RegistrationEvent> registrationEvents(ServiceRegistry r) {
        List<RegistrationEvent> events = new CopyOnWriteArrayList<>();
        try {
            closeLater(r.addRegistrationListener(Runnable::run, events::add));
        } catch (UnsupportedOperationException e) {
            assertThat(r)
                    .as("only custom registries may lack registration events")
                    .isNotInstanceOf(AbstractServiceRegistry.class);
            return null;
        }
        return events;
    }

    private void awaitLatest(RecordingListener l, List<ServiceInstance> expected, Duration atMost) {
        await("listener to receive " + ids(expected), atMost)
                .untilAsserted(() -> assertThat(l.latest()).isEqualTo(expected));
    }

    // ---- Registrar ----

    /** {@code register} and {@code deregister}, seen through a second client. */
    @Nested
    @DisplayName("Registrar")
    class RegistrarTests {

        @Test
        @DisplayName("an instance registered by one client is seen by another")
        void registeredInstanceIsSeenByAnotherClient() {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("reg");
            ServiceInstance x = instance(s, "x1", 1);
            a.register(x);
            awaitInstances(b, s, List.of(x));
        }

        @Test
        @DisplayName("registering an id again updates that instance instead of adding one")
        void registeringAnIdAgainUpdatesIt() {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("upd");
            ServiceInstance v1 = instance(s, "x1", 1);
            a.register(v1);
            awaitInstances(b, s, List.of(v1));
            ServiceInstance v2 =
                    v1.toBuilder().version("2.0.0").putMetadata("zone", "z2").build();
            a.register(v2);
            awaitInstances(b, s, List.of(v2));
        }

        @Test
        @DisplayName("deregister removes the instance for every client")
        void deregisterRemovesTheInstance() {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("dereg");
            ServiceInstance x = instance(s, "x1", 1);
            ServiceInstance y = instance(s, "y1", 2);
            a.register(x);
            a.register(y);
            awaitInstances(b, s, sorted(x, y));
            a.deregister(x);
            awaitInstances(b, s, List.of(y));
            a.deregister(y);
            awaitInstances(b, s, List.of());
        }

        @Test
        @DisplayName(
                "deregistering an instance the registry does not hold does nothing, even if another client holds it")
        void deregisterOfUnknownInstanceDoesNothing() {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("unknown");
            ServiceInstance x = instance(s, "x1", 1);
            List<RegistrationEvent> events = new CopyOnWriteArrayList<>();
            if (a instanceof AbstractServiceRegistry) {
                closeLater(a.addRegistrationListener(Runnable::run, events::add));
            }
            assertThatCode(() -> b.deregister(x)).doesNotThrowAnyException();
            a.register(x);
            awaitInstances(b, s, List.of(x));
            assertThatCode(() -> b.deregister(x)).doesNotThrowAnyException();
            // b's deregister must not have removed a's instance: a later change is seen with x still there,
            // and a never had to put it back.
            ServiceInstance y = instance(s, "y1", 2);
            a.register(y);
            awaitInstances(b, s, sorted(x, y));
            assertThat(events).extracting(RegistrationEvent::state).doesNotContain(RegistrationEvent.State.LOST);
        }

        @Test
        @DisplayName("deregistering twice is harmless")
        void deregisteringTwiceIsHarmless() {
            ServiceRegistry a = client();
            String s = service("twice");
            ServiceInstance x = instance(s, "x1", 1);
            a.register(x);
            a.deregister(x);
            assertThatCode(() -> a.deregister(x)).doesNotThrowAnyException();
            awaitInstances(a, s, List.of());
        }

        @Test
        @DisplayName("null arguments are rejected naming the argument")
        void nullArgumentsAreRejected() {
            ServiceRegistry a = client();
            assertThatThrownBy(() -> a.register(nullInstance()))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("instance");
            assertThatThrownBy(() -> a.deregister(nullInstance()))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("instance");
        }

        @Test
        @DisplayName("invalid instances are rejected with the field and the value in the message")
        void invalidInstancesAreRejectedClearly() {
            assertThatThrownBy(() -> ServiceInstance.builder()
                            .id("x")
                            .name("hello world")
                            .endpoint("grpc://h:1")
                            .build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("name")
                    .hasMessageContaining("\"hello world\"");
            assertThatThrownBy(() -> ServiceInstance.builder()
                            .id("a/b")
                            .name("s")
                            .endpoint("grpc://h:1")
                            .build())
                    .hasMessageContaining("id")
                    .hasMessageContaining("\"a/b\"");
            assertThatThrownBy(() -> ServiceInstance.builder()
                            .id("x")
                            .name("s")
                            .endpoint("grpc://h")
                            .build())
                    .hasMessageContaining("endpoints[0]")
                    .hasMessageContaining("grpc://h");
            assertThatThrownBy(() -> ServiceInstance.builder()
                            .id("x")
                            .name("s")
                            .endpoint("grpc://h:1")
                            .putMetadata("registry4j.id", "v")
                            .build())
                    .hasMessageContaining("metadata key")
                    .hasMessageContaining("registry4j.id");
            assertThatThrownBy(() -> ServiceInstance.builder().id("x").name("s").build())
                    .hasMessageContaining("endpoints");
        }

        @Test
        @DisplayName("metadata round-trips exactly, unicode and markup included")
        void metadataRoundTripsExactly() {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("meta");
            ServiceInstance x = ServiceInstance.builder()
                    .id("x1")
                    .name(s)
                    .version("2.1.0-rc.1+build.7")
                    .metadata(Map.of(
                            "zone", "eu-west-1a",
                            "unicode", "Grüße, 世界 🚀",
                            "markup", "<a href=\"x\">&amp;</a>",
                            "quote\"key", "back\\slash",
                            "empty", "",
                            "spaces", "  padded  ",
                            "k.with-dots_and:colons", "v=1;w=2"))
                    .endpoint("grpc://127.0.0.1:10001")
                    .build();
            a.register(x);
            awaitInstances(b, s, List.of(x));
            assertThat(b.getService(s).get(0).metadata()).isEqualTo(x.metadata());
        }

        @Test
        @DisplayName("an instance with several endpoints round-trips all of them, in order")
        void multiEndpointInstanceRoundTripsInOrder() {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("multi");
            ServiceInstance x = ServiceInstance.builder()
                    .id("x1")
                    .name(s)
                    .version("1")
                    .endpoint("https://127.0.0.1:10443")
                    .endpoint("grpc://127.0.0.1:10900")
                    .endpoint("http://[::1]:10080")
                    .build();
            a.register(x);
            if (hostsNotStored()) {
                awaitSchemesAndPorts(b, s, x);
                return;
            }
            awaitInstances(b, s, List.of(x));
            assertThat(b.getService(s).get(0).endpoints())
                    .containsExactly(
                            URI.create("https://127.0.0.1:10443"),
                            URI.create("grpc://127.0.0.1:10900"),
                            URI.create("http://[::1]:10080"));
        }

        @Test
        @DisplayName("readers never see an instance with only some of its endpoints, while it is registered, updated or"
                + " deregistered")
        void readersSeeWholeInstancesOnly() throws Exception {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            ServiceRegistry c = client();
            String s = service("whole");
            ServiceInstance v1 = ServiceInstance.builder()
                    .id("x1")
                    .name(s)
                    .version("1")
                    .putMetadata("rev", "1")
                    .endpoint("http://127.0.0.1:10081")
                    .endpoint("grpc://127.0.0.1:10082")
                    .endpoint("https://127.0.0.1:10083")
                    .endpoint("grpcs://127.0.0.1:10084")
                    .build();
            ServiceInstance v2 =
                    v1.toBuilder().version("2").putMetadata("rev", "2").build();
            List<Object> whole = List.of(comparable(v1), comparable(v2));
            List<String> partial = new CopyOnWriteArrayList<>();
            var watched = new AtomicReference<List<ServiceInstance>>(List.of());
            var read = new AtomicReference<List<ServiceInstance>>(List.of());
            Consumer<List<ServiceInstance>> check = list -> {
                for (ServiceInstance i : list) {
                    if (i.id().equals(v1.id()) && !whole.contains(comparable(i))) {
                        partial.add(i.toString());
                    }
                }
            };
            closeLater(b.watch(s, direct(b), event -> {
                check.accept(event.instances());
                watched.set(event.instances());
            }));
            var done = new AtomicBoolean();
            // A second reader without a watcher, so that its getService reads the server each time.
            Future<?> reader = pool().submit(() -> {
                while (!done.get()) {
                    List<ServiceInstance> list = c.getService(s);
                    check.accept(list);
                    read.set(list);
                    LockSupport.parkNanos(200_000); // pace the reads; nothing waits here
                }
                return null;
            });
            try {
                for (int round = 0; round < 5; round++) {
                    a.register(v1);
                    a.register(v2);
                    a.deregister(v2);
                }
                a.register(v1);
                await("the watcher and the reader to see " + v1.id() + " whole", propagation())
                        .untilAsserted(() -> {
                            assertThat(watched.get())
                                    .extracting(i -> comparable(i))
                                    .containsExactly(comparable(v1));
                            assertThat(read.get())
                                    .extracting(i -> comparable(i))
                                    .containsExactly(comparable(v1));
                        });
            } finally {
                done.set(true);
            }
            reader.get(scaled(Duration.ofSeconds(30)).toMillis(), TimeUnit.MILLISECONDS);
            assertThat(partial)
                    .as("instances seen as neither registration whole (some endpoints, or mixed versions)")
                    .isEmpty();
        }

        @Test
        @DisplayName("an endpoint host with an underscore (a Docker Compose service name) round-trips")
        void underscoreHostRoundTrips() {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("underscore");
            ServiceInstance x = ServiceInstance.builder()
                    .id("x1")
                    .name(s)
                    .version("1")
                    .endpoint("grpc://orders_svc:10900")
                    .endpoint("http://orders_svc.internal:10080")
                    .build();
            a.register(x);
            if (hostsNotStored()) {
                awaitSchemesAndPorts(b, s, x);
                return;
            }
            awaitInstances(b, s, List.of(x));
            assertThat(b.getService(s).get(0).endpoints())
                    .containsExactly(
                            URI.create("grpc://orders_svc:10900"), URI.create("http://orders_svc.internal:10080"));
        }

        @Test
        @DisplayName("an empty version and empty metadata round-trip")
        void emptyVersionAndMetadataRoundTrip() {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("bare");
            ServiceInstance x = ServiceInstance.builder()
                    .id("x1")
                    .name(s)
                    .endpoint("http://127.0.0.1:10080")
                    .build();
            a.register(x);
            awaitInstances(b, s, List.of(x));
        }

        @Test
        @DisplayName("instances of one service registered by two clients are all seen")
        void instancesFromTwoClientsAreAllSeen() {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("two");
            ServiceInstance x = instance(s, "a1", 1);
            ServiceInstance y = instance(s, "b1", 2);
            a.register(x);
            b.register(y);
            awaitInstances(a, s, sorted(x, y));
            awaitInstances(b, s, sorted(x, y));
        }

        @Test
        @DisplayName("200 instances registered concurrently are all visible")
        void manyConcurrentRegistrationsAreAllVisible() throws Exception {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("bulk");
            List<ServiceInstance> all = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                all.add(instance(s, String.format("i%03d", i), i + 1));
            }
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> tasks = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int slice = t;
                tasks.add(pool().submit(() -> {
                    start.await();
                    for (int i = slice; i < all.size(); i += 8) {
                        a.register(all.get(i));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : tasks) {
                f.get(scaled(Duration.ofMinutes(2)).toMillis(), TimeUnit.MILLISECONDS);
            }
            awaitInstances(b, s, all, propagation().multipliedBy(3));
        }

        @Test
        @DisplayName("registration reports REGISTERED to a registration listener")
        void registrationIsReported() {
            ServiceRegistry a = client();
            List<RegistrationEvent> events = new CopyOnWriteArrayList<>();
            Subscription sub;
            try {
                sub = closeLater(a.addRegistrationListener(Runnable::run, events::add));
            } catch (UnsupportedOperationException e) {
                assertThat(a)
                        .as("only custom registries may lack registration events")
                        .isNotInstanceOf(AbstractServiceRegistry.class);
                return;
            }
            String s = service("state");
            ServiceInstance x = instance(s, "x1", 1);
            a.register(x);
            await("REGISTERED event", propagation())
                    .untilAsserted(() -> assertThat(events)
                            .extracting(RegistrationEvent::state)
                            .contains(RegistrationEvent.State.REGISTERED));
            assertThat(events.get(0).instance()).isEqualTo(x);
            sub.close();
        }
    }

    /** Whether the backend keeps endpoints' schemes and ports but not their hosts; checks that a reason is given. */
    private boolean hostsNotStored() {
        String reason = capabilities().endpointHostsNotStored();
        if (reason == null) {
            return false;
        }
        assertThat(reason).as("why endpoint hosts are not stored").isNotBlank();
        return true;
    }

    /**
     * What of {@code i} round-trips on this backend: the instance, or where endpoint hosts are not stored its id,
     * version, metadata and its endpoints' schemes and ports in order.
     */
    private Object comparable(ServiceInstance i) {
        if (capabilities().endpointHostsNotStored() == null) {
            return i;
        }
        return List.of(i.id(), i.version(), i.metadata(), schemesAndPorts(i));
    }

    /** {@code scheme:port} of each of the instance's endpoints, in order. */
    private static List<String> schemesAndPorts(ServiceInstance i) {
        List<String> out = new ArrayList<>();
        i.endpoints().forEach(e -> out.add(e.getScheme() + ":" + Endpoints.port(e)));
        return out;
    }

    /** Waits until {@code r} lists {@code x} with its id, version, metadata, and its endpoints' schemes and ports in order. */
    private void awaitSchemesAndPorts(ServiceRegistry r, String service, ServiceInstance x) {
        List<String> expected = schemesAndPorts(x);
        await("getService(" + service + ") to return " + x.id() + " with endpoints " + expected, propagation())
                .untilAsserted(() -> {
                    List<ServiceInstance> got = r.getService(service);
                    assertThat(got).hasSize(1);
                    ServiceInstance i = got.get(0);
                    assertThat(i.id()).isEqualTo(x.id());
                    assertThat(i.version()).isEqualTo(x.version());
                    assertThat(i.metadata()).isEqualTo(x.metadata());
                    assertThat(schemesAndPorts(i)).isEqualTo(expected);
                });
    }

    @SuppressWarnings("NullAway") // deliberately null, to check the argument check
    private static ServiceInstance nullInstance() {
        return null;
    }

    @SuppressWarnings("NullAway") // deliberately null, to check the argument check
    private static String nullName() {
        return null;
    }

    // ---- Discovery ----

    /** {@code getService}. */
    @Nested
    @DisplayName("Discovery")
    class DiscoveryTests {

        @Test
        @DisplayName("an unknown service has no instances, not an error")
        void unknownServiceIsEmpty() {
            assertThat(client().getService(service("nobody"))).isEmpty();
        }

        @Test
        @DisplayName("names are exact: hello never sees helloworld or hell")
        void namesAreExact() {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String hello = service("hello");
            String helloworld = hello + "world";
            String hell = hello.substring(0, hello.length() - 1);
            ServiceInstance h = instance(hello, "h1", 1);
            ServiceInstance hw = instance(helloworld, "hw1", 2);
            ServiceInstance hl = instance(hell, "hl1", 3);
            a.register(hw);
            a.register(hl);
            a.register(h);
            awaitInstances(b, hello, List.of(h));
            awaitInstances(b, helloworld, List.of(hw));
            awaitInstances(b, hell, List.of(hl));
        }

        @Test
        @DisplayName("getService returns the list sorted by id")
        void getServiceIsSortedById() {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("sorted");
            ServiceInstance c = instance(s, "c", 3);
            ServiceInstance x = instance(s, "a", 1);
            ServiceInstance y = instance(s, "b", 2);
            a.register(c);
            a.register(x);
            a.register(y);
            awaitInstances(b, s, List.of(x, y, c));
        }

        @Test
        @DisplayName("an invalid service name is rejected with the value in the message")
        void invalidNameIsRejected() {
            ServiceRegistry a = client();
            assertThatThrownBy(() -> a.getService("bad name"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("\"bad name\"");
            assertThatThrownBy(() -> a.getService("")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> a.getService(nullName())).isInstanceOf(NullPointerException.class);
        }

        @Test
        @DisplayName("getService agrees with a watcher of the same service")
        void getServiceAgreesWithWatcher() throws Exception {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("agree");
            ServiceInstance x = instance(s, "x1", 1);
            a.register(x);
            Probe p = probe(b, s);
            p.until(List.of(x), propagation());
            assertThat(b.getService(s)).isEqualTo(List.of(x));
            ServiceInstance y = instance(s, "y1", 2);
            a.register(y);
            p.until(sorted(x, y), propagation());
            assertThat(b.getService(s)).isEqualTo(sorted(x, y));
        }
    }

    // ---- Watcher ----

    /** {@code watch}, blocking and listener forms. */
    @Nested
    @DisplayName("Watcher")
    class WatcherTests {

        @Test
        @DisplayName("the first next() of an unknown service returns an empty list at once")
        void firstNextOfUnknownServiceIsEmpty() throws Exception {
            Probe p = probe(client(), service("empty"));
            assertThat(p.next(propagation())).isEmpty();
        }

        @Test
        @DisplayName("the first next() returns the current full list")
        void firstNextReturnsCurrentList() throws Exception {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("first");
            ServiceInstance x = instance(s, "x1", 1);
            ServiceInstance y = instance(s, "y1", 2);
            a.register(x);
            a.register(y);
            awaitInstances(b, s, sorted(x, y));
            Probe p = probe(b, s);
            assertThat(p.next(propagation())).isEqualTo(sorted(x, y));
        }

        @Test
        @DisplayName("additions, updates and removals reach the watcher as full sorted lists, down to empty")
        void changesPropagateAsFullLists() throws Exception {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("changes");
            Probe p = probe(b, s);
            assertThat(p.next(propagation())).isEmpty();
            ServiceInstance y = instance(s, "y1", 2);
            a.register(y);
            p.until(List.of(y), propagation());
            ServiceInstance x = instance(s, "x1", 1);
            a.register(x);
            p.until(sorted(x, y), propagation());
            ServiceInstance x2 = x.toBuilder().version("2.0.0").build();
            a.register(x2);
            p.until(sorted(x2, y), propagation());
            ServiceInstance x3 = x2.toBuilder().putMetadata("weight", "7").build();
            a.register(x3);
            p.until(sorted(x3, y), propagation());
            ServiceInstance x4 = x3.toBuilder()
                    .endpoints(List.of(URI.create("grpc://127.0.0.1:10777")))
                    .build();
            a.register(x4);
            p.until(sorted(x4, y), propagation());
            x3 = x4;
            a.deregister(y);
            p.until(List.of(x3), propagation());
            a.deregister(x3);
            p.until(List.of(), propagation());
        }

        @Test
        @DisplayName("equal consecutive snapshots are delivered once")
        void equalSnapshotsAreDeduplicated() {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("dedup");
            ServiceInstance x = instance(s, "x1", 1);
            a.register(x);
            awaitInstances(b, s, List.of(x));
            RecordingListener l = listen(b, s);
            awaitLatest(l, List.of(x), propagation());
            a.register(x); // the same instance again: the backend sees a write, the view must not deliver it
            ServiceInstance y = instance(s, "y1", 2);
            a.register(y);
            awaitLatest(l, sorted(x, y), propagation());
            assertThat(l.events()).extracting(WatchEvent::instances).containsExactly(List.of(x), sorted(x, y));
            assertThat(l.types()).containsExactly(WatchEvent.Type.INITIAL, WatchEvent.Type.CHANGED);
        }

        @Test
        @DisplayName("an empty service is delivered as an empty list")
        void emptyIsDelivered() throws Exception {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("drain");
            ServiceInstance x = instance(s, "x1", 1);
            a.register(x);
            RecordingListener l = listen(b, s);
            awaitLatest(l, List.of(x), propagation());
            Probe p = probe(b, s);
            p.until(List.of(x), propagation());
            a.deregister(x);
            p.until(List.of(), propagation());
            awaitLatest(l, List.of(), propagation());
            assertThat(l.events().get(l.count() - 1).type()).isEqualTo(WatchEvent.Type.CHANGED);
        }

        @Test
        @DisplayName("a watcher of hello never sees helloworld")
        void watchNamesAreExact() throws Exception {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String hello = service("hello");
            Probe p = probe(b, hello);
            assertThat(p.next(propagation())).isEmpty();
            ServiceInstance hw = instance(hello + "world", "hw1", 1);
            a.register(hw);
            ServiceInstance h = instance(hello, "h1", 2);
            a.register(h);
            // If helloworld leaked in, the first non-empty snapshot would contain it.
            assertThat(p.until(list -> !list.isEmpty(), "a non-empty list", propagation()))
                    .isEqualTo(List.of(h));
        }

        @Test
        @DisplayName("many watchers of one service all see every change")
        void manyWatchersOfOneServiceAllSeeChanges() throws Exception {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("fan");
            List<Probe> probes = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                probes.add(probe(b, s));
            }
            for (Probe p : probes) {
                assertThat(p.next(propagation())).isEmpty();
            }
            ServiceInstance x = instance(s, "x1", 1);
            a.register(x);
            for (Probe p : probes) {
                p.until(List.of(x), propagation());
            }
            a.deregister(x);
            for (Probe p : probes) {
                p.until(List.of(), propagation());
            }
        }

        @Test
        @DisplayName("watchers of many services each see their own service")
        void watchersOfManyServicesSeeTheirOwn() throws Exception {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            List<String> services = new ArrayList<>();
            List<Probe> probes = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                String s = service("many" + i);
                services.add(s);
                probes.add(probe(b, s));
            }
            for (int i = 0; i < 10; i++) {
                a.register(instance(services.get(i), "x" + i, i + 1));
            }
            for (int i = 0; i < 10; i++) {
                probes.get(i).until(List.of(instance(services.get(i), "x" + i, i + 1)), propagation());
            }
        }

        @Test
        @DisplayName("stop() is idempotent and next() afterwards throws CLOSED")
        void stopIsIdempotentThenClosed() throws Exception {
            Watcher w = client().watch(service("stop"));
            w.stop();
            w.stop();
            w.close();
            assertThatThrownBy(w::next)
                    .isInstanceOfSatisfying(
                            RegistryException.class,
                            e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.CLOSED));
        }

        @Test
        @DisplayName("stop() wakes a next() blocked in another thread, which then throws CLOSED")
        void stopWakesBlockedNext() throws Exception {
            ServiceRegistry b = client();
            String s = service("wake");
            // Another watcher keeps the service's view open, so the wake-up must come from stop() itself.
            Probe other = probe(b, s);
            assertThat(other.next(propagation())).isEmpty();
            Watcher w = b.watch(s);
            Probe p = new Probe(w);
            assertThat(p.next(propagation())).isEmpty();
            Future<List<ServiceInstance>> blocked = pool().submit(w::next);
            // The call is blocked: nothing changes in this service.
            assertThatThrownBy(() -> blocked.get(50, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
            w.stop();
            assertThatThrownBy(() -> blocked.get(propagation().toMillis(), TimeUnit.MILLISECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOfSatisfying(
                            RegistryException.class,
                            e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.CLOSED));
        }

        @Test
        @DisplayName("stopping one watcher leaves the other watchers of the service working")
        void stoppingOneWatcherLeavesOthers() throws Exception {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("others");
            Probe first = probe(b, s);
            Probe second = probe(b, s);
            assertThat(first.next(propagation())).isEmpty();
            assertThat(second.next(propagation())).isEmpty();
            first.close();
            ServiceInstance x = instance(s, "x1", 1);
            a.register(x);
            second.until(List.of(x), propagation());
            // A new watcher after all others stopped starts over with the current list.
            second.close();
            Probe third = probe(b, s);
            third.until(List.of(x), propagation());
        }

        @Test
        @DisplayName("a listener gets INITIAL, then each change, in order and never concurrently")
        void listenerGetsOrderedEvents() {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("listen");
            ExecutorService executor = closeLater(new ClosingExecutor(Executors.newFixedThreadPool(4))).executor;
            var l = new RecordingListener();
            closeLater(b.watch(s, executor, l));
            await("INITIAL event", propagation())
                    .untilAsserted(() -> assertThat(l.types()).startsWith(WatchEvent.Type.INITIAL));
            List<ServiceInstance> expected = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                ServiceInstance x = instance(s, String.format("x%02d", i), i + 1);
                a.register(x);
                expected.add(x);
            }
            awaitLatest(l, expected, propagation().multipliedBy(2));
            assertThat(l.overlappingDeliveries()).isZero();
            // Each delivered list grows: order is kept even if intermediate states were coalesced.
            List<WatchEvent> events = l.events();
            for (int i = 1; i < events.size(); i++) {
                assertThat(events.get(i).instances().size())
                        .isGreaterThan(events.get(i - 1).instances().size());
                assertThat(events.get(i).type()).isEqualTo(WatchEvent.Type.CHANGED);
            }
        }

        @Test
        @DisplayName("a listener that throws keeps its subscription")
        void throwingListenerKeepsSubscription() {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("throws");
            List<WatchEvent> seen = new CopyOnWriteArrayList<>();
            closeLater(b.watch(s, direct(b), e -> {
                seen.add(e);
                if (seen.size() % 2 == 1) { // an Error (a failed assertion in a test) as well as an exception
                    throw new AssertionError("listener failure, on purpose");
                }
                throw new IllegalStateException("listener failure, on purpose");
            }));
            await("INITIAL event", propagation()).until(() -> !seen.isEmpty());
            ServiceInstance x = instance(s, "x1", 1);
            a.register(x);
            await("event after the failure", propagation())
                    .untilAsserted(() ->
                            assertThat(seen.get(seen.size() - 1).instances()).isEqualTo(List.of(x)));
        }

        @Test
        @DisplayName("closing a subscription stops its deliveries")
        void closingSubscriptionStopsDeliveries() throws Exception {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("unsub");
            var l = new RecordingListener();
            Subscription sub = b.watch(s, direct(b), l);
            await("INITIAL event", propagation()).until(() -> l.count() == 1);
            sub.close();
            sub.close();
            ServiceInstance x = instance(s, "x1", 1);
            a.register(x);
            // A watcher opened after the change proves the change propagated; the closed listener got nothing.
            Probe p = probe(b, s);
            p.until(List.of(x), propagation());
            assertThat(l.count()).isEqualTo(1);
        }

        @Test
        @DisplayName("watch rejects invalid names and null arguments")
        void watchRejectsInvalidArguments() {
            ServiceRegistry b = client();
            assertThatThrownBy(() -> b.watch("bad/name"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("\"bad/name\"");
            assertThatThrownBy(() -> b.watch(nullName())).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> b.watch("ok", Runnable::run, nullListener()))
                    .isInstanceOf(NullPointerException.class);
        }

        @Test
        @Timeout(120)
        @DisplayName("1,000 watchers on 10 services add no thread per watcher")
        void watchersCostNoThreads() throws Exception {
            ServiceRegistry b = client();
            List<String> services = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                String s = service("threads" + i);
                services.add(s);
                assertThat(new Probe(closeLater(b.watch(s))).next(propagation()))
                        .isEmpty();
            }
            int before = Thread.activeCount();
            for (int i = 0; i < 990; i++) {
                Watcher w = closeLater(b.watch(services.get(i % 10)));
                // The service is already read, so the first next() returns at once, on this thread.
                assertThat(w.next()).isEmpty();
            }
            int after = Thread.activeCount();
            assertThat(after - before)
                    .as("threads added by 990 more watchers of already watched services")
                    .isLessThanOrEqualTo(2);
            if (b instanceof AbstractServiceRegistry r) {
                assertThat(r.watchedServices()).isEqualTo(10);
            }
        }
    }

    @SuppressWarnings("NullAway") // deliberately null, to check the argument check
    private static io.registry4j.WatchListener nullListener() {
        return null;
    }

    /** Shuts an executor down when the test ends. */
    private static final class ClosingExecutor implements AutoCloseable {
        final ExecutorService executor;

        ClosingExecutor(ExecutorService executor) {
            this.executor = executor;
        }

        @Override
        public void close() {
            executor.shutdownNow();
            try {
                assertThat(executor.awaitTermination(10, TimeUnit.SECONDS))
                        .as("listener executor ended")
                        .isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- Lifecycle ----

    /** {@code close()} and the state after it. */
    @Nested
    @DisplayName("Lifecycle")
    class LifecycleTests {

        @Test
        @DisplayName("close() deregisters what the registry registered")
        void closeDeregisters() {
            ServiceRegistry a = newRegistry();
            ServiceRegistry b = client();
            String s = service("close");
            ServiceInstance x = instance(s, "x1", 1);
            try {
                a.register(x);
                awaitInstances(b, s, List.of(x));
            } finally {
                a.close();
            }
            awaitInstances(b, s, List.of());
        }

        @Test
        @DisplayName("close() is idempotent and later calls fail with CLOSED")
        void closeIsIdempotentThenClosed() {
            ServiceRegistry a = newRegistry();
            a.close();
            a.close();
            String s = service("closed");
            for (var call : List.<Runnable>of(
                    () -> a.register(instance(s, "x", 1)),
                    () -> a.getService(s),
                    () -> a.watch(s),
                    () -> a.watch(s, Runnable::run, e -> {}))) {
                assertThatThrownBy(call::run)
                        .isInstanceOfSatisfying(
                                RegistryException.class,
                                e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.CLOSED));
            }
        }

        @Test
        @DisplayName("closing the registry stops its watchers, waking blocked ones")
        void closeStopsWatchers() throws Exception {
            ServiceRegistry b = newRegistry();
            String s = service("closew");
            Watcher w = b.watch(s);
            Probe p = new Probe(w);
            assertThat(p.next(propagation())).isEmpty();
            Future<List<ServiceInstance>> blocked = pool().submit(w::next);
            var l = new RecordingListener();
            b.watch(s, direct(b), l);
            b.close();
            assertThatThrownBy(() -> blocked.get(propagation().toMillis(), TimeUnit.MILLISECONDS))
                    .cause()
                    .isInstanceOfSatisfying(
                            RegistryException.class,
                            e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.CLOSED));
            assertThatThrownBy(w::next).isInstanceOf(RegistryException.class);
            assertThat(l.types()).as("a closed registry delivers nothing new").doesNotContain(WatchEvent.Type.CHANGED);
        }

        @Test
        @DisplayName("close() leaves a native client passed in by the user open")
        void closeLeavesInjectedClientOpen() throws Exception {
            try (InjectedClient injected = newRegistryOnInjectedClient()) {
                ServiceRegistry r = injected.registry();
                String s = service("injected");
                r.register(instance(s, "x1", 1));
                r.close();
                injected.assertClientUsable();
            }
        }

        @Test
        @DisplayName("close() ends every thread the registry started")
        void closeEndsThreads() throws Exception {
            ServiceRegistry a = newRegistry();
            String s = service("threads");
            a.register(instance(s, "x1", 1));
            Probe p = new Probe(a.watch(s));
            p.until(List.of(instance(s, "x1", 1)), propagation());
            a.close();
            await("no registry4j thread of this backend", propagation())
                    .untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet())
                            .filteredOn(t -> t.isAlive()
                                    && t.getName().startsWith(RegistryThreads.PREFIX)
                                    && !t.getName().startsWith(RegistryThreads.PREFIX + "testservers-"))
                            .isEmpty());
        }
    }

    // ---- Faults ----

    /** Recovery from the faults of {@link Fault}, through {@link Faults}. */
    @Nested
    @DisplayName("Faults")
    class FaultTests {

        @Test
        @DisplayName("after a server restart, watchers report stale then recover, and registrations come back")
        void serverRestart() throws Exception {
            if (!requires(Fault.SERVER_RESTART)) {
                return;
            }
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("restart");
            ServiceInstance x = instance(s, "x1", 1);
            a.register(x);
            Probe p = probe(b, s);
            p.until(List.of(x), propagation());
            RecordingListener l = listen(b, s);
            awaitLatest(l, List.of(x), propagation());
            boolean started = false;
            faults().stopServer();
            try {
                if (capabilities().reportsStale()) {
                    Watcher staleCheck = closeLater(b.watch(s));
                    await("watcher to report stale state", reRegistration())
                            .untilAsserted(
                                    () -> assertThat(staleCheck.isStale()).isTrue());
                    if (listenersReportStale(b)) {
                        await("STALE event", reRegistration())
                                .untilAsserted(() -> assertThat(l.types()).contains(WatchEvent.Type.STALE));
                        WatchEvent stale = l.events().stream()
                                .filter(e -> e.type() == WatchEvent.Type.STALE)
                                .findFirst()
                                .orElseThrow();
                        assertThat(stale.instances())
                                .as("an outage is not emptiness")
                                .isEqualTo(List.of(x));
                    }
                }
                faults().startServer();
                started = true;
            } finally {
                if (!started) {
                    faults().startServer();
                }
            }
            awaitInstances(b, s, List.of(x), reRegistration());
            // The other client being back does not mean this one is: its connection may still be waiting out its
            // reconnect backoff, and a register meanwhile fails fast with a retryable error. Its own read says when.
            awaitInstances(a, s, List.of(x), reRegistration());
            ServiceInstance y = instance(s, "y1", 2);
            a.register(y);
            p.until(sorted(x, y), reRegistration());
            awaitLatest(l, sorted(x, y), reRegistration());
            if (capabilities().reportsStale() && listenersReportStale(b)) {
                assertThat(l.types()).contains(WatchEvent.Type.RECOVERED);
            }
        }

        @Test
        @DisplayName("after the session or lease expires, the instance is registered again, with LOST and RESTORED")
        void sessionExpiry() throws Exception {
            if (!requires(Fault.SESSION_EXPIRY)) {
                return;
            }
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            List<RegistrationEvent> events = registrationEvents(a);
            String s = service("expiry");
            ServiceInstance x = instance(s, "x1", 1);
            a.register(x);
            Probe p = probe(b, s);
            p.until(List.of(x), propagation());
            faults().expireSession(a);
            if (events != null) {
                await("LOST then RESTORED", reRegistration())
                        .untilAsserted(() -> assertThat(events)
                                .extracting(RegistrationEvent::state)
                                .containsSubsequence(RegistrationEvent.State.LOST, RegistrationEvent.State.RESTORED));
            }
            awaitInstances(b, s, List.of(x), reRegistration());
        }

        @Test
        @DisplayName("a deregistered instance is not resurrected when the session expires")
        void deregisteredStaysGoneAfterExpiry() throws Exception {
            if (!requires(Fault.SESSION_EXPIRY)) {
                return;
            }
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            List<RegistrationEvent> tracked = registrationEvents(a);
            List<RegistrationEvent> events = tracked == null ? List.of() : tracked;
            String s = service("zombie");
            ServiceInstance x = instance(s, "x1", 1);
            ServiceInstance y = instance(s, "y1", 2);
            a.register(x);
            a.register(y);
            awaitInstances(b, s, sorted(x, y));
            a.deregister(x);
            awaitInstances(b, s, List.of(y));
            faults().expireSession(a);
            if (tracked != null) {
                await("y to be restored", reRegistration())
                        .untilAsserted(() -> assertThat(tracked)
                                .filteredOn(e -> e.state() == RegistrationEvent.State.RESTORED)
                                .extracting(RegistrationEvent::instance)
                                .contains(y));
            }
            // A marker written after y came back: once it is seen, a resurrected x would be seen too.
            ServiceInstance z = instance(s, "z1", 3);
            a.register(z);
            awaitInstances(b, s, sorted(y, z), reRegistration());
            assertThat(events)
                    .filteredOn(e -> e.instance().equals(x) && e.state() != RegistrationEvent.State.REGISTERED)
                    .as("no recovery of the deregistered instance")
                    .isEmpty();
        }

        @Test
        @DisplayName("an instance deleted behind the registry's back is put back")
        void deletedBehindBackIsRestored() throws Exception {
            if (!requires(Fault.DELETE_BEHIND_BACK)) {
                return;
            }
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            List<RegistrationEvent> events = registrationEvents(a);
            String s = service("deleted");
            ServiceInstance x = instance(s, "x1", 1);
            a.register(x);
            RecordingListener l = listen(b, s);
            awaitLatest(l, List.of(x), propagation());
            faults().deleteBehindBack(a, x);
            // A watcher that reads after each notification may find x already back and never see the gap; the
            // registering side then reports the loss. A custom registry has neither: its default listener loops on
            // Watcher.next(), which returns the latest list and may skip the gap, and it reports no registration
            // events. The fault returned once x was gone, and the unwatched client below reads the server itself.
            if (events != null || b instanceof AbstractServiceRegistry) {
                await("the deletion to be seen", reRegistration())
                        .until(() -> l.events().stream()
                                        .anyMatch(e -> e.instances().isEmpty())
                                || (events != null
                                        && events.stream().anyMatch(e -> e.state() == RegistrationEvent.State.LOST)));
            }
            awaitLatest(l, List.of(x), reRegistration());
            awaitInstances(b, s, List.of(x), reRegistration());
            awaitInstances(client(), s, List.of(x), reRegistration());
        }

        @Test
        @DisplayName("after the watch stream drops, the watcher recovers and misses no change")
        void droppedWatchRecovers() throws Exception {
            if (!requires(Fault.DROP_WATCH)) {
                return;
            }
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("drop");
            ServiceInstance x = instance(s, "x1", 1);
            a.register(x);
            Probe p = probe(b, s);
            p.until(List.of(x), propagation());
            faults().dropWatches(b);
            ServiceInstance y = instance(s, "y1", 2);
            a.register(y);
            p.until(sorted(x, y), reRegistration());
            a.deregister(x);
            p.until(List.of(y), reRegistration());
        }

        @Test
        @DisplayName("a garbage entry is skipped: the rest is listed and the watch lives on")
        void garbageIsSkipped() throws Exception {
            if (!requires(Fault.GARBAGE_ENTRY)) {
                return;
            }
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("garbage");
            ServiceInstance x = instance(s, "x1", 1);
            a.register(x);
            Probe p = probe(b, s);
            p.until(List.of(x), propagation());
            faults().writeGarbage(s, "garbage1");
            try {
                ServiceInstance y = instance(s, "y1", 2);
                a.register(y);
                p.until(sorted(x, y), propagation());
                ServiceRegistry c = client();
                assertThat(c.getService(s)).isEqualTo(sorted(x, y));
                assertThat(new Probe(closeLater(c.watch(s))).next(propagation()))
                        .isEqualTo(sorted(x, y));
                if (c instanceof AbstractServiceRegistry r) {
                    assertThat(r.skippedEntries())
                            .as("skipped entries are counted")
                            .isPositive();
                }
            } finally {
                faults().removeGarbage(s, "garbage1");
            }
        }

        @Test
        @DisplayName("every fault is either supported or declared unsupported with a reason")
        void faultsAreDeclared() {
            Capabilities c = capabilities();
            for (Fault f : Fault.values()) {
                assertThat(c.faults().contains(f)
                                || !c.unsupported().getOrDefault(f, "").isBlank())
                        .as(f + " declared")
                        .isTrue();
            }
        }
    }

    // ---- Shared layer ----

    /**
     * Properties the shared layer (service views, registration keeper, default listener form) must keep on every
     * backend, each aimed at a class of bug that the scenarios above let through (issue 13).
     */
    @Nested
    @DisplayName("Shared layer")
    class SharedLayerTests {

        @Test
        @DisplayName("a listener's INITIAL event carries the current list, never a list from before the first read")
        void firstListenerEventIsTheCurrentList() {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("initial");
            ServiceInstance x = instance(s, "x1", 1);
            ServiceInstance y = instance(s, "y1", 2);
            a.register(y);
            a.register(x);
            awaitInstances(b, s, sorted(x, y));
            RecordingListener l = listen(b, s);
            await("INITIAL event", propagation()).until(() -> l.count() > 0);
            assertThat(l.events().get(0).type()).isEqualTo(WatchEvent.Type.INITIAL);
            assertThat(l.events().get(0).instances()).isEqualTo(sorted(x, y));
        }

        @Test
        @DisplayName("a slow listener on a pool gets its deliveries one at a time, in order, ending with the latest")
        void slowListenerOnAPoolIsNeverConcurrentNorReordered() throws Exception {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("slow");
            ExecutorService executor = closeLater(new ClosingExecutor(Executors.newFixedThreadPool(4))).executor;
            var recorder = new RecordingListener();
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger calls = new AtomicInteger();
            AtomicInteger inFlight = new AtomicInteger();
            AtomicInteger overlaps = new AtomicInteger();
            closeLater(b.watch(s, executor, e -> {
                if (inFlight.incrementAndGet() > 1) {
                    overlaps.incrementAndGet();
                }
                try {
                    recorder.onEvent(e);
                    if (calls.incrementAndGet() == 1) {
                        entered.countDown();
                        try { // held up on purpose while the list changes under it
                            release.await(propagation().toMillis() * 4, TimeUnit.MILLISECONDS);
                        } catch (InterruptedException ie) {
                            Thread.currentThread().interrupt();
                        }
                    }
                } finally {
                    inFlight.decrementAndGet();
                }
            }));
            assertThat(entered.await(propagation().toMillis(), TimeUnit.MILLISECONDS))
                    .as("first delivery started")
                    .isTrue();
            List<ServiceInstance> expected = new ArrayList<>();
            try {
                for (int i = 0; i < 6; i++) {
                    ServiceInstance x = instance(s, String.format("x%02d", i), i + 1);
                    a.register(x);
                    expected.add(x);
                    // Seen by the same registry's cache or reader: its view has changed and signalled meanwhile.
                    awaitInstances(b, s, expected);
                }
            } finally {
                release.countDown();
            }
            awaitLatest(recorder, expected, propagation());
            assertThat(overlaps.get()).as("deliveries overlapping the slow one").isZero();
            List<WatchEvent> events = recorder.events();
            assertThat(events.get(0).type()).isEqualTo(WatchEvent.Type.INITIAL);
            for (int i = 1; i < events.size(); i++) {
                assertThat(events.get(i).instances().size())
                        .as("event " + i + " comes after event " + (i - 1))
                        .isGreaterThan(events.get(i - 1).instances().size());
            }
        }

        @Test
        @DisplayName("a registration listener that throws keeps getting events")
        void throwingRegistrationListenerKeepsItsSubscription() {
            ServiceRegistry a = client();
            List<RegistrationEvent> seen = new CopyOnWriteArrayList<>();
            try {
                closeLater(a.addRegistrationListener(Runnable::run, e -> {
                    seen.add(e);
                    throw new AssertionError("registration listener failure, on purpose");
                }));
            } catch (UnsupportedOperationException e) {
                assertThat(a).isNotInstanceOf(AbstractServiceRegistry.class);
                return;
            }
            String s = service("regthrows");
            ServiceInstance x = instance(s, "x1", 1);
            ServiceInstance y = instance(s, "y1", 2);
            a.register(x);
            a.register(y);
            await("events after the failure", propagation())
                    .untilAsserted(() -> assertThat(seen)
                            .extracting(RegistrationEvent::instance)
                            .contains(x, y));
        }

        @Test
        @DisplayName("one native watch per service, whatever the number of watchers, closed with the last one")
        void oneNativeWatchPerServiceClosedWithTheLast() throws Exception {
            if (!requires(Fault.WATCH_COUNT)) {
                return;
            }
            ServiceRegistry b = client();
            String s = service("native");
            List<Watcher> watchers = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                Watcher w = closeLater(b.watch(s));
                watchers.add(w);
                assertThat(new Probe(w).next(propagation())).isEmpty();
            }
            Subscription sub1 = closeLater(b.watch(s, pool(), e -> {}));
            Subscription sub2 = closeLater(b.watch(s, pool(), e -> {}));
            await("one native watch of " + s, propagation())
                    .untilAsserted(
                            () -> assertThat(faults().nativeWatches(b, s)).isEqualTo(1));
            for (int i = 0; i < 4; i++) {
                watchers.get(i).stop();
            }
            sub1.close();
            assertThat(faults().nativeWatches(b, s))
                    .as("native watches while a watcher and a listener remain")
                    .isEqualTo(1);
            watchers.get(4).stop();
            sub2.close();
            await("the native watch to be closed with the last watcher", propagation())
                    .untilAsserted(
                            () -> assertThat(faults().nativeWatches(b, s)).isZero());
            Watcher again = closeLater(b.watch(s));
            assertThat(new Probe(again).next(propagation())).isEmpty();
            await("a new native watch for a new watcher", propagation())
                    .untilAsserted(
                            () -> assertThat(faults().nativeWatches(b, s)).isEqualTo(1));
        }

        @Test
        @DisplayName("after a dropped watch, recovery is reported even when the list did not change")
        void recoveryWithAnUnchangedListIsReported() throws Exception {
            if (!requires(Fault.DROP_WATCH) || !capabilities().reportsStale()) {
                return;
            }
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            if (!listenersReportStale(b)) {
                return; // the default listener form has no STALE or RECOVERED events; its watcher is checked above
            }
            String s = service("recover");
            ServiceInstance x = instance(s, "x1", 1);
            a.register(x);
            Probe p = probe(b, s);
            p.until(List.of(x), propagation());
            RecordingListener l = listen(b, s);
            awaitLatest(l, List.of(x), propagation());
            faults().dropWatches(b);
            boolean wentStale;
            try {
                await("STALE after the drop", propagation())
                        .untilAsserted(() -> assertThat(l.types()).contains(WatchEvent.Type.STALE));
                wentStale = true;
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                wentStale = false; // the backend's SDK resumed the stream without an outage: nothing to recover
            }
            if (wentStale) {
                await("RECOVERED with the unchanged list", reRegistration()).untilAsserted(() -> {
                    List<WatchEvent> events = l.events();
                    WatchEvent last = events.get(events.size() - 1);
                    assertThat(last.type()).isEqualTo(WatchEvent.Type.RECOVERED);
                    assertThat(last.instances()).isEqualTo(List.of(x));
                });
            }
            Watcher w = closeLater(b.watch(s));
            await("the watcher to be fresh again", reRegistration())
                    .untilAsserted(() -> assertThat(w.isStale()).isFalse());
            assertThat(b.getService(s)).isEqualTo(List.of(x));
        }

        @Test
        @DisplayName("during an outage getService fails instead of answering from the stale cache")
        void getServiceIsNotServedFromAStaleCache() throws Exception {
            if (!requires(Fault.SERVER_RESTART) || !capabilities().reportsStale()) {
                return;
            }
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("stalecache");
            ServiceInstance x = instance(s, "x1", 1);
            a.register(x);
            Probe p = probe(b, s);
            p.until(List.of(x), propagation());
            Watcher staleCheck = closeLater(b.watch(s));
            boolean started = false;
            faults().stopServer();
            try {
                await("watcher to report stale state", reRegistration())
                        .untilAsserted(() -> assertThat(staleCheck.isStale()).isTrue());
                assertThatThrownBy(() -> b.getService(s))
                        .as("getService of a stale service")
                        .isInstanceOfSatisfying(
                                RegistryException.class,
                                e -> assertThat(e.isRetryable()).isTrue());
                faults().startServer();
                started = true;
            } finally {
                if (!started) {
                    faults().startServer();
                }
            }
            awaitInstances(b, s, List.of(x), reRegistration());
            await("the watcher to be fresh again", reRegistration())
                    .untilAsserted(() -> assertThat(staleCheck.isStale()).isFalse());
        }

        @Test
        @Timeout(300)
        @DisplayName("an outage longer than many retries: registrations and watches still come back")
        void outageLongerThanManyRetries() throws Exception {
            if (!requires(Fault.SERVER_RESTART)) {
                return;
            }
            // A short backoff where the backend takes one, so that many retries fit in the outage: the default one
            // reaches its 10 s cap from the seventh attempt, and twelve attempts would take more than a minute.
            ServiceRegistry quick = newRegistryWithBackoff(
                    io.registry4j.Backoff.exponential(Duration.ofMillis(20), Duration.ofMillis(500), 2.0));
            ServiceRegistry a = quick == null ? client() : closeLater(quick);
            ServiceRegistry b = client();
            List<RegistrationEvent> events = registrationEvents(a);
            String s = service("longoutage");
            ServiceInstance x = instance(s, "x1", 1);
            a.register(x);
            Probe p = probe(b, s);
            p.until(List.of(x), propagation());
            RecordingListener l = listen(b, s);
            awaitLatest(l, List.of(x), propagation());
            int manyRetries = 12;
            boolean started = false;
            faults().stopServer();
            try {
                if (events != null) {
                    try {
                        // Long enough for many retries where the backend retries during an outage; bounded for
                        // backends that wait for the server instead (their registrations are not lost meanwhile).
                        await("RETRYING attempt " + manyRetries, outage())
                                .untilAsserted(() -> assertThat(events)
                                        .filteredOn(e -> e.state() == RegistrationEvent.State.RETRYING)
                                        .hasSizeGreaterThanOrEqualTo(manyRetries));
                    } catch (org.awaitility.core.ConditionTimeoutException e) {
                        // Fewer attempts in that time (each may take a whole call timeout), or none at all (the
                        // backend waits for the server). A backend that did retry must still be retrying.
                        long tried = retries(events);
                        if (tried > 0) {
                            await("another RETRYING attempt after " + tried, reRegistration())
                                    .until(() -> retries(events) > tried);
                        }
                    }
                    List<Integer> attempts = new ArrayList<>();
                    events.stream()
                            .filter(e -> e.state() == RegistrationEvent.State.RETRYING)
                            .forEach(e -> attempts.add(e.attempt()));
                    for (int i = 0; i < attempts.size(); i++) {
                        assertThat(attempts.get(i))
                                .as("RETRYING attempts count up by one (the backoff grows with them)")
                                .isEqualTo(i + 1);
                    }
                }
                faults().startServer();
                started = true;
            } finally {
                if (!started) {
                    faults().startServer();
                }
            }
            awaitInstances(b, s, List.of(x), reRegistration());
            // The other client being back does not mean this one is: its connection may still be waiting out its
            // reconnect backoff, and a register meanwhile fails fast with a retryable error. Its own read says when.
            awaitInstances(a, s, List.of(x), reRegistration());
            ServiceInstance y = instance(s, "y1", 2);
            a.register(y);
            p.until(sorted(x, y), reRegistration());
            awaitLatest(l, sorted(x, y), reRegistration());
            Watcher w = closeLater(b.watch(s));
            await("the watcher to be fresh again", reRegistration())
                    .untilAsserted(() -> assertThat(w.isStale()).isFalse());
        }

        @Test
        @DisplayName("retries during an outage wait what the backoff gives: growing attempts, capped and jittered "
                + "delays, in every retry loop")
        void retriesUseAGrowingBackoff() throws Exception {
            if (!requires(Fault.SERVER_RESTART)) {
                return;
            }
            // Capped at 160 ms from attempt 4, each delay shortened by up to half at random, never under the
            // registry's 10 ms floor: a registry that waits anything else did not take the delay it was given.
            io.registry4j.Backoff base = io.registry4j.Backoff.exponential(
                            Duration.ofMillis(20), Duration.ofMillis(160), 2.0)
                    .withJitter(0.5);
            List<Step> log = new CopyOnWriteArrayList<>();
            io.registry4j.Backoff recording = attempt -> {
                String caller = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
                        .walk(frames -> frames.map(f -> f.getDeclaringClass().getName())
                                .filter(c -> !c.startsWith(RegistryCompatibilityKit.class.getName()))
                                .findFirst()
                                .orElse("?"));
                Duration d = base.delay(attempt);
                log.add(new Step(caller, Thread.currentThread(), attempt, d));
                return d;
            };
            java.util.concurrent.ScheduledThreadPoolExecutor timer =
                    new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
                        Thread t = new Thread(r, "kit-scheduler");
                        t.setDaemon(true);
                        return t;
                    });
            closeLater(() -> {
                timer.shutdownNow();
                assertThat(timer.awaitTermination(10, TimeUnit.SECONDS))
                        .as("kit scheduler ended")
                        .isTrue();
            });
            io.registry4j.spi.Scheduler inner = io.registry4j.spi.Scheduler.of(timer);
            io.registry4j.spi.Scheduler scheduler = (delay, task) -> {
                log.add(new Step(null, Thread.currentThread(), 0, delay));
                return inner.schedule(delay, task);
            };
            ServiceRegistry a = newRegistryWithBackoff(recording, scheduler);
            if (a == null) {
                assertThat(newRegistryWithBackoff(recording))
                        .as("a registry with a given backoff must also take the kit's scheduler, so that the delays "
                                + "it waits can be seen: override newRegistryWithBackoff(Backoff, Scheduler)")
                        .isNull();
                assertThat(backoffUnsupportedReason())
                        .as("reason the backend's test gives for not building a registry with a given backoff")
                        .isNotBlank();
                return;
            }
            closeLater(a);
            List<RegistrationEvent> events = registrationEvents(a);
            String s = service("backoff");
            a.register(instance(s, "x1", 1));
            Probe p = probe(a, s);
            p.until(List.of(instance(s, "x1", 1)), propagation());
            boolean started = false;
            faults().stopServer();
            try {
                try {
                    await("a retry loop asking for attempt 6, past the cap", outage())
                            .until(() -> log.stream().anyMatch(e -> e.caller() != null && e.attempt() >= 6));
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    // The backend waits for the server (its SDK reconnects) instead of retrying: what it asked for
                    // is still checked below.
                }
                faults().startServer();
                started = true;
            } finally {
                if (!started) {
                    faults().startServer();
                }
            }
            List<Step> steps = List.copyOf(log);
            List<Step> asked = new ArrayList<>();
            steps.forEach(e -> {
                if (e.caller() != null) {
                    asked.add(e);
                }
            });
            if (events != null && retries(events) > 0) {
                assertThat(asked)
                        .as("RETRYING was reported: the retries must take their delays from the registry's backoff")
                        .isNotEmpty();
            }
            Map<String, List<Integer>> attemptsByCaller = new java.util.LinkedHashMap<>();
            asked.forEach(e -> attemptsByCaller
                    .computeIfAbsent(e.caller(), c -> new ArrayList<>())
                    .add(e.attempt()));
            attemptsByCaller.forEach((caller, attempts) -> {
                if (attempts.size() >= 4) {
                    assertThat(attempts)
                            .as("attempts " + caller + " asked the backoff for: a delay that grows")
                            .anySatisfy(n -> assertThat(n).isGreaterThan(1));
                }
            });
            // Each delay the backoff gave is the delay the asking thread then scheduled, before it asked again: for
            // the shared layer's retry loops always, and for a backend's own loop once it waited a delay it was given
            // (a backend may use the backoff for something other than a wait, such as HttpTransport's quarantine of a
            // failed server).
            java.util.Set<String> waiters = new java.util.HashSet<>();
            for (int i = 0; i < steps.size(); i++) {
                Step ask = steps.get(i);
                if (ask.caller() == null) {
                    continue;
                }
                if (ask.caller().startsWith("io.registry4j.spi.")) {
                    waiters.add(ask.caller());
                }
                for (int j = i + 1; j < steps.size(); j++) {
                    Step e = steps.get(j);
                    if (e.thread() == ask.thread()) {
                        if (e.caller() == null && e.delay().equals(ask.delay())) {
                            waiters.add(ask.caller());
                        }
                        break;
                    }
                }
            }
            for (int i = 0; i < steps.size(); i++) {
                Step ask = steps.get(i);
                if (ask.caller() == null || !waiters.contains(ask.caller())) {
                    continue;
                }
                List<Duration> scheduledAfter = new ArrayList<>();
                boolean threadWentOn = false;
                for (int j = i + 1; j < steps.size(); j++) {
                    Step e = steps.get(j);
                    if (e.thread() != ask.thread()) {
                        continue;
                    }
                    threadWentOn = true;
                    if (e.caller() != null) {
                        break;
                    }
                    scheduledAfter.add(e.delay());
                }
                if (!threadWentOn) {
                    continue; // its thread's last step: the schedule may be on its way as the steps were copied
                }
                assertThat(scheduledAfter)
                        .as(ask.caller() + " asked the backoff for attempt " + ask.attempt() + " and got "
                                + ask.delay() + "; the delays it then scheduled (the wait must be the backoff's "
                                + "delay: capped, jittered)")
                        .contains(ask.delay());
            }
        }

        /** A backoff answer (with its caller) or a delay given to the scheduler (no caller), on a thread. */
        private record Step(@Nullable String caller, Thread thread, int attempt, Duration delay) {}

        private static long retries(List<RegistrationEvent> events) {
            return events.stream()
                    .filter(e -> e.state() == RegistrationEvent.State.RETRYING)
                    .count();
        }

        @Test
        @DisplayName("an update that a replaced watch delivers late does not overwrite the newer view")
        void lateUpdateFromAReplacedWatchIsIgnored() throws Exception {
            if (!requires(Fault.LATE_UPDATE)) {
                return;
            }
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("late");
            ServiceInstance x = instance(s, "x1", 1);
            ServiceInstance y = instance(s, "y1", 2);
            a.register(x);
            Probe p = probe(b, s);
            p.until(List.of(x), propagation());
            RecordingListener l = listen(b, s);
            awaitLatest(l, List.of(x), propagation());
            faults().dropWatchesHoldingAnUpdate(b, s); // holds back [x] from the dropped stream
            a.register(y);
            p.until(sorted(x, y), reRegistration());
            awaitLatest(l, sorted(x, y), reRegistration());
            Watcher w = closeLater(b.watch(s));
            await("the watch to be fresh again", reRegistration())
                    .untilAsserted(() -> assertThat(w.isStale()).isFalse());
            int before = l.count();
            faults().deliverHeldUpdate(b, s);
            await("the view to keep " + ids(sorted(x, y)) + " after the late " + ids(List.of(x)), propagation())
                    .during(propagation().dividedBy(10))
                    .untilAsserted(() -> {
                        assertThat(b.getService(s)).isEqualTo(sorted(x, y));
                        assertThat(l.latest()).isEqualTo(sorted(x, y));
                    });
            a.deregister(x);
            assertThat(p.until(
                            list -> list.equals(List.of(y)) || list.equals(List.of(x)),
                            "the next change or the late list",
                            propagation()))
                    .as("the watcher's next list after the late update")
                    .isEqualTo(List.of(y));
            awaitLatest(l, List.of(y), propagation());
            List<WatchEvent> events = l.events();
            assertThat(events.subList(before, events.size()))
                    .as("listener events after the late update")
                    .noneMatch(e -> e.instances().equals(List.of(x)));
        }

        @Test
        @DisplayName("a deregistered instance stays gone past the keepalive interval")
        void deregisteredIsNotBroughtBackByAScheduledKeepalive() {
            ServiceRegistry a = client();
            ServiceRegistry b = client();
            String s = service("keepalive");
            ServiceInstance x = instance(s, "x1", 1);
            ServiceInstance y = instance(s, "y1", 2);
            a.register(x);
            a.register(y);
            awaitInstances(b, s, sorted(x, y));
            a.deregister(x);
            awaitInstances(b, s, List.of(y));
            Awaitility.await("x to stay deregistered")
                    .during(propagation())
                    .atMost(propagation().multipliedBy(2))
                    .pollInterval(Duration.ofMillis(50))
                    .untilAsserted(() -> assertThat(b.getService(s)).isEqualTo(List.of(y)));
        }
    }

    // ---- ownership: one scenario of its own, separate from the groups above ----

    @Nested
    @DisplayName("Ownership")
    class OwnershipTests {

        @Test
        @DisplayName("a second client registering the id of a live instance gets CONFLICT or leaves the first's entry")
        void secondClientDoesNotTakeOverALiveInstance() {
            String reason = takeoverUndetectable();
            if (reason != null) {
                assertThat(reason)
                        .as("reason the backend cannot detect a takeover")
                        .isNotBlank();
                return;
            }
            ServiceRegistry first = client();
            ServiceRegistry second = newRegistry();
            ServiceRegistry observer = client();
            String s = service("owner");
            ServiceInstance mine = instance(s, "x1", 1);
            ServiceInstance intruder = instance(s, "x1", 2);
            first.register(mine);
            awaitInstances(observer, s, List.of(mine));
            try {
                try {
                    second.register(intruder);
                    await("the first client's entry to stay while the second one runs", propagation())
                            .during(propagation().dividedBy(2))
                            .untilAsserted(
                                    () -> assertThat(observer.getService(s)).isEqualTo(List.of(mine)));
                } catch (RegistryException e) {
                    assertThat(e.kind()).as(String.valueOf(e.getMessage())).isEqualTo(RegistryException.Kind.CONFLICT);
                }
            } finally {
                second.close();
            }
            awaitInstances(observer, s, List.of(mine));
            assertThat(observer.getService(s))
                    .as("the first client's entry after the second closed")
                    .isEqualTo(List.of(mine));
        }
    }
}
