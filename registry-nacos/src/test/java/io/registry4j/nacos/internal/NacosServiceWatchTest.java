package io.registry4j.nacos.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.listener.EventListener;
import com.alibaba.nacos.api.naming.listener.NamingEvent;
import com.alibaba.nacos.api.naming.pojo.Instance;
import io.registry4j.ServiceInstance;
import io.registry4j.nacos.NacosLayout;
import io.registry4j.spi.Scheduler;
import io.registry4j.spi.ServiceViews;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The watch's check of the SDK's cache against the server after a reconnect, on a scripted {@link NamingService} that
 * behaves as nacos-client's does for the calls the watch makes: {@code subscribe} fills the cache from the server
 * when the service was not subscribed and pushes a change to the listener, {@code getAllInstances(…, true)} answers
 * from the cache, {@code getAllInstances(…, false)} from the server. No Nacos server: the case under test (a push the
 * SDK dropped) cannot be produced on demand with a real one; the partition scenario of registry-resilience-tests
 * meets it on a real server.
 */
@DisplayName("NacosServiceWatch: the SDK's cache checked against the server after a reconnect (scripted SDK)")
class NacosServiceWatchTest {
    private static final String GROUP = "DEFAULT_GROUP";
    private static final NacosInstanceCodec CODEC =
            new NacosInstanceCodec(NacosLayout.PLAIN, List.of("grpc"), "grpc", "DEFAULT", 100, false, Set.of());

    private final Map<String, List<Instance>> server = new HashMap<>();
    private final Map<String, List<Instance>> cache = new HashMap<>();
    private final Map<String, EventListener> listeners = new HashMap<>();
    private final List<String> calls = new ArrayList<>();
    private final List<Runnable> now = new ArrayList<>();
    private final List<Runnable> later = new ArrayList<>();
    private final List<List<String>> updates = new ArrayList<>();

    private final Scheduler scheduler = (delay, task) -> {
        (delay.isZero() ? now : later).add(task);
        return () -> {};
    };

    private final ServiceViews.Sink sink = new ServiceViews.Sink() {
        @Override
        public void update(Collection<ServiceInstance> instances) {
            updates.add(instances.stream().map(ServiceInstance::id).sorted().toList());
        }

        @Override
        public void stale(Throwable cause) {}

        @Override
        public void failed(Throwable cause) {
            throw new AssertionError("watch failed", cause);
        }
    };

    private final NamingService naming = (NamingService) Proxy.newProxyInstance(
            NamingService.class.getClassLoader(), new Class<?>[] {NamingService.class}, (proxy, method, args) -> {
                String service = (String) args[0];
                switch (method.getName()) {
                    case "subscribe" -> {
                        calls.add("subscribe " + service);
                        boolean wasSubscribed = listeners.containsKey(service);
                        listeners.put(service, (EventListener) args[2]);
                        if (!wasSubscribed) {
                            List<Instance> fresh = List.copyOf(server.getOrDefault(service, List.of()));
                            List<Instance> old = cache.put(service, fresh);
                            if (old != null && !NacosServiceWatch.sameInstances(old, fresh)) {
                                listeners.get(service).onEvent(new NamingEvent(service, GROUP, "", fresh));
                            }
                        }
                        return null;
                    }
                    case "unsubscribe" -> {
                        calls.add("unsubscribe " + service);
                        listeners.remove(service);
                        return null;
                    }
                    case "getAllInstances" -> {
                        boolean subscribe = (Boolean) args[3];
                        calls.add((subscribe ? "read cache " : "read server ") + service);
                        return List.copyOf((subscribe ? cache : server).getOrDefault(service, List.of()));
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                }
            });

    private static ServiceInstance instance(String id, int port) {
        return ServiceInstance.builder()
                .id(id)
                .name("orders")
                .version("1")
                .endpoint("grpc://10.0.0.1:" + port)
                .build();
    }

    private void put(Map<String, List<Instance>> where, ServiceInstance... instances) {
        where.clear();
        for (ServiceInstance i : instances) {
            CODEC.encode(i)
                    .forEach((service, list) -> where.computeIfAbsent(service, s -> new ArrayList<>())
                            .addAll(list));
        }
    }

    private void runNow() {
        while (!now.isEmpty()) {
            now.remove(0).run();
        }
    }

    private void runLater() {
        List<Runnable> due = List.copyOf(later);
        later.clear();
        due.forEach(Runnable::run);
        runNow();
    }

    private NacosServiceWatch open() {
        NacosServiceWatch watch =
                NacosServiceWatch.open(naming, GROUP, "orders", CODEC, sink, (key, e) -> {}, scheduler);
        runNow();
        return watch;
    }

    @Test
    @DisplayName("a change the SDK's cache missed around a reconnect reaches the watchers: the watch subscribes again")
    void aChangeTheCacheMissedIsFetchedBySubscribingAgain() {
        put(server, instance("a", 1));
        try (NacosServiceWatch watch = open()) {
            assertThat(updates).last().isEqualTo(List.of("a"));

            // Around a reconnect the server gains b, but the push that carried it was dropped by the SDK.
            put(server, instance("a", 1), instance("b", 2));
            watch.scheduleRefresh();
            runNow();
            assertThat(updates).last().as("the SDK's cache, still without b").isEqualTo(List.of("a"));
            assertThat(later).as("the check against the server, after a delay").hasSize(1);

            calls.clear();
            runLater();
            assertThat(calls).containsSubsequence("read server orders", "unsubscribe orders", "subscribe orders");
            assertThat(updates).last().isEqualTo(List.of("a", "b"));
        }
    }

    @Test
    @DisplayName("a cache that agrees with the server is left alone")
    void aCacheThatAgreesIsLeftAlone() {
        put(server, instance("a", 1));
        try (NacosServiceWatch watch = open()) {
            watch.scheduleRefresh();
            runNow();
            calls.clear();
            runLater();
            assertThat(calls)
                    .as("only reads of the server, no subscription undone")
                    .isNotEmpty()
                    .allMatch(c -> c.startsWith("read server "));
            assertThat(updates).last().isEqualTo(List.of("a"));
        }
    }
}
