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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The server runs in its own network namespace; the link to it is cut (packets dropped silently, as in a real
 * partition) for longer than the lease/session timeout, then restored. Expected: the owner reports LOST, then
 * RETRYING while the server is unreachable, then RESTORED; a watcher in another client reports STALE with its last
 * list, then RECOVERED; the instance is visible again to that client within {@link #VISIBLE_AGAIN}, under a new lease
 * or session (proof that the server really dropped it).
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

    abstract String backend();

    abstract Server start(NetworkNamespace namespace);

    /** A registry of {@code server}, with short lease/session timeouts. */
    abstract ServiceRegistry open(Server server);

    /** Who holds the instance's entry on the server (lease id, session id), or null if nothing does. */
    abstract String holder(Server server, String id) throws Exception;

    abstract String documentedBound();

    @Test
    void survivesPartitionLongerThanTheLease() throws Exception {
        try (NetworkNamespace namespace = NetworkNamespace.create();
                Server server = start(namespace);
                ServiceRegistry owner = open(server);
                ServiceRegistry observer = open(server)) {
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
                RecoveryTimes.record(
                        "partition",
                        backend(),
                        "watcher RECOVERED with the instance after link restored",
                        RecoveryTimes.since(restored),
                        "stated bound " + VISIBLE_AGAIN.toSeconds() + " s");
                List<RegistrationEvent.State> states = ownerLog.states(cut);
                assertThat(states.get(0)).isEqualTo(RegistrationEvent.State.LOST);
                assertThat(states.get(states.size() - 1)).isEqualTo(RegistrationEvent.State.RESTORED);
                assertThat(states.subList(1, states.size() - 1)).containsOnly(RegistrationEvent.State.RETRYING);
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
