package io.registry4j.eureka;

import static io.registry4j.testservers.TestTime.scaled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.Backoff;
import io.registry4j.RegistrationEvent;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.WatchEvent;
import io.registry4j.eureka.internal.EurekaInstanceCodec;
import io.registry4j.eureka.internal.EurekaRecord;
import io.registry4j.spi.Scheduler;
import io.registry4j.testkit.RecordingListener;
import io.registry4j.testkit.RegistryLeakCheck;
import io.registry4j.testservers.EurekaServer;
import io.registry4j.testservers.LoopbackPorts;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the Eureka backend promises beyond the kit, checked against the real Netflix Eureka server. */
@DisplayName("EurekaRegistry against the real Netflix Eureka server")
@ExtendWith(RegistryLeakCheck.class)
class EurekaRegistryTest {
    private static final Duration RENEW = Duration.ofSeconds(1);
    private static final Duration REFRESH = Duration.ofMillis(100);
    private static final Pattern LAST_DIRTY = Pattern.compile("\"lastDirtyTimestamp\"\\s*:\\s*\"?(\\d+)");
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private static @Nullable EurekaServer server;
    private static @Nullable EurekaAdmin admin;

    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startServer() {
        server = EurekaServer.start();
        admin = new EurekaAdmin(server().baseUri());
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @AfterEach
    void closeResources() throws Exception {
        List<AutoCloseable> all = new ArrayList<>(resources);
        Collections.reverse(all);
        for (AutoCloseable c : all) {
            c.close();
        }
        EurekaServer s = server();
        if (s.supportsRestart()) {
            s.resume(); // a failed test must not leave the server frozen for the next one
        }
    }

    private static EurekaServer server() {
        return Objects.requireNonNull(server, "server");
    }

    private static EurekaAdmin admin() {
        return Objects.requireNonNull(admin, "admin");
    }

    private static ConditionFactory await(String what) {
        return Awaitility.await(what)
                .atMost(scaled(Duration.ofSeconds(10)))
                .pollInterval(Duration.ofMillis(25))
                .ignoreExceptionsInstanceOf(RegistryException.class);
    }

    private static String service(String hint) {
        return hint + "-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
    }

    private <T extends AutoCloseable> T closeLater(T resource) {
        resources.add(resource);
        return resource;
    }

    private EurekaRegistry.Builder builder() {
        return EurekaRegistry.builder()
                .server(server().baseUri())
                .renewInterval(RENEW)
                .leaseDuration(Duration.ofSeconds(5))
                .refreshInterval(REFRESH)
                .callTimeout(Duration.ofSeconds(2))
                .backoff(Backoff.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2.0));
    }

    private EurekaRegistry registry() {
        return closeLater(builder().build());
    }

    private RecordingListener listen(EurekaRegistry registry, String service) {
        var l = new RecordingListener();
        closeLater(registry.watch(service, Runnable::run, l));
        return l;
    }

    private static ServiceInstance instance(String service, String id, int port) {
        return ServiceInstance.builder()
                .id(id)
                .name(service)
                .version("1.0.0")
                .putMetadata("zone", "z1")
                .endpoint("http://127.0.0.1:" + port)
                .build();
    }

    private static List<RegistrationEvent> events(EurekaRegistry registry) {
        List<RegistrationEvent> events = new CopyOnWriteArrayList<>();
        registry.addRegistrationListener(Runnable::run, events::add);
        return events;
    }

    @Test
    @DisplayName("instances registered by other Eureka clients are discovered as http(s)://ipAddr:port")
    void discoversInstancesOfOtherEurekaClients() {
        String s = service("legacy");
        String app = EurekaInstanceCodec.appName(s);
        admin().register(app, EurekaAdmin.foreignInstance(app, "host-1:" + s + ":8080", "10.1.2.3", 8080, Map.of()));
        admin().register(
                        app,
                        EurekaAdmin.foreignInstance(
                                        app, "host-2:" + s + ":8443", "10.1.2.4", 8080, Map.of("zone", "eu-1"))
                                .replace(
                                        "\"port\":{\"$\":8080,\"@enabled\":\"true\"},"
                                                + "\"securePort\":{\"$\":443,\"@enabled\":\"false\"}",
                                        "\"port\":{\"$\":8080,\"@enabled\":\"false\"},"
                                                + "\"securePort\":{\"$\":8443,\"@enabled\":\"true\"}"));
        try {
            var plain = ServiceInstance.builder()
                    .id("host-1:" + s + ":8080")
                    .name(s)
                    .endpoint("http://10.1.2.3:8080")
                    .build();
            var secure = ServiceInstance.builder()
                    .id("host-2:" + s + ":8443")
                    .name(s)
                    .putMetadata("zone", "eu-1")
                    .endpoint("https://10.1.2.4:8443")
                    .build();
            EurekaRegistry b = registry();
            await("the other clients' instances")
                    .untilAsserted(() -> assertThat(b.getService(s)).containsExactly(plain, secure));
            RecordingListener l = listen(b, s);
            await("a watcher to list them")
                    .untilAsserted(() -> assertThat(l.latest()).containsExactly(plain, secure));
            assertThat(b.services()).contains(s);
        } finally {
            admin().delete(app, "host-1:" + s + ":8080");
            admin().delete(app, "host-2:" + s + ":8443");
        }
    }

    @Test
    @DisplayName("two endpoints are two Eureka instances, each with its own metadata, and read back as one instance")
    void twoEndpointsRoundTrip() {
        String s = service("dual");
        var x = ServiceInstance.builder()
                .id("x1")
                .name(s)
                .version("3.1")
                .putMetadata("team", "payments")
                .endpoint("http://127.0.0.1:18080")
                .endpoint("grpcs://127.0.0.1:19443")
                .build();
        EurekaRegistry a = registry();
        a.register(x);
        List<EurekaRecord> records = admin().app(EurekaInstanceCodec.appName(s));
        assertThat(records)
                .extracting(EurekaRecord::instanceId)
                .containsExactlyInAnyOrder(
                        EurekaRegistry.instanceIdOf(x, x.endpoints().get(0)),
                        EurekaRegistry.instanceIdOf(x, x.endpoints().get(1)));
        for (EurekaRecord r : records) {
            int index = Integer.parseInt(r.metadata().get(EurekaInstanceCodec.INDEX));
            // Kratos shared one map between endpoints, so every instance carried the last endpoint (#3818).
            assertThat(r.metadata())
                    .containsEntry(
                            EurekaInstanceCodec.ENDPOINT,
                            x.endpoints().get(index).toString())
                    .containsEntry("team", "payments")
                    .containsEntry(EurekaInstanceCodec.ID, "x1");
            assertThat(r.ipAddr()).isEqualTo("127.0.0.1");
        }
        EurekaRecord grpcs = records.stream()
                .filter(r -> "1".equals(r.metadata().get(EurekaInstanceCodec.INDEX)))
                .findFirst()
                .orElseThrow();
        assertThat(grpcs.securePortEnabled()).isTrue();
        assertThat(grpcs.securePort()).isEqualTo(19443);
        assertThat(grpcs.portEnabled()).isFalse();
        EurekaRegistry b = registry();
        await("the instance to read back exactly")
                .untilAsserted(() -> assertThat(b.getService(s)).containsExactly(x));
        a.deregister(x);
        assertThat(admin().app(EurekaInstanceCodec.appName(s))).isEmpty();
    }

    @Test
    @DisplayName("two watchers of one service both receive every change")
    void twoWatchersOfOneServiceBothReceiveEveryChange() {
        String s = service("pair");
        EurekaRegistry a = registry();
        EurekaRegistry b = registry();
        RecordingListener first = listen(b, s);
        RecordingListener second = listen(b, s);
        ServiceInstance x = instance(s, "x1", 18001);
        ServiceInstance y = instance(s, "y1", 18002);
        List<List<ServiceInstance>> states = List.of(List.of(), List.of(x), List.of(x, y), List.of(y));
        await("both INITIAL").until(() -> first.count() == 1 && second.count() == 1);
        for (int i = 1; i < states.size(); i++) {
            switch (i) {
                case 1 -> a.register(x);
                case 2 -> a.register(y);
                default -> a.deregister(x);
            }
            List<ServiceInstance> expected = states.get(i);
            await("both watchers to see " + expected)
                    .untilAsserted(() ->
                            assertThat(List.of(first.latest(), second.latest())).containsOnly(expected));
        }
        assertThat(first.events()).extracting(WatchEvent::instances).containsExactlyElementsOf(states);
        assertThat(second.events()).extracting(WatchEvent::instances).containsExactlyElementsOf(states);
        assertThat(b.watchedServices()).isEqualTo(1);
    }

    @Test
    @DisplayName("services whose names differ only in case share an app but never their instances")
    void namesDifferingInCaseStayApart() {
        String lower = service("case");
        String upper = lower.toUpperCase(java.util.Locale.ROOT);
        EurekaRegistry a = registry();
        EurekaRegistry b = registry();
        ServiceInstance l = instance(lower, "same-id", 18011);
        ServiceInstance u = instance(upper, "same-id", 18011);
        a.register(l);
        a.register(u);
        assertThat(admin().app(EurekaInstanceCodec.appName(lower))).hasSize(2);
        RecordingListener lw = listen(b, lower);
        RecordingListener uw = listen(b, upper);
        await("each watcher to see its own").untilAsserted(() -> {
            assertThat(lw.latest()).containsExactly(l);
            assertThat(uw.latest()).containsExactly(u);
        });
        a.deregister(u);
        await("the other to stay").untilAsserted(() -> {
            assertThat(uw.latest()).isEmpty();
            assertThat(b.getService(lower)).containsExactly(l);
        });
    }

    @Test
    @DisplayName("while the server stops answering, watchers are stale with their last list; then they recover")
    void serverThatStopsAnsweringMakesWatchersStaleThenRecover() {
        String s = service("frozen");
        EurekaRegistry a = registry();
        EurekaRegistry b =
                closeLater(builder().callTimeout(Duration.ofMillis(500)).build());
        ServiceInstance x = instance(s, "x1", 18021);
        a.register(x);
        RecordingListener l = listen(b, s);
        await("the instance").untilAsserted(() -> assertThat(l.latest()).containsExactly(x));
        server().pause();
        try {
            await("a STALE event").untilAsserted(() -> assertThat(l.types()).contains(WatchEvent.Type.STALE));
            WatchEvent stale = l.events().get(l.count() - 1);
            assertThat(stale.instances()).as("an outage is not emptiness").containsExactly(x);
            assertThatThrownBy(() -> b.getService(s))
                    .isInstanceOfSatisfying(
                            RegistryException.class,
                            e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.TIMEOUT));
        } finally {
            server().resume();
        }
        await("a RECOVERED event").untilAsserted(() -> assertThat(l.types()).contains(WatchEvent.Type.RECOVERED));
        ServiceInstance y = instance(s, "y1", 18022);
        a.register(y);
        await("the next change").untilAsserted(() -> assertThat(l.latest()).containsExactly(x, y));
    }

    @Test
    @DisplayName("on a frozen server the renewals of many instances are in flight together, never more than the bound,"
            + " and the scheduler thread stays free")
    void renewalsOnAFrozenServerAreInFlightTogetherAndTheSchedulerStaysFree() throws Exception {
        var timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "test-eureka-scheduler");
            t.setDaemon(true);
            return t;
        });
        closeLater(() -> {
            timer.shutdownNow();
            assertThat(timer.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        });
        String s = service("renewals");
        // Held renewals wait for the server, not for a timeout: the call timeout is far longer than any wait here.
        EurekaRegistry r = closeLater(builder()
                .leaseDuration(Duration.ofSeconds(30))
                .callTimeout(Duration.ofMinutes(2))
                .maxConcurrentRenewals(3)
                .scheduler(Scheduler.of(timer))
                .build());
        for (int i = 0; i < 6; i++) {
            r.register(instance(s, "r" + i, 18100 + i));
        }
        server().pause();
        try {
            await("3 renewals held by the frozen server at once").until(() -> r.renewalsInFlight() == 3);
            var ran = new CountDownLatch(1);
            timer.execute(ran::countDown);
            assertThat(ran.await(scaled(Duration.ofSeconds(10)).toMillis(), TimeUnit.MILLISECONDS))
                    .as("the scheduler thread runs other work while renewals are in flight")
                    .isTrue();
            assertThat(r.renewalsInFlight())
                    .as("still in flight, never more than the bound")
                    .isEqualTo(3);
        } finally {
            server().resume();
        }
        await("the held renewals answered once the server runs again").until(() -> r.renewalsInFlight() < 3);
        assertThat(admin().app(EurekaInstanceCodec.appName(s))).hasSize(6);
    }

    @Test
    @DisplayName("after a restart the server is empty; every instance is registered again after its first 404 renewal")
    void everyInstanceIsRegisteredAgainAfterARestart() {
        EurekaServer srv = server();
        if (!srv.supportsRestart()) {
            assertThat(srv.isExternal())
                    .as("only an external server cannot be restarted")
                    .isTrue();
            return;
        }
        String s = service("reborn");
        EurekaRegistry a = registry();
        List<RegistrationEvent> events = events(a);
        ServiceInstance x = instance(s, "x1", 18031);
        ServiceInstance y = ServiceInstance.builder()
                .id("y1")
                .name(s)
                .endpoint("http://127.0.0.1:18032")
                .endpoint("grpc://127.0.0.1:18033")
                .build();
        a.register(x);
        a.register(y);
        srv.restart();
        assertThat(admin().app(EurekaInstanceCodec.appName(s)))
                .as("the restarted server")
                .isEmpty();
        await("both restored")
                .untilAsserted(() -> assertThat(events)
                        .filteredOn(e -> e.state() == RegistrationEvent.State.RESTORED)
                        .extracting(RegistrationEvent::instance)
                        .contains(x, y));
        assertThat(events)
                .filteredOn(e -> e.state() == RegistrationEvent.State.LOST)
                .allSatisfy(e -> assertThat(String.valueOf(e.cause())).contains("no longer holds"));
        assertThat(admin().app(EurekaInstanceCodec.appName(s)))
                .extracting(EurekaRecord::instanceId)
                .containsExactlyInAnyOrder(
                        EurekaRegistry.instanceIdOf(x, x.endpoints().get(0)),
                        EurekaRegistry.instanceIdOf(y, y.endpoints().get(0)),
                        EurekaRegistry.instanceIdOf(y, y.endpoints().get(1)));
    }

    @Test
    @DisplayName("renewals send the lastDirtyTimestamp the instance was registered with, so the server keeps it")
    void renewalsKeepTheRegisteredTimestamp() {
        String s = service("renew");
        String app = EurekaInstanceCodec.appName(s);
        EurekaRegistry a = registry();
        List<RegistrationEvent> events = events(a);
        ServiceInstance x = instance(s, "x1", 18041);
        a.register(x);
        String id = EurekaRegistry.instanceIdOf(x, x.endpoints().get(0));
        long registered = lastDirty(admin().instanceJson(app, id));
        EurekaRecord record = admin().app(app).get(0);
        assertThat(record.metadata()).containsEntry(EurekaInstanceCodec.REV, Long.toString(registered));
        long renewal = admin().lastRenewal(app, id);
        await("a renewal").until(() -> admin().lastRenewal(app, id) != renewal);
        long next = admin().lastRenewal(app, id);
        await("another renewal").until(() -> admin().lastRenewal(app, id) != next);
        assertThat(lastDirty(admin().instanceJson(app, id))).isEqualTo(registered);
        assertThat(events).extracting(RegistrationEvent::state).containsOnly(RegistrationEvent.State.REGISTERED);
    }

    private static long lastDirty(String json) {
        Matcher m = LAST_DIRTY.matcher(json);
        assertThat(m.find()).as("lastDirtyTimestamp in " + json).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    @DisplayName("registration always writes, even when a stale copy of the instance is still UP")
    void registrationIsNeverSkippedForAStaleUpCopy() {
        String s = service("stale");
        String app = EurekaInstanceCodec.appName(s);
        ServiceInstance x = instance(s, "x1", 18051);
        ServiceInstance old = x.toBuilder().version("0.9-stale").build();
        // What a crashed previous run of the same process left behind: UP, with a lease that has not run out.
        admin().register(
                        app,
                        new String(
                                EurekaInstanceCodec.encode(old, 0, 1L, 30, 300),
                                java.nio.charset.StandardCharsets.UTF_8));
        EurekaRegistry a = registry();
        a.register(x);
        EurekaRegistry b = registry();
        await("the new registration")
                .untilAsserted(() -> assertThat(b.getService(s)).containsExactly(x));
        assertThat(admin().app(app))
                .singleElement()
                .satisfies(r -> assertThat(r.metadata()).containsEntry(EurekaInstanceCodec.VERSION, "1.0.0"));
    }

    @Test
    @DisplayName("only UP instances are listed by default, in getService and watchers alike; an option lists all")
    void onlyUpInstancesByDefault() {
        String s = service("health");
        String app = EurekaInstanceCodec.appName(s);
        EurekaRegistry a = registry();
        ServiceInstance x = instance(s, "x1", 18061);
        ServiceInstance y = instance(s, "y1", 18062);
        a.register(x);
        a.register(y);
        String yId = EurekaRegistry.instanceIdOf(y, y.endpoints().get(0));
        HttpResponse<String> r = admin().send("PUT", "/apps/" + app + "/" + yId + "/status?value=OUT_OF_SERVICE");
        assertThat(r.statusCode()).isEqualTo(200);
        EurekaRegistry b = registry();
        EurekaRegistry all = closeLater(builder().includeUnhealthy(true).build());
        RecordingListener l = listen(b, s);
        RecordingListener la = listen(all, s);
        await("only the UP one").untilAsserted(() -> {
            assertThat(b.getService(s)).containsExactly(x);
            assertThat(l.latest()).containsExactly(x);
        });
        await("both with the option").untilAsserted(() -> {
            assertThat(all.getService(s)).containsExactly(x, y);
            assertThat(la.latest()).containsExactly(x, y);
        });
        assertThat(admin().send("DELETE", "/apps/" + app + "/" + yId + "/status")
                        .statusCode())
                .isEqualTo(200);
        await("y back").untilAsserted(() -> assertThat(l.latest()).containsExactly(x, y));
    }

    @Test
    @DisplayName("watchers hear of real changes only, not of every refresh")
    void watchersHearOfRealChangesOnly() {
        String s = service("quiet");
        EurekaRegistry a = registry();
        EurekaRegistry b = registry();
        a.register(instance(s, "x1", 18071));
        RecordingListener l = listen(b, s);
        await("the instance").until(() -> l.latest().size() == 1);
        long cycles = b.refreshStats().cycles();
        await("ten more refresh cycles").until(() -> b.refreshStats().cycles() >= cycles + 10);
        assertThat(l.types()).containsExactly(WatchEvent.Type.INITIAL);
    }

    @Test
    @DisplayName("with many apps watched, the delta protocol follows changes and a hash mismatch forces a full read")
    void deltaProtocolWithHashCheck() {
        EurekaServer srv = server();
        String s = service("delta");
        // An instance that no one registers again: after a restart, a delta cannot tell that it is gone.
        String bystander = EurekaInstanceCodec.appName(service("bystander"));
        admin().register(bystander, EurekaAdmin.foreignInstance(bystander, "gone-1", "10.9.9.9", 80, Map.of()));
        EurekaRegistry a = registry();
        EurekaRegistry b = closeLater(builder().perAppLimit(0).build());
        RecordingListener l = listen(b, s);
        ServiceInstance x = instance(s, "x1", 18081);
        ServiceInstance y = instance(s, "y1", 18082);
        a.register(x);
        await("x").untilAsserted(() -> assertThat(l.latest()).containsExactly(x));
        a.register(y);
        await("x and y").untilAsserted(() -> assertThat(l.latest()).containsExactly(x, y));
        a.deregister(x);
        await("y").untilAsserted(() -> assertThat(l.latest()).containsExactly(y));
        assertThat(b.refreshStats().fullReads()).as("full reads").isEqualTo(1);
        assertThat(b.refreshStats().deltaReads()).as("delta reads").isPositive();
        assertThat(b.refreshStats().appReads()).as("per-app reads").isZero();
        // The server compresses the registry when asked, as the library asks: this path is the real one.
        assertThat(admin().send("GET", "/apps/delta", "", Map.of("Accept-Encoding", "gzip"))
                        .headers()
                        .firstValue("Content-Encoding"))
                .hasValue("gzip");
        if (!srv.supportsRestart()) {
            admin().delete(bystander, "gone-1");
            return;
        }
        long mismatches = b.refreshStats().hashMismatches();
        srv.restart();
        await("a hash mismatch").until(() -> b.refreshStats().hashMismatches() > mismatches);
        await("y registered again and seen")
                .untilAsserted(() -> assertThat(l.latest()).containsExactly(y));
        // The refresher counts the mismatch, then the full read it starts because of it, one after the other.
        await("the full read after the mismatch")
                .untilAsserted(() -> assertThat(b.refreshStats().fullReads()).isGreaterThanOrEqualTo(2));
    }

    @Test
    @DisplayName("servers are tried in order: a dead first server fails over to the next")
    void failsOverToTheNextServer() {
        String s = service("failover");
        URI dead = URI.create("http://" + LoopbackPorts.host() + ":" + LoopbackPorts.freePort() + "/eureka");
        EurekaRegistry a =
                closeLater(builder().servers(List.of(dead, server().baseUri())).build());
        assertThat(a.servers()).containsExactly(dead, server().baseUri());
        ServiceInstance x = instance(s, "x1", 18091);
        a.register(x);
        assertThat(a.getService(s)).containsExactly(x);
        RecordingListener l = listen(a, s);
        await("the watcher through the second server")
                .untilAsserted(() -> assertThat(l.latest()).containsExactly(x));
    }

    @Test
    @DisplayName("when every server is down, calls fail as UNAVAILABLE naming every server")
    void allServersDown() {
        URI dead1 = URI.create("http://" + LoopbackPorts.host() + ":" + LoopbackPorts.freePort() + "/eureka");
        URI dead2 = URI.create("http://" + LoopbackPorts.host() + ":" + LoopbackPorts.freePort() + "/eureka");
        EurekaRegistry a = closeLater(builder().servers(List.of(dead1, dead2)).build());
        String s = service("down");
        assertThatThrownBy(() -> a.register(instance(s, "x1", 18101)))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNAVAILABLE);
                    assertThat(e.isRetryable()).isTrue();
                    assertThat(e.backend()).isEqualTo("eureka");
                })
                .hasMessageContaining(dead1.toString())
                .hasMessageContaining(dead2.toString());
    }

    @Test
    @DisplayName("a wrong path prefix fails with a message that says so")
    void wrongPathPrefixIsExplained() {
        EurekaRegistry a = closeLater(EurekaRegistry.builder()
                .server(server().root())
                .pathPrefix("/eureka/v2")
                .callTimeout(Duration.ofSeconds(2))
                .build());
        assertThatThrownBy(() -> a.getService(service("path")))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("no Eureka REST API at " + server().root() + "/eureka/v2")
                .hasMessageContaining("path prefix");
        assertThatThrownBy(() -> a.register(instance(service("path"), "x1", 18131)))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("/eureka/v2/apps/")
                .hasMessageContaining("path prefix");
    }

    @Test
    @DisplayName("metadata that Eureka's codec would drop (the key @class) still round-trips")
    void classMarkerKeyRoundTrips() {
        String s = service("marker");
        ServiceInstance x = ServiceInstance.builder()
                .id("x1")
                .name(s)
                .putMetadata("@class", "com.example.Thing")
                .putMetadata("plain", "yes")
                .endpoint("http://127.0.0.1:18111")
                .build();
        registry().register(x);
        EurekaRegistry b = registry();
        await("x").untilAsserted(() -> assertThat(b.getService(s)).containsExactly(x));
    }

    @Test
    @DisplayName("services() lists registry4j services by name and other apps in lower case")
    void servicesAreListed() {
        String s = service("Listed");
        String foreignApp = EurekaInstanceCodec.appName(service("spring"));
        registry().register(instance(s, "x1", 18121));
        admin().register(foreignApp, EurekaAdmin.foreignInstance(foreignApp, "f-1", "10.0.0.1", 80, Map.of()));
        try {
            assertThat(registry().services())
                    .contains(s, foreignApp.toLowerCase(java.util.Locale.ROOT))
                    .doesNotContain(EurekaInstanceCodec.appName(s));
        } finally {
            admin().delete(foreignApp, "f-1");
        }
    }
}
