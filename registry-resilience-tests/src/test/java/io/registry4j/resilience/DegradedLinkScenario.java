package io.registry4j.resilience;

import static io.registry4j.resilience.Scenarios.bound;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import eu.rekawek.toxiproxy.model.Toxic;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import io.registry4j.RegistrationEvent;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.Subscription;
import io.registry4j.WatchEvent;
import io.registry4j.testkit.RegistryLeakCheck;
import io.registry4j.testservers.ToxiproxyServer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Links that work badly instead of not at all, made with Toxiproxy ({@link ToxiproxyServer}): an owner registry and a
 * watcher registry reach the server through a proxy, a third registry reaches it directly. Four toxics, each on a
 * fresh set of registries and a service of its own, and each removed after its test:
 *
 * <ol>
 *   <li>latency, 1 s each way with 200 ms of jitter: the registration stays under the same lease or connection, the
 *       watcher never goes stale, a change by the direct client reaches the watcher, and a write through the slow link
 *       reaches the direct client;
 *   <li>{@code timeout} (data stops flowing both ways, connections held open), kept until the watcher and a watch of
 *       the owner are STALE (and, where the client counts its lease down itself, the owner LOST): the watcher reports
 *       STALE with its last list (never an empty one), then RECOVERED with the truth (including what the direct
 *       client changed meanwhile) once the toxic is gone (Toxiproxy then closes the connections it held); the owner's
 *       events are exactly LOST, RETRYING…, RESTORED, and its instance is held under a new lease or connection;
 *   <li>{@code reset_peer} (connections reset with RST as data arrives), kept until the watcher has seen its stream
 *       reset: the watcher reconnects and ends on the truth, with the change whose push was reset and the one made
 *       after, nothing lost and nothing twice;
 *   <li>a bandwidth limit on the server's answers, with a service of {@value #BULK} instances: the watcher's first
 *       list and a later change both come through, and it ends on the truth.
 * </ol>
 *
 * <p>The degraded registries get calls of {@value #DEGRADED_CALL_SECONDS} s and, where the backend has one, a gRPC
 * keepalive timeout above the link's round trip: on a 2 s round trip a shorter bound would itself cut the link.
 * Every wait is an Awaitility bound; the figures go to {@link RecoveryTimes}.
 */
@ExtendWith({SharedServers.class, RegistryLeakCheck.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DegradedLinkScenario {
    /** The latency toxic: each way. */
    static final Duration LATENCY = Duration.ofSeconds(1);

    static final Duration JITTER = Duration.ofMillis(200);

    /** The size of the service of the bandwidth test. */
    static final int BULK = 200;

    /** The call timeout of the registries behind the proxy. */
    static final int DEGRADED_CALL_SECONDS = 10;

    /** The bound the scenario states for the watcher to be back on the truth after a toxic is removed. */
    static final Duration RECOVERY = Duration.ofSeconds(20);

    /** The backend's server, started once for the class, or shared. */
    interface Server extends AutoCloseable {
        /** The address a registry that talks to the server directly is given. */
        String address();

        /** What the server holds the instances of {@code service} under (leases, connections), read directly. */
        Set<String> holders(String service) throws Exception;

        @Override
        void close();
    }

    /** One proxy in front of the server: its name in Toxiproxy, and the upstream address it forwards to. */
    record Route(String name, String upstream) {}

    private @Nullable Server server;
    private @Nullable Link link;

    abstract String backend();

    abstract Server startServer();

    /** The routes of one client's traffic to the server (etcd: its client port; Nacos: HTTP and gRPC). */
    abstract List<Route> routes(Server server);

    /** Makes the proxies for {@code routes} and returns the address the degraded registries are given. */
    abstract String createProxies(ToxiproxyClient toxiproxy, List<Route> routes, List<Proxy> created)
            throws IOException;

    /** A registry that talks to the server directly. */
    abstract ServiceRegistry openDirect(String address);

    /** A registry behind the proxy: longer calls, see the class comment. */
    abstract ServiceRegistry openDegraded(String address);

    /**
     * Whether the owner learns of its loss while the data stops (its client counts the lease down itself: etcd); if
     * not (Nacos), LOST comes once the SDK has a new connection after the toxic is removed.
     */
    abstract boolean ownerLosesWhileStopped();

    /** How long the server and client take to notice that data stopped, in words, for the figures. */
    abstract String staleBound();

    /** How long a registration lives on the server without a renewal, in words, for the figures. */
    abstract String lossBound();

    /** A period long enough for one renewal or connection check through the degraded link. */
    abstract Duration renewalPeriod();

    /**
     * The bandwidth toxic on the server's answers, in KB/s: slow enough that a list of {@value #BULK} instances takes
     * seconds, fast enough that the largest answer fits in the client's request timeout (else no read could ever
     * finish, whatever the registry did).
     */
    abstract long bandwidthKb();

    @BeforeAll
    void startServerAndLink() throws IOException {
        ToxiproxyServer toxiproxy = SharedServers.toxiproxy();
        Server s = startServer();
        server = s;
        ToxiproxyClient client = new ToxiproxyClient(toxiproxy.apiHost(), toxiproxy.apiPort());
        List<Proxy> created = new ArrayList<>();
        String address = createProxies(client, routes(s), created);
        link = new Link(address, created);
    }

    @AfterEach
    void heal() throws IOException {
        Link l = link;
        if (l != null) {
            l.heal();
        }
    }

    @AfterAll
    void stopServerAndLink() throws IOException {
        Link l = link;
        Server s = server;
        try {
            if (l != null) {
                l.close();
            }
        } finally {
            if (s != null) {
                s.close();
            }
        }
    }

    private Server server() {
        Server s = server;
        if (s == null) {
            throw new IllegalStateException("the server did not start");
        }
        return s;
    }

    private Link link() {
        Link l = link;
        if (l == null) {
            throw new IllegalStateException("the proxies were not made");
        }
        return l;
    }

    /** Latency both ways: nothing is lost, the watcher stays current, writes go through. */
    @Test
    void latencyKeepsRegistrationsAndLists() throws Exception {
        String service = "slow-link";
        try (ServiceRegistry owner = openDegraded(link().address);
                ServiceRegistry watcher = openDegraded(link().address);
                ServiceRegistry direct = openDirect(server().address());
                Listening listening = new Listening(owner, watcher, service)) {
            Timeline ownerLog = listening.ownerLog;
            Timeline watchLog = listening.watchLog;
            owner.register(Scenarios.instance(service, "p-0"));
            awaitList(watchLog, "p-0");
            Set<String> before = server().holders(service);

            long slow = System.nanoTime();
            link().latency(LATENCY, JITTER);
            direct.register(Scenarios.instance(service, "d-0"));
            long changed = System.nanoTime();
            awaitList(watchLog, "d-0", "p-0");
            RecoveryTimes.record(
                    "degraded",
                    backend(),
                    "latency: a direct client's change reached the watcher behind the slow link",
                    RecoveryTimes.since(changed),
                    "one push through the link: 1 s + jitter after the server sends it");
            long write = System.nanoTime();
            owner.register(Scenarios.instance(service, "p-1"));
            RecoveryTimes.record(
                    "degraded",
                    backend(),
                    "latency: a registration through the slow link (the call)",
                    RecoveryTimes.since(write),
                    "the write's round trips, 2 s + jitter each");
            await().atMost(bound(Duration.ofSeconds(15)))
                    .until(() -> exactly(direct.getService(service), "d-0", "p-0", "p-1"));
            awaitList(watchLog, "d-0", "p-0", "p-1");
            // The link stays slow for at least one renewal or connection check; nothing may be lost or stale.
            Duration rest = renewalPeriod().minus(RecoveryTimes.since(slow));
            await().alias("no LOST, no STALE while the link is slow for one renewal period")
                    .during(rest.isNegative() ? Duration.ZERO : rest)
                    .atMost(bound(renewalPeriod().plusSeconds(10)))
                    .until(() -> !ownerLog.states(slow).contains(RegistrationEvent.State.LOST)
                            && !watchLog.types(slow).contains(WatchEvent.Type.STALE));
            assertThat(server().holders(service))
                    .as("the owner's instances are held as before the latency (same lease or connection)")
                    .containsAll(before);
            assertThat(ownerLog.states(slow))
                    .as("registration events while the link was slow")
                    .allSatisfy(state -> assertThat(state).isEqualTo(RegistrationEvent.State.REGISTERED));
            assertNoDuplicates(watchLog.watches(slow));
        }
    }

    /** Data stops flowing on open connections for longer than the backend's staleness bound, then flows again. */
    @Test
    void stoppedDataMakesTheWatcherStaleThenRecoveredWithTheTruth() throws Exception {
        String service = "stuck-link";
        try (ServiceRegistry owner = openDegraded(link().address);
                ServiceRegistry watcher = openDegraded(link().address);
                ServiceRegistry direct = openDirect(server().address());
                Listening listening = new Listening(owner, watcher, service)) {
            Timeline ownerLog = listening.ownerLog;
            Timeline watchLog = listening.watchLog;
            // The owner's own view of the link: its connection is as stuck as the watcher's once this is STALE.
            Timeline ownerWatchLog = listening.alsoWatch(owner, service);
            owner.register(Scenarios.instance(service, "p-0"));
            awaitList(watchLog, "p-0");
            awaitList(ownerWatchLog, "p-0");
            Set<String> before = server().holders(service);
            assertThat(before).hasSize(1);

            long stopped = System.nanoTime();
            link().timeout();
            // A change the watcher cannot see while the data stops.
            direct.register(Scenarios.instance(service, "d-0"));
            boolean losesWhileStopped = ownerLosesWhileStopped();
            await().alias("watcher and owner STALE" + (losesWhileStopped ? ", owner LOST" : "") + " while data stops")
                    .atMost(bound(Duration.ofSeconds(60)))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> watchLog.types(stopped).contains(WatchEvent.Type.STALE)
                            && ownerWatchLog.types(stopped).contains(WatchEvent.Type.STALE)
                            && (!losesWhileStopped || ownerLog.states(stopped).contains(RegistrationEvent.State.LOST)));
            RecoveryTimes.record(
                    "degraded",
                    backend(),
                    "timeout toxic: watcher STALE after data stopped",
                    Duration.ofNanos(
                            watchLog.firstAt(stopped, WatchEvent.Type.STALE).getAsLong() - stopped),
                    staleBound());
            if (losesWhileStopped) {
                RecoveryTimes.record(
                        "degraded",
                        backend(),
                        "timeout toxic: owner LOST after data stopped",
                        Duration.ofNanos(ownerLog.firstAt(stopped, RegistrationEvent.State.LOST)
                                        .getAsLong()
                                - stopped),
                        lossBound());
            }
            for (WatchEvent event : watchLog.watches(stopped)) {
                assertThat(event.type()).as("events while data stops").isEqualTo(WatchEvent.Type.STALE);
                assertThat(Scenarios.ids(event.instances()))
                        .as("the stale list: the last one, never empty")
                        .containsExactly("p-0");
            }

            long flowing = System.nanoTime();
            link().heal();
            await().alias("watcher RECOVERED with the truth and owner RESTORED after the toxic was removed")
                    .atMost(bound(RECOVERY))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() ->
                            watchLog.firstAt(flowing, WatchEvent.Type.RECOVERED).isPresent()
                                    && exactly(watchLog.latest(), "d-0", "p-0")
                                    && ownerLog.states(stopped).contains(RegistrationEvent.State.RESTORED));
            RecoveryTimes.record(
                    "degraded",
                    backend(),
                    "timeout toxic: watcher RECOVERED with the truth after the toxic was removed",
                    RecoveryTimes.since(flowing),
                    "stated bound " + RECOVERY.toSeconds() + " s");
            RecoveryTimes.record(
                    "degraded",
                    backend(),
                    "timeout toxic: owner RESTORED after the toxic was removed",
                    Duration.ofNanos(ownerLog.firstAt(flowing, RegistrationEvent.State.RESTORED)
                                    .getAsLong()
                            - flowing),
                    lossBound());
            List<RegistrationEvent.State> states = ownerLog.states(stopped);
            assertThat(states.get(0))
                    .as("the owner's first event once data stopped")
                    .isEqualTo(RegistrationEvent.State.LOST);
            assertThat(states.get(states.size() - 1)).isEqualTo(RegistrationEvent.State.RESTORED);
            assertThat(states.subList(1, states.size() - 1))
                    .allSatisfy(state -> assertThat(state).isEqualTo(RegistrationEvent.State.RETRYING));
            await().alias("the owner's instance held under a new lease or connection, the old one dropped")
                    .atMost(bound(RECOVERY))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertThat(server().holders(service))
                            .doesNotContainAnyElementsOf(before)
                            .hasSize(2));
            assertThat(Scenarios.ids(direct.getService(service))).containsExactlyInAnyOrder("d-0", "p-0");
            assertNoDuplicates(watchLog.watches(stopped));
        }
    }

    /** Connections reset mid-stream: the watch reconnects, nothing lost, nothing twice. */
    @Test
    void resetConnectionsLoseNothingAndDuplicateNothing() throws Exception {
        String service = "reset-link";
        try (ServiceRegistry owner = openDegraded(link().address);
                ServiceRegistry watcher = openDegraded(link().address);
                ServiceRegistry direct = openDirect(server().address());
                Listening listening = new Listening(owner, watcher, service)) {
            Timeline ownerLog = listening.ownerLog;
            Timeline watchLog = listening.watchLog;
            owner.register(Scenarios.instance(service, "p-0"));
            awaitList(watchLog, "p-0");

            long reset = System.nanoTime();
            link().resetPeer();
            // Its push to the watcher meets the toxic: the watcher's stream is reset in the middle.
            direct.register(Scenarios.instance(service, "d-0"));
            await().alias("the watcher's stream reset (STALE)")
                    .atMost(bound(Duration.ofSeconds(30)))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> watchLog.types(reset).contains(WatchEvent.Type.STALE));
            RecoveryTimes.record(
                    "degraded",
                    backend(),
                    "reset_peer: watcher STALE after its stream was reset",
                    Duration.ofNanos(
                            watchLog.firstAt(reset, WatchEvent.Type.STALE).getAsLong() - reset),
                    "at the reset, once the client sees the stream end");

            long healed = System.nanoTime();
            link().heal();
            direct.register(Scenarios.instance(service, "d-1"));
            await().alias("watcher RECOVERED with both changes after the resets stopped")
                    .atMost(bound(RECOVERY))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() ->
                            watchLog.firstAt(healed, WatchEvent.Type.RECOVERED).isPresent()
                                    && exactly(watchLog.latest(), "d-0", "d-1", "p-0"));
            RecoveryTimes.record(
                    "degraded",
                    backend(),
                    "reset_peer: watcher RECOVERED with the truth after the resets stopped",
                    RecoveryTimes.since(healed),
                    "backoff (≤ 0.5 s) + one read; stated bound " + RECOVERY.toSeconds() + " s");
            // The owner's registration: if the reset ended what held it, LOST then RESTORED; in any case held once.
            await().atMost(bound(RECOVERY)).until(() -> exactly(direct.getService(service), "d-0", "d-1", "p-0"));
            List<RegistrationEvent.State> states = ownerLog.states(reset);
            if (states.contains(RegistrationEvent.State.LOST)) {
                await().alias("owner RESTORED after its LOST")
                        .atMost(bound(RECOVERY))
                        .until(() -> ownerLog.states(reset)
                                .get(ownerLog.states(reset).size() - 1)
                                .equals(RegistrationEvent.State.RESTORED));
            }
            System.out.println("registry4j-resilience: degraded / " + backend() + ": owner's events after reset_peer: "
                    + ownerLog.states(reset));
            assertNoDuplicates(watchLog.watches(reset));
        }
    }

    /** A slow link and a big service: the first list and a later change both get through, and the watcher ends true. */
    @Test
    void narrowLinkStillDeliversAFullService() throws Exception {
        String service = "bulk-link";
        try (ServiceRegistry watcher = openDegraded(link().address);
                ServiceRegistry direct = openDirect(server().address())) {
            List<ServiceInstance> bulk = Scenarios.instances(service, "b", BULK);
            long writing = System.nanoTime();
            for (ServiceInstance instance : bulk) {
                direct.register(instance);
            }
            await().atMost(bound(Duration.ofSeconds(30)))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> direct.getService(service).size() == BULK);
            RecoveryTimes.record(
                    "degraded",
                    backend(),
                    "bandwidth: " + BULK + " instances registered directly (setup)",
                    RecoveryTimes.since(writing),
                    "none: setup");
            Timeline watchLog = new Timeline();
            link().bandwidth(bandwidthKb());
            long narrow = System.nanoTime();
            Subscription watch = watcher.watch(service, Runnable::run, watchLog);
            try {
                Set<String> truth = Scenarios.idSet(bulk);
                await().alias("the first list of " + BULK + " instances through " + bandwidthKb() + " KB/s")
                        .atMost(bound(Duration.ofSeconds(30)))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> Scenarios.idSet(watchLog.latest()).equals(truth));
                RecoveryTimes.record(
                        "degraded",
                        backend(),
                        "bandwidth " + bandwidthKb() + " KB/s: watcher's first list of " + BULK + " instances",
                        RecoveryTimes.since(narrow),
                        "the list's size over the rate; within the call timeout");
                long changed = System.nanoTime();
                for (int i = 0; i < 20; i++) {
                    direct.deregister(bulk.get(i));
                    truth.remove(bulk.get(i).id());
                }
                for (ServiceInstance extra : Scenarios.instances(service, "x", 10)) {
                    direct.register(extra);
                    truth.add(extra.id());
                }
                await().alias("the watcher on the truth after 20 deregistrations and 10 registrations")
                        .atMost(bound(Duration.ofSeconds(30)))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> Scenarios.idSet(watchLog.latest()).equals(truth));
                RecoveryTimes.record(
                        "degraded",
                        backend(),
                        "bandwidth " + bandwidthKb() + " KB/s: watcher on the truth after 30 changes",
                        RecoveryTimes.since(changed),
                        "the changes' pushes over the rate");
                assertThat(Scenarios.idSet(direct.getService(service))).isEqualTo(truth);
                assertThat(watchLog.types(narrow)).doesNotContain(WatchEvent.Type.STALE);
                assertNoDuplicates(watchLog.watches(narrow));
            } finally {
                // Closing deregisters: through a healthy link, so that the test does not wait for the toxic.
                link().heal();
                watch.close();
            }
        }
    }

    /**
     * What a case listens to: the owner's registration events and the watcher's lists of its service, and any further
     * watches. Closing heals the link first, so that the registries, closed after it, deregister through a healthy link
     * and the test does not wait for the toxic; then it ends the subscriptions, the latest first.
     */
    private final class Listening implements AutoCloseable {
        final Timeline ownerLog = new Timeline();
        final Timeline watchLog = new Timeline();
        private final Deque<Subscription> subscriptions = new ArrayDeque<>();

        Listening(ServiceRegistry owner, ServiceRegistry watcher, String service) {
            subscriptions.push(owner.addRegistrationListener(Runnable::run, ownerLog));
            subscriptions.push(watcher.watch(service, Runnable::run, watchLog));
        }

        /** Also watches {@code service} through {@code registry}; returns where its lists go. */
        Timeline alsoWatch(ServiceRegistry registry, String service) {
            Timeline log = new Timeline();
            subscriptions.push(registry.watch(service, Runnable::run, log));
            return log;
        }

        @Override
        public void close() throws IOException {
            link().heal();
            while (!subscriptions.isEmpty()) {
                subscriptions.pop().close();
            }
        }
    }

    /** Waits until the watcher's latest list is exactly {@code ids}. */
    private static void awaitList(Timeline watchLog, String... ids) {
        await().alias("the watcher's list to be " + List.of(ids))
                .atMost(bound(Duration.ofSeconds(15)))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> exactly(watchLog.latest(), ids));
    }

    /** Whether {@code instances} are exactly the instances {@code ids}, each once, in any order. */
    static boolean exactly(List<ServiceInstance> instances, String... ids) {
        return instances.size() == ids.length && Scenarios.idSet(instances).equals(new TreeSet<>(List.of(ids)));
    }

    /** No list a watcher delivered named an instance twice. */
    private static void assertNoDuplicates(List<WatchEvent> events) {
        for (WatchEvent event : events) {
            List<String> ids = Scenarios.ids(event.instances());
            assertThat(new TreeSet<>(ids)).as("ids of a %s list", event.type()).hasSize(ids.size());
        }
    }

    /** The proxies of the degraded clients, and the toxics on them. */
    static final class Link implements AutoCloseable {
        final String address;
        private final List<Proxy> proxies;

        Link(String address, List<Proxy> proxies) {
            this.address = address;
            this.proxies = List.copyOf(proxies);
        }

        /** Delays every chunk by {@code latency} ± {@code jitter}, both ways. */
        void latency(Duration latency, Duration jitter) throws IOException {
            for (Proxy proxy : proxies) {
                for (ToxicDirection direction : ToxicDirection.values()) {
                    proxy.toxics()
                            .latency("latency-" + direction, direction, latency.toMillis())
                            .setJitter(jitter.toMillis());
                }
            }
        }

        /** Stops all data both ways, on open and new connections alike, and keeps the connections open. */
        void timeout() throws IOException {
            for (Proxy proxy : proxies) {
                for (ToxicDirection direction : ToxicDirection.values()) {
                    proxy.toxics().timeout("timeout-" + direction, direction, 0);
                }
            }
        }

        /** Resets (TCP RST) each connection as soon as data arrives on it, either way. */
        void resetPeer() throws IOException {
            for (Proxy proxy : proxies) {
                for (ToxicDirection direction : ToxicDirection.values()) {
                    proxy.toxics().resetPeer("reset-" + direction, direction, 0);
                }
            }
        }

        /** Limits what the server sends to {@code kilobytesPerSecond}. */
        void bandwidth(long kilobytesPerSecond) throws IOException {
            for (Proxy proxy : proxies) {
                proxy.toxics().bandwidth("bandwidth", ToxicDirection.DOWNSTREAM, kilobytesPerSecond);
            }
        }

        /** Removes every toxic; data flows again on the connections that are still open. */
        void heal() throws IOException {
            for (Proxy proxy : proxies) {
                for (Toxic toxic : proxy.toxics().getAll()) {
                    toxic.remove();
                }
            }
        }

        @Override
        public void close() throws IOException {
            for (Proxy proxy : proxies) {
                proxy.delete();
            }
        }
    }
}
