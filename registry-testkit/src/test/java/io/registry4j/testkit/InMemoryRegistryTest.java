package io.registry4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.Backoff;
import io.registry4j.RegistrationEvent;
import io.registry4j.RegistrationEvent.State;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the kit cannot see from outside: timing of re-registration on a fake clock, ownership, the catalog. */
@ExtendWith(RegistryLeakCheck.class)
class InMemoryRegistryTest {
    private final InMemoryServer server = new InMemoryServer("unit");
    private final FakeClock clock = new FakeClock();

    @AfterEach
    void closeServer() {
        server.close();
    }

    private InMemoryRegistry registry() {
        return InMemoryRegistry.builder()
                .server(server)
                .clock(clock)
                .scheduler(clock.scheduler())
                .backoff(Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(8), 2.0))
                .build();
    }

    private static ServiceInstance inst(String id) {
        return ServiceInstance.builder()
                .id(id)
                .name("svc")
                .endpoint("grpc://h:1")
                .build();
    }

    @Test
    void reRegistersAfterAnOutageWithBackoffOnTheFakeClock() {
        try (InMemoryRegistry r = registry()) {
            List<RegistrationEvent> events = new CopyOnWriteArrayList<>();
            r.addRegistrationListener(Runnable::run, events::add);
            r.register(inst("a"));
            server.stop();
            server.start(true); // wiped: the session is expired and the instance lost
            server.stop(); // and down again before the repair runs
            clock.runDue();
            assertThat(clock.pendingDelays()).containsExactly(Duration.ofSeconds(1));
            clock.advance(Duration.ofSeconds(1));
            assertThat(clock.pendingDelays()).containsExactly(Duration.ofSeconds(2));
            clock.advance(Duration.ofSeconds(2));
            assertThat(clock.pendingDelays()).containsExactly(Duration.ofSeconds(4));
            server.start();
            clock.advance(Duration.ofSeconds(4));
            assertThat(server.list("svc")).containsOnlyKeys("a");
            assertThat(events)
                    .extracting(RegistrationEvent::state)
                    .containsExactly(
                            State.REGISTERED,
                            State.LOST,
                            State.RETRYING,
                            State.RETRYING,
                            State.RETRYING,
                            State.RESTORED);
            assertThat(events.get(5).at()).isEqualTo(clock.instant());
        }
    }

    @Test
    void neverOverwritesAnInstanceAnotherLiveClientOwns() {
        try (InMemoryRegistry a = registry();
                InMemoryRegistry b = registry()) {
            a.register(inst("x"));
            assertThatThrownBy(() -> b.register(inst("x")))
                    .isInstanceOfSatisfying(
                            RegistryException.class,
                            e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.CONFLICT));
            assertThat(a.getService("svc")).containsExactly(inst("x"));
        }
    }

    @Test
    void listsServicesWithInstances() {
        try (InMemoryRegistry a = registry()) {
            a.register(inst("x"));
            a.register(inst("y").toBuilder().name("other").build());
            assertThat(a.services()).containsExactly("other", "svc");
        }
    }

    @Test
    void aPrivateServerIsClosedWithItsRegistryAndAGivenOneIsNot() {
        InMemoryRegistry own = InMemoryRegistry.builder().build();
        InMemoryServer privateServer = own.server();
        own.close();
        assertThat(privateServer.isClosed()).isTrue();
        registry().close();
        assertThat(server.isClosed()).isFalse();
    }

    @Test
    void garbageIsCountedAndSkipped() {
        try (InMemoryRegistry a = registry()) {
            a.register(inst("x"));
            server.putRaw("svc", "junk", "not json");
            server.putRaw("svc", "wrong", "{\"id\":\"w\",\"name\":\"elsewhere\",\"endpoints\":[\"h://x:1\"]}");
            assertThat(a.getService("svc")).containsExactly(inst("x"));
            assertThat(a.skippedEntries()).isEqualTo(2);
        }
    }
}
