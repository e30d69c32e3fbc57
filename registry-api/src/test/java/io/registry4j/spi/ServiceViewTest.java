package io.registry4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.Backoff;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.WatchEvent;
import io.registry4j.Watcher;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** One view used directly, as a backend without {@link ServiceViews} would: updates, staleness, ordering, closing. */
class ServiceViewTest {

    private static ServiceInstance instance(String id, String endpoint, String version, String zone) {
        return ServiceInstance.builder()
                .id(id)
                .name("svc")
                .version(version)
                .putMetadata("zone", zone)
                .endpoint(endpoint)
                .build();
    }

    @Test
    void updatesAndStalenessReachWatchersAndListenersInTheViewsOrder() throws Exception {
        var view = new ServiceView("memory", "svc", new ManualScheduler(), Backoff.ofDefaults());
        assertThat(view.service()).isEqualTo("svc");
        assertThat(view.toString()).isEqualTo("ServiceView[memory/svc]");
        Watcher w = view.newWatcher(() -> {});
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        view.subscribe(Runnable::run, events::add, () -> {});
        // Ties on the id are ordered by endpoints, then version, then metadata, whatever order the backend gave.
        ServiceInstance e2 = instance("a", "grpc://h:2", "1", "z1");
        ServiceInstance e1v2 = instance("a", "grpc://h:1", "2", "z1");
        ServiceInstance e1v1z2 = instance("a", "grpc://h:1", "1", "z2");
        ServiceInstance e1v1z1 = instance("a", "grpc://h:1", "1", "z1");
        List<ServiceInstance> ordered = List.of(e1v1z1, e1v1z2, e1v2, e2);
        view.update(List.of(e2, e1v1z2, e1v2, e1v1z1));
        assertThat(w.next()).isEqualTo(ordered);
        assertThat(events).extracting(WatchEvent::type).containsExactly(WatchEvent.Type.INITIAL);
        assertThat(events.get(0).instances()).isEqualTo(ordered);

        view.markStale(new RuntimeException("backend down, on purpose"));
        assertThat(w.isStale()).isTrue();
        view.markStale(new RuntimeException("still down"));
        assertThat(events).extracting(WatchEvent::type).containsExactly(WatchEvent.Type.INITIAL, WatchEvent.Type.STALE);

        view.update(List.of(e1v1z1, e1v1z2, e1v2, e2));
        assertThat(w.isStale()).isFalse();
        assertThat(events)
                .extracting(WatchEvent::type)
                .containsExactly(WatchEvent.Type.INITIAL, WatchEvent.Type.STALE, WatchEvent.Type.RECOVERED);
        view.update(List.of(e2));
        assertThat(w.next()).isEqualTo(List.of(e2));
        assertThat(events.get(events.size() - 1).instances()).isEqualTo(List.of(e2));
        view.close();
    }

    @Test
    void aWatcherOrListenerAddedToAClosedViewIsRefusedAndReleased() {
        var view = new ServiceView("memory", "svc", new ManualScheduler(), Backoff.ofDefaults());
        view.close();
        AtomicInteger released = new AtomicInteger();
        assertThatThrownBy(() -> view.newWatcher(released::incrementAndGet))
                .isInstanceOfSatisfying(
                        RegistryException.class, e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.CLOSED));
        assertThat(released).as("the refused watcher gave its reference back").hasValue(1);
        assertThatThrownBy(() -> view.subscribe(Runnable::run, e -> {}, released::incrementAndGet))
                .isInstanceOfSatisfying(
                        RegistryException.class, e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.CLOSED));
        assertThat(released).as("the refused listener gave its reference back").hasValue(2);
        assertThat(OpenResources.open())
                .noneMatch(d -> d.startsWith("memory watcher of svc") || d.startsWith("memory listener of svc"));
    }
}
