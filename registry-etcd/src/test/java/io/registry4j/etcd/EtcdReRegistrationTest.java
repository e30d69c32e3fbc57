package io.registry4j.etcd;

import static io.registry4j.etcd.EtcdTestSupport.await;
import static io.registry4j.etcd.EtcdTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.LeaseOption;
import io.registry4j.RegistrationEvent;
import io.registry4j.RegistrationEvent.State;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.testservers.EtcdServer;
import java.text.MessageFormat;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Registration as desired state against a real etcd server that goes away for longer than the lease TTL, comes back
 * wiped, or has its leases revoked: each test owns its server, since it breaks it.
 */
@DisplayName("etcd re-registration on a real etcd server")
class EtcdReRegistrationTest {
    private static final Duration TTL = Duration.ofSeconds(3);

    private EtcdServer server;
    private Client plain;

    @BeforeEach
    void startServer() {
        server = EtcdServer.start();
        assumeTrue(server.supportsRestart(), "needs a local etcd it can stop, not REGISTRY4J_TEST_ETCD");
        plain = EtcdTestSupport.plainClient(server);
    }

    @AfterEach
    void stopServer() {
        if (plain != null) {
            plain.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private EtcdRegistry registry() {
        return EtcdRegistry.builder()
                .endpoints(server.endpoints().split(","))
                .ttl(TTL)
                .backoff(EtcdTestSupport.FAST)
                .build();
    }

    private static ServiceInstance instance(String id) {
        return ServiceInstance.builder()
                .id(id)
                .name("orders")
                .version("1.0.0")
                .endpoint("grpc://127.0.0.1:9000")
                .build();
    }

    private List<KeyValue> read(String key) throws Exception {
        return await(plain.getKVClient().get(bytes(key))).getKvs();
    }

    @Test
    @DisplayName("an instance is back within TTL + backoff after the server was down for longer than the TTL")
    void instanceIsBackAfterLongOutage() throws Exception {
        try (EtcdRegistry registry = registry()) {
            List<RegistrationEvent> events = new CopyOnWriteArrayList<>();
            registry.addRegistrationListener(Runnable::run, events::add);
            ServiceInstance x = instance("x1");
            registry.register(x);
            long firstLease = read("/microservices/orders/x1").get(0).getLease();

            server.stop();
            // The lease is declared lost once no renewal succeeded for a whole TTL (counted from the last renewal,
            // which may precede the stop by up to a keepalive interval): the outage has outlasted the lease.
            Awaitility.await("the lease to be declared lost")
                    .atMost(TTL.multipliedBy(3))
                    .until(() -> events.stream().anyMatch(e -> e.state() == State.LOST));
            assertThat(registry.keepAliveHealthy()).isTrue(); // the lost lease is no longer kept, none is failing

            server.restart();
            long restarted = System.nanoTime();
            // The bound: the TTL (etcd restores leases with a fresh TTL, so the old key may linger that long, but
            // ours is put again on a new lease as soon as a retry gets through), plus the backoff cap, plus gRPC's
            // own reconnect delay after a long outage.
            Duration bound = TTL.plus(Duration.ofMillis(500)).plusSeconds(3);
            Awaitility.await("the instance to be back on a new lease")
                    .atMost(bound)
                    .pollInterval(Duration.ofMillis(50))
                    .ignoreExceptions()
                    .until(() -> {
                        List<KeyValue> kvs = read("/microservices/orders/x1");
                        return kvs.size() == 1 && kvs.get(0).getLease() != firstLease;
                    });
            Duration back = Duration.ofNanos(System.nanoTime() - restarted);
            System.out.println("etcd re-registration: instance back " + back.toMillis() + " ms after the restart");
            Awaitility.await("RESTORED")
                    .atMost(bound)
                    .until(() -> events.stream().anyMatch(e -> e.state() == State.RESTORED));
            assertThat(events)
                    .extracting(RegistrationEvent::state)
                    .containsSubsequence(State.REGISTERED, State.LOST, State.RESTORED);
            assertThat(registry.getService("orders")).containsExactly(x);
        }
    }

    @Test
    @DisplayName("after the server comes back wiped, every instance is registered again and watchers see them")
    void instancesComeBackAfterWipe() throws Exception {
        try (EtcdRegistry a = registry();
                EtcdRegistry b = registry()) {
            List<RegistrationEvent> events = new CopyOnWriteArrayList<>();
            a.addRegistrationListener(Runnable::run, events::add);
            ServiceInstance x = instance("x1");
            ServiceInstance y = instance("y1");
            a.register(x);
            a.register(y);
            var watcher = b.watch("orders");
            assertThat(watcher.next()).containsExactly(x, y);

            server.restartWiped();

            // The leases are unknown to the new server: their renewal answers "not found".
            Awaitility.await("both instances restored")
                    .atMost(TTL.multipliedBy(3))
                    .until(() -> events.stream()
                                    .filter(e -> e.state() == State.RESTORED)
                                    .map(RegistrationEvent::instance)
                                    .distinct()
                                    .count()
                            == 2);
            // The watch resumed at a revision the new server does not have: it is read again from scratch.
            Awaitility.await("the watcher to see both again")
                    .atMost(TTL.multipliedBy(3))
                    .ignoreExceptions()
                    .until(() -> b.getService("orders").equals(List.of(x, y)));
            assertThat(read("/microservices/orders/x1")).hasSize(1);
            assertThat(read("/microservices/orders/y1")).hasSize(1);
        }
    }

    @Test
    @DisplayName("while the server is down the key check never logs that the keepalive works again; once back it does")
    void noFalseWorksAgainDuringAnOutage() throws Exception {
        Duration keyCheck = Duration.ofMillis(300);
        List<String> logged = new CopyOnWriteArrayList<>();
        Logger library = Logger.getLogger("io.registry4j");
        Level level = library.getLevel();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                Object[] parameters = r.getParameters();
                String message = String.valueOf(r.getMessage());
                logged.add(r.getLevel() + " "
                        + (parameters == null || parameters.length == 0
                                ? message
                                : MessageFormat.format(message, parameters)));
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        library.addHandler(capture);
        library.setLevel(Level.INFO);
        try (EtcdRegistry registry = EtcdRegistry.builder()
                .endpoints(server.endpoints().split(","))
                .ttl(Duration.ofSeconds(10)) // longer than the outage: the lease survives it
                .keyCheckInterval(keyCheck)
                .backoff(EtcdTestSupport.FAST)
                .build()) {
            registry.register(instance("x1"));
            server.stop();
            Awaitility.await("the keepalive to fail and the key check to report it")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> !registry.keepAliveHealthy()
                            && logged.stream().anyMatch(l -> l.contains("keepalive of orders/x1 failed")));
            // The bug: the key check asked the lease table, not the server, and logged "works again" at its next run.
            Awaitility.await("several key checks while the server is down")
                    .during(keyCheck.multipliedBy(5))
                    .atMost(keyCheck.multipliedBy(20))
                    .until(() -> logged.stream().noneMatch(l -> l.contains("works again")));
            server.restart();
            Awaitility.await("the key check to work again once the server is back")
                    .atMost(Duration.ofSeconds(15))
                    .until(() -> logged.stream().anyMatch(l -> l.contains("keepalive of orders/x1 works again")));
        } finally {
            library.removeHandler(capture);
            library.setLevel(level);
        }
    }

    @Test
    @DisplayName("while the server is down the keepalive is reported unhealthy, and healthy again once it is back")
    void keepAliveHealthFollowsTheServer() throws Exception {
        try (EtcdRegistry registry = EtcdRegistry.builder()
                .endpoints(server.endpoints().split(","))
                .ttl(Duration.ofSeconds(10)) // longer than the outage: the lease survives it
                .backoff(EtcdTestSupport.FAST)
                .build()) {
            List<RegistrationEvent> events = new CopyOnWriteArrayList<>();
            registry.addRegistrationListener(Runnable::run, events::add);
            registry.register(instance("x1"));
            long lease = read("/microservices/orders/x1").get(0).getLease();
            assertThat(registry.keepAliveHealthy()).isTrue();

            server.stop();
            Awaitility.await("the keepalive to fail")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> !registry.keepAliveHealthy());
            server.restart();
            Awaitility.await("the keepalive to work again")
                    .atMost(Duration.ofSeconds(15))
                    .until(registry::keepAliveHealthy);

            assertThat(read("/microservices/orders/x1").get(0).getLease())
                    .as("the same lease, renewed")
                    .isEqualTo(lease);
            assertThat(events).extracting(RegistrationEvent::state).containsExactly(State.REGISTERED);
        }
    }

    @Test
    @DisplayName("register while the server is down fails with TIMEOUT within the call timeout and leaves nothing")
    void registerWhileDownTimesOut() throws Exception {
        try (EtcdRegistry registry = EtcdRegistry.builder()
                .endpoints(server.endpoints().split(","))
                .ttl(TTL)
                .callTimeout(Duration.ofMillis(800))
                .build()) {
            server.stop();
            long start = System.nanoTime();
            assertThatThrownBy(() -> registry.register(instance("x1")))
                    .isInstanceOfSatisfying(RegistryException.class, e -> {
                        assertThat(e.kind()).isEqualTo(RegistryException.Kind.TIMEOUT);
                        assertThat(e.getMessage()).contains("/microservices/orders/x1");
                    });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            server.restart();
            // The failed registration is not kept: nothing is written once the server is back. The client reconnects
            // on gRPC's own backoff (1 s and growing after the failed attempts), so the first read may time out.
            Awaitility.await("a read of the restarted server, finding nothing")
                    .atMost(Duration.ofSeconds(15))
                    .ignoreExceptionsInstanceOf(RegistryException.class)
                    .untilAsserted(
                            () -> assertThat(registry.getService("orders")).isEmpty());
            assertThat(registry.leaseIds()).isEmpty();
            ServiceInstance x = instance("x1");
            registry.register(x);
            assertThat(registry.getService("orders")).containsExactly(x);
        }
    }

    @Test
    @DisplayName("deregister revokes the instance's lease, which removes its key")
    void deregisterRevokesTheLease() throws Exception {
        try (EtcdRegistry registry = registry()) {
            ServiceInstance x = instance("x1");
            registry.register(x);
            long lease = read("/microservices/orders/x1").get(0).getLease();
            registry.deregister(x);
            assertThat(read("/microservices/orders/x1")).isEmpty();
            assertThat(await(plain.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT))
                            .getTTL())
                    .as("TTL of a revoked lease")
                    .isEqualTo(-1);
        }
    }
}
