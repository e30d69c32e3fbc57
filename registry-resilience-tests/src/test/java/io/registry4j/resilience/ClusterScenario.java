package io.registry4j.resilience;

import static io.registry4j.resilience.Scenarios.bound;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.registry4j.RegistrationEvent;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.Subscription;
import io.registry4j.WatchEvent;
import io.registry4j.testkit.RegistryLeakCheck;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A three-member cluster loses its leader, then a second member (no quorum), then gets both back. Expected: the
 * registrations survive the leader loss and survive or are restored after the quorum loss; a watcher in another
 * client goes stale during the quorum loss with its last list (never an empty one) and recovers with the full list;
 * afterwards the server holds each instance exactly once and nothing that was deregistered.
 */
@ExtendWith(RegistryLeakCheck.class)
abstract class ClusterScenario {
    static final String SERVICE = "orders";

    /** The cluster, as the scenario drives it. */
    interface Cluster extends AutoCloseable {
        int size();

        OptionalInt leader();

        void kill(int member);

        void restart(int member);

        @Override
        void close();
    }

    abstract String backend();

    abstract Cluster startCluster();

    /** A registry on all members, with short lease/session timeouts. */
    abstract ServiceRegistry open(Cluster cluster);

    /** The instance ids under {@link #SERVICE} as the servers hold them, read with the native client. */
    abstract List<String> stored(Cluster cluster) throws Exception;

    /** The documented bound of a registration lost with its lease or session, in words. */
    abstract String registrationBound();

    /** The documented bound of a watcher's stale and recovered reports, in words. */
    abstract String watchBound();

    @Test
    void survivesLeaderLossAndQuorumLoss() throws Exception {
        try (Cluster cluster = startCluster();
                ServiceRegistry owner = open(cluster);
                ServiceRegistry observer = open(cluster)) {
            Timeline ownerLog = new Timeline();
            Timeline watchLog = new Timeline();
            Subscription registrations = owner.addRegistrationListener(Runnable::run, ownerLog);
            Subscription watch = observer.watch(SERVICE, Runnable::run, watchLog);
            try {
                List<ServiceInstance> first = Scenarios.instances(SERVICE, "o", 3);
                first.forEach(owner::register);
                await().atMost(bound(Duration.ofSeconds(10)))
                        .until(() -> Scenarios.ids(watchLog.latest()).equals(List.of("o-0", "o-1", "o-2")));

                // 1. The leader dies: a new one is elected, registrations stay, writes work again.
                int leader = awaitLeader(cluster);
                long killed = System.nanoTime();
                cluster.kill(leader);
                int next = awaitLeaderOtherThan(cluster, leader);
                RecoveryTimes.record(
                        scenario(),
                        backend(),
                        "new leader elected after leader killed",
                        RecoveryTimes.since(killed),
                        "election timeout of the test cluster (~0.5-1 s)");
                ServiceInstance added = Scenarios.instance(SERVICE, "o-3");
                await().atMost(bound(Duration.ofSeconds(20)))
                        .ignoreException(RegistryException.class)
                        .until(() -> {
                            owner.register(added);
                            return true;
                        });
                await().atMost(bound(Duration.ofSeconds(20)))
                        .until(() -> Scenarios.ids(watchLog.latest()).size() == 4);
                RecoveryTimes.record(
                        scenario(),
                        backend(),
                        "write after leader loss visible to another client",
                        RecoveryTimes.since(killed),
                        "election + one call");
                // A watch stream on the killed member breaks: the watcher may report STALE, but keeps its list and
                // recovers; it never delivers a list without the instances that were registered all along.
                await().atMost(bound(Duration.ofSeconds(20))).until(() -> {
                    List<WatchEvent.Type> types = watchLog.types(killed);
                    return types.lastIndexOf(WatchEvent.Type.STALE) < types.lastIndexOf(WatchEvent.Type.RECOVERED)
                            || !types.contains(WatchEvent.Type.STALE);
                });
                // Unless the owner's lease/session itself was lost meanwhile (then its instances may be missing
                // until they are restored), no list misses an instance registered all along.
                if (!ownerLog.states(killed).contains(RegistrationEvent.State.LOST)) {
                    for (WatchEvent event : watchLog.watches(killed)) {
                        assertThat(Scenarios.ids(event.instances()))
                                .as("a %s event during the leader loss", event.type())
                                .contains("o-0", "o-1", "o-2");
                    }
                }
                if (watchLog.types(killed).contains(WatchEvent.Type.STALE)) {
                    RecoveryTimes.record(
                            scenario(),
                            backend(),
                            "watcher RECOVERED after its member was killed",
                            Duration.ofNanos(watchLog.firstAt(killed, WatchEvent.Type.RECOVERED)
                                            .getAsLong()
                                    - killed),
                            watchBound());
                }

                // 2. A second member dies: no quorum. The watcher goes stale with its last list, never empty.
                long quorumLost = System.nanoTime();
                cluster.kill(next);
                await().atMost(bound(Duration.ofSeconds(30)))
                        .until(() -> watchLog.firstAt(quorumLost, WatchEvent.Type.STALE)
                                .isPresent());
                RecoveryTimes.record(
                        scenario(),
                        backend(),
                        "watcher STALE after quorum lost",
                        Duration.ofNanos(watchLog.firstAt(quorumLost, WatchEvent.Type.STALE)
                                        .getAsLong()
                                - quorumLost),
                        watchBound());
                // It stays so past the lease/session timeout, and never reports an empty (or any other) list.
                await().during(bound(Duration.ofSeconds(3)))
                        .atMost(bound(Duration.ofSeconds(5)))
                        .untilAsserted(() -> {
                            for (WatchEvent event : watchLog.watches(quorumLost)) {
                                assertThat(event.type()).isEqualTo(WatchEvent.Type.STALE);
                                assertThat(Scenarios.ids(event.instances()))
                                        .as("the list of a stale event")
                                        .containsExactly("o-0", "o-1", "o-2", "o-3");
                            }
                        });

                // 3. Both come back: everything is restored, the watcher recovers with the full list.
                long restored = System.nanoTime();
                cluster.restart(leader);
                cluster.restart(next);
                await().atMost(bound(Duration.ofSeconds(30)))
                        .until(() -> watchLog.firstAt(restored, WatchEvent.Type.RECOVERED)
                                        .isPresent()
                                && Scenarios.ids(watchLog.latest()).size() == 4);
                RecoveryTimes.record(
                        scenario(),
                        backend(),
                        "watcher RECOVERED after quorum restored",
                        RecoveryTimes.since(restored),
                        watchBound());
                if (ownerLog.states(quorumLost).contains(RegistrationEvent.State.LOST)) {
                    await().atMost(bound(Duration.ofSeconds(30)))
                            .until(() -> ownerLog.states(quorumLost).lastIndexOf(RegistrationEvent.State.RESTORED)
                                    > ownerLog.states(quorumLost).lastIndexOf(RegistrationEvent.State.LOST));
                    RecoveryTimes.record(
                            scenario(),
                            backend(),
                            "registrations RESTORED after quorum restored",
                            Duration.ofNanos(ownerLog.firstAt(restored, RegistrationEvent.State.RESTORED)
                                            .orElse(System.nanoTime())
                                    - restored),
                            registrationBound());
                } else {
                    RecoveryTimes.record(
                            scenario(),
                            backend(),
                            "registrations survived (never LOST)",
                            Duration.ZERO,
                            registrationBound());
                }
                await().atMost(bound(Duration.ofSeconds(30)))
                        .untilAsserted(() -> assertThat(stored(cluster))
                                .as("each instance stored exactly once")
                                .containsExactlyInAnyOrder("o-0", "o-1", "o-2", "o-3"));

                // 4. No ghosts: a deregistered instance stays gone for longer than a lease/session.
                owner.deregister(first.get(0));
                await().atMost(bound(Duration.ofSeconds(10)))
                        .until(() -> Scenarios.ids(watchLog.latest()).equals(List.of("o-1", "o-2", "o-3")));
                long after = System.nanoTime();
                await().during(bound(Duration.ofSeconds(3)))
                        .atMost(bound(Duration.ofSeconds(6)))
                        .untilAsserted(
                                () -> assertThat(stored(cluster)).containsExactlyInAnyOrder("o-1", "o-2", "o-3"));
                assertThat(Scenarios.idSet(observer.getService(SERVICE)))
                        .isEqualTo(new TreeSet<>(Set.of("o-1", "o-2", "o-3")));
                assertThat(watchLog.types(after)).doesNotContain(WatchEvent.Type.STALE);
            } finally {
                watch.close();
                registrations.close();
            }
        }
    }

    String scenario() {
        return "cluster";
    }

    private static int awaitLeader(Cluster cluster) {
        return await().atMost(bound(Duration.ofSeconds(20)))
                .until(cluster::leader, OptionalInt::isPresent)
                .getAsInt();
    }

    private static int awaitLeaderOtherThan(Cluster cluster, int old) {
        return await().atMost(bound(Duration.ofSeconds(20)))
                .until(cluster::leader, l -> l.isPresent() && l.getAsInt() != old)
                .getAsInt();
    }
}
