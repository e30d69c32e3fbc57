package io.registry4j.resilience;

import static io.registry4j.resilience.Scenarios.bound;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.registry4j.RegistrationEvent;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.Subscription;
import io.registry4j.WatchEvent;
import io.registry4j.testkit.RegistryLeakCheck;
import io.registry4j.testservers.NetworkNamespace;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The server runs in its own network namespace; the link to it is cut (packets dropped silently, as in a real
 * partition) for longer than the lease/session timeout, then restored. Expected: the owner reports LOST, then
 * RETRYING while the server is unreachable, then RESTORED; a watcher in another client reports STALE with its last
 * list, then RECOVERED; the instance is visible again to that client within {@link #VISIBLE_AGAIN}, under a new lease
 * or session (proof that the server really dropped it). Where the owner's client cannot count the lease down itself
 * (Nacos, Eureka: see {@link #lossLearnedOnlyOnReturn()}), the link stays cut until the server, asked from inside the
 * namespace, has dropped the instance, and the owner's LOST, RETRYING…, RESTORED come once the link is back.
 */
@ExtendWith(RegistryLeakCheck.class)
abstract class PartitionScenario {
    static final String SERVICE = "payments";

    /** The bound the scenario states for the instance to be back for another client, after the link is restored. */
    static final Duration VISIBLE_AGAIN = Duration.ofSeconds(15);

    /** The server, started inside a namespace. */
    interface Server extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * The namespace and the server in it. {@code owned}: both were made for this test and are closed after it;
     * otherwise they are shared with other scenarios, and closing only heals the link if a failed test left it cut.
     */
    record Setup(NetworkNamespace namespace, Server server, boolean owned) implements AutoCloseable {
        @Override
        public void close() {
            if (namespace.isCut()) {
                namespace.restore();
            }
            if (owned) {
                try (namespace) {
                    server.close();
                }
            }
        }
    }

    abstract String backend();

    abstract Server start(NetworkNamespace namespace);

    /** A new namespace with a new server in it; backends whose server is slow to start share one instead. */
    Setup setUp() {
        NetworkNamespace namespace = NetworkNamespace.create();
        try {
            return new Setup(namespace, start(namespace), true);
        } catch (RuntimeException | Error e) {
            namespace.close();
            throw e;
        }
    }

    /**
     * Null when the owner learns of the loss while the link is still cut (its client counts the lease or session
     * down itself: etcd, ZooKeeper). Otherwise why it can learn of it only once the server answers again; the test
     * then keeps the link cut until the server, asked from inside the namespace, no longer holds the instance, and
     * expects LOST, RETRYING…, RESTORED after the link is restored.
     */
    @Nullable
    String lossLearnedOnlyOnReturn() {
        return null;
    }

    /**
     * Whether the server still holds the instance, asked from inside the namespace while the link is cut; needed
     * where {@link #lossLearnedOnlyOnReturn()} is not null.
     */
    boolean heldWhileCut(Setup setup, String id) throws Exception {
        throw new UnsupportedOperationException(backend() + " does not ask the server from inside the namespace");
    }

    /** A registry of {@code server}, with short lease/session timeouts. */
    abstract ServiceRegistry open(Server server);

    /** Who holds the instance's entry on the server (lease id, session id), or null if nothing does. */
    abstract String holder(Server server, String id) throws Exception;

    abstract String documentedBound();

    @Test
    void survivesPartitionLongerThanTheLease() throws Exception {
        try (Setup setup = setUp();
                ServiceRegistry owner = open(setup.server());
                ServiceRegistry observer = open(setup.server())) {
            NetworkNamespace namespace = setup.namespace();
            Server server = setup.server();
            @Nullable String blindWhileCut = lossLearnedOnlyOnReturn();
            Timeline ownerLog = new Timeline();
            Timeline watchLog = new Timeline();
            ServiceInstance instance = Scenarios.instance(SERVICE, "p-0");
            Subscription registrations = owner.addRegistrationListener(Runnable::run, ownerLog);
            Subscription watch = observer.watch(SERVICE, Runnable::run, watchLog);
            try {
                owner.register(instance);
                await().atMost(bound(Duration.ofSeconds(10)))
                        .until(() -> Scenarios.ids(watchLog.latest()).equals(List.of("p-0")));
                String before = holder(server, "p-0");
                assertThat(before).isNotNull();

                long cut = System.nanoTime();
                namespace.cut();
                if (blindWhileCut == null) {
                    await().alias("owner LOST then RETRYING, watcher STALE, while the link is cut")
                            .atMost(bound(Duration.ofSeconds(30)))
                            .until(() -> ownerLog.states(cut).contains(RegistrationEvent.State.LOST)
                                    && ownerLog.states(cut).contains(RegistrationEvent.State.RETRYING)
                                    && watchLog.types(cut).contains(WatchEvent.Type.STALE));
                    RecoveryTimes.record(
                            "partition",
                            backend(),
                            "owner LOST after link cut",
                            Duration.ofNanos(ownerLog.firstAt(cut, RegistrationEvent.State.LOST)
                                            .getAsLong()
                                    - cut),
                            documentedBound());
                } else {
                    await().alias("watcher STALE, and the server (asked inside the namespace) dropped the instance, "
                                    + "while the link is cut")
                            .atMost(bound(Duration.ofSeconds(60)))
                            .pollInterval(Duration.ofMillis(500))
                            .until(() ->
                                    watchLog.types(cut).contains(WatchEvent.Type.STALE) && !heldWhileCut(setup, "p-0"));
                    RecoveryTimes.record(
                            "partition",
                            backend(),
                            "server dropped the instance after link cut",
                            RecoveryTimes.since(cut),
                            documentedBound());
                    System.out.println("registry4j-resilience: partition / " + backend()
                            + ": the owner learns of the loss only when the server answers again: " + blindWhileCut);
                }
                RecoveryTimes.record(
                        "partition",
                        backend(),
                        "watcher STALE after link cut",
                        Duration.ofNanos(
                                watchLog.firstAt(cut, WatchEvent.Type.STALE).getAsLong() - cut),
                        documentedBound());
                for (WatchEvent event : watchLog.watches(cut)) {
                    assertThat(event.type()).isEqualTo(WatchEvent.Type.STALE);
                    assertThat(Scenarios.ids(event.instances()))
                            .as("the stale list")
                            .containsExactly("p-0");
                }

                long restored = System.nanoTime();
                namespace.restore();
                await().alias("owner RESTORED and watcher RECOVERED with the instance after the link came back")
                        .atMost(bound(VISIBLE_AGAIN))
                        .until(() -> ownerLog.firstAt(restored, RegistrationEvent.State.RESTORED)
                                        .isPresent()
                                && watchLog.firstAt(restored, WatchEvent.Type.RECOVERED)
                                        .isPresent()
                                && Scenarios.ids(watchLog.latest()).equals(List.of("p-0")));
                RecoveryTimes.record(
                        "partition",
                        backend(),
                        "owner RESTORED after link restored",
                        Duration.ofNanos(ownerLog.firstAt(restored, RegistrationEvent.State.RESTORED)
                                        .getAsLong()
                                - restored),
                        documentedBound());
                if (blindWhileCut != null) {
                    long lost =
                            ownerLog.firstAt(cut, RegistrationEvent.State.LOST).getAsLong();
                    RecoveryTimes.record(
                            "partition",
                            backend(),
                            lost - restored >= 0 ? "owner LOST after link restored" : "owner LOST after link cut",
                            Duration.ofNanos(lost - restored >= 0 ? lost - restored : lost - cut),
                            documentedBound());
                }
                RecoveryTimes.record(
                        "partition",
                        backend(),
                        "watcher RECOVERED with the instance after link restored",
                        RecoveryTimes.since(restored),
                        "stated bound " + VISIBLE_AGAIN.toSeconds() + " s");
                List<RegistrationEvent.State> states = ownerLog.states(cut);
                assertThat(states.get(0)).isEqualTo(RegistrationEvent.State.LOST);
                assertThat(states.get(states.size() - 1)).isEqualTo(RegistrationEvent.State.RESTORED);
                // Where the owner was blind while cut, the first write after the link came back may succeed at once.
                assertThat(states.subList(1, states.size() - 1))
                        .allSatisfy(state -> assertThat(state).isEqualTo(RegistrationEvent.State.RETRYING));
                assertThat(holder(server, "p-0"))
                        .as("the instance is held under a new lease/session: the server did drop the old one")
                        .isNotNull()
                        .isNotEqualTo(before);
                assertThat(Scenarios.ids(observer.getService(SERVICE))).containsExactly("p-0");
            } finally {
                watch.close();
                registrations.close();
            }
        }
    }
}
