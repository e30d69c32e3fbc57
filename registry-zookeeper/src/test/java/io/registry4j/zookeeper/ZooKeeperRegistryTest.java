package io.registry4j.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.registry4j.RegistrationEvent;
import io.registry4j.RegistrationEvent.State;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.Watcher;
import io.registry4j.spi.RegistryThreads;
import io.registry4j.testkit.RegistryLeakCheck;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher.WatcherType;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the ZooKeeper backend promises beyond the kit: ownership of nodes, the stored layout, ACLs and threads. */
@ExtendWith(RegistryLeakCheck.class)
class ZooKeeperRegistryTest {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static @Nullable ZooKeeperTestSupport zk;

    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startServer() {
        zk = new ZooKeeperTestSupport();
    }

    @AfterAll
    static void stopServer() {
        ZooKeeperTestSupport s = zk;
        zk = null;
        if (s != null) {
            s.close();
        }
    }

    @AfterEach
    void closeResources() throws Exception {
        List<AutoCloseable> all = new ArrayList<>(resources);
        Collections.reverse(all);
        for (AutoCloseable c : all) {
            c.close();
        }
    }

    private static ZooKeeperTestSupport zk() {
        ZooKeeperTestSupport s = zk;
        assertThat(s).as("the test server").isNotNull();
        return java.util.Objects.requireNonNull(s);
    }

    private <T extends AutoCloseable> T closeLater(T resource) {
        resources.add(resource);
        return resource;
    }

    private ZooKeeperRegistry registry() {
        return closeLater(zk().registryBuilder().build());
    }

    private static String service(String hint) {
        return hint + "-" + SEQUENCE.incrementAndGet();
    }

    private static ServiceInstance instance(String service, String id) {
        return ServiceInstance.builder()
                .id(id)
                .name(service)
                .version("1.0.0")
                .endpoint("grpc://127.0.0.1:10001")
                .build();
    }

    private static String path(ServiceInstance i) {
        return ZKPaths.makePath(ZooKeeperRegistry.DEFAULT_ROOT_PATH, i.name(), i.id());
    }

    private static ConditionFactory await(String what) {
        return Awaitility.await(what)
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .ignoreExceptionsInstanceOf(RegistryException.class);
    }

    private static long sessionOf(ServiceRegistry r) throws Exception {
        return ZooKeeperTestSupport.zooKeeperOf(r).getSessionId();
    }

    private static @Nullable Stat stat(String path) throws Exception {
        return zk().admin.checkExists().forPath(path);
    }

    private static Stat existing(String path) throws Exception {
        Stat stat = stat(path);
        assertThat(stat).as(path + " exists").isNotNull();
        return java.util.Objects.requireNonNull(stat);
    }

    private List<RegistrationEvent> events(ServiceRegistry r) {
        List<RegistrationEvent> events = new CopyOnWriteArrayList<>();
        closeLater(r.addRegistrationListener(Runnable::run, events::add));
        return events;
    }

    @Test
    void aSecondRegistryRegisteringTheSameIdGetsConflictAndTheFirstKeepsItsNode() throws Exception {
        ZooKeeperRegistry first = registry();
        ZooKeeperRegistry second = registry();
        String s = service("dup");
        ServiceInstance x = instance(s, "x1");
        first.register(x);
        long owner = sessionOf(first);

        ServiceInstance impostor = x.toBuilder().version("9.9.9").build();
        assertThatThrownBy(() -> second.register(impostor))
                .isInstanceOfSatisfying(
                        RegistryException.class, e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.CONFLICT))
                .hasMessageContaining(path(x))
                .hasMessageContaining(Long.toHexString(owner));
        second.deregister(impostor); // holds nothing: must not touch the first registry's node

        Stat stat = existing(path(x));
        assertThat(stat.getEphemeralOwner()).isEqualTo(owner);
        assertThat(second.getService(s)).containsExactly(x);
    }

    @Test
    void kratosRecordsRegistry4jWouldNotRegisterAreReadByGetServiceAndWatch() throws Exception {
        ZooKeeperRegistry r = registry();
        String s = service("lenient");
        String id = "实例 7";
        // As Kratos' Go registry writes it: a non-ASCII id with a space, a port-less endpoint, a reserved key.
        String json = "{\"id\":\"" + id + "\",\"name\":\"" + s + "\",\"version\":\"\","
                + "\"metadata\":{\"registry4j.x\":\"k\"},\"endpoints\":[\"grpc://my_service:9000\",\"http://10.0.0.7\"]}";
        String path = ZKPaths.makePath(ZooKeeperRegistry.DEFAULT_ROOT_PATH, s, id);
        zk().admin.create().creatingParentsIfNeeded().forPath(path, json.getBytes(StandardCharsets.UTF_8));
        try {
            ServiceInstance expected = ServiceInstance.builder()
                    .id(id)
                    .name(s)
                    .putMetadata("registry4j.x", "k")
                    .endpoint("grpc://my_service:9000")
                    .endpoint("http://10.0.0.7")
                    .buildLenient();
            assertThat(r.getService(s)).containsExactly(expected);
            try (Watcher w = r.watch(s)) {
                assertThat(w.next()).containsExactly(expected);
            }
            assertThat(r.skippedEntries()).isZero();
            assertThatThrownBy(() -> r.register(expected))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("ServiceInstance.id");
        } finally {
            zk().admin.delete().forPath(path);
        }
    }

    @Test
    void aNodeWrittenByAnotherToolIsNeverReplaced() throws Exception {
        ZooKeeperRegistry r = registry();
        String s = service("foreign");
        ServiceInstance x = instance(s, "x1");
        byte[] theirs = "{\"id\":\"x1\",\"name\":\"other\"}".getBytes(StandardCharsets.UTF_8);
        zk().admin.create().creatingParentsIfNeeded().forPath(path(x), theirs);
        try {
            assertThatThrownBy(() -> r.register(x))
                    .isInstanceOfSatisfying(
                            RegistryException.class,
                            e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.CONFLICT))
                    .hasMessageContaining("persistent node");
            assertThat(zk().admin.getData().forPath(path(x))).isEqualTo(theirs);
        } finally {
            zk().admin.delete().forPath(path(x));
        }
    }

    @Test
    void aLeftoverNodeOfTheRegistrysOwnExpiredSessionIsReplacedAtOnce() throws Exception {
        ZooKeeperRegistry r = registry();
        List<RegistrationEvent> events = events(r);
        String s = service("leftover");
        ServiceInstance x = instance(s, "x1");
        r.register(x);
        long oldSession = sessionOf(r);

        // Client-side expiry: the client starts a new session while the server still holds the old one, and its node,
        // until the old session times out there.
        ZooKeeperTestSupport.zooKeeperOf(r).getTestable().injectSessionExpiration();

        await("LOST then RESTORED")
                .untilAsserted(() ->
                        assertThat(events).extracting(RegistrationEvent::state).contains(State.LOST, State.RESTORED));
        assertThat(events)
                .extracting(RegistrationEvent::state)
                .as("replacing our own leftover is not a conflict to retry")
                .doesNotContain(State.RETRYING);
        long newSession = sessionOf(r);
        assertThat(newSession).isNotEqualTo(oldSession);
        Stat stat = existing(path(x));
        assertThat(stat.getEphemeralOwner()).isEqualTo(newSession);
    }

    @Test
    void afterAnOutageLongerThanTheSessionTheInstanceComesBackInANewSession() throws Exception {
        assumeTrue(zk().server.supportsRestart(), "needs a server the tests can stop");
        ZooKeeperRegistry r = registry();
        List<RegistrationEvent> events = events(r);
        String s = service("outage");
        ServiceInstance x = instance(s, "x1");
        r.register(x);
        long oldSession = sessionOf(r);

        zk().server.stop();
        try {
            await("LOST once the session timed out")
                    .untilAsserted(() -> assertThat(events)
                            .extracting(RegistrationEvent::state)
                            .contains(State.LOST));
        } finally {
            zk().server.restart();
        }
        // The restarted server re-arms the old session for one more timeout, so the old node is still there: the
        // registry replaces its own leftover instead of waiting for it or failing with CONFLICT.
        await("RESTORED")
                .untilAsserted(() ->
                        assertThat(events).extracting(RegistrationEvent::state).contains(State.RESTORED));
        long newSession = sessionOf(r);
        assertThat(newSession).isNotEqualTo(oldSession);
        assertThat(existing(path(x)).getEphemeralOwner()).isEqualTo(newSession);
        assertThat(r.getService(s)).containsExactly(x);
    }

    @Test
    void aDeregisterThatFailedDuringAnOutageIsCompletedOnReconnection() throws Exception {
        assumeTrue(zk().server.supportsRestart(), "needs a server the tests can stop");
        ZooKeeperRegistry r = closeLater(
                zk().registryBuilder().callTimeout(Duration.ofMillis(700)).build());
        String s = service("unfinished");
        ServiceInstance x = instance(s, "x1");
        await("the first connection")
                .until(() -> r.client().getZookeeperClient().isConnected());
        r.register(x);

        zk().server.stop();
        try {
            await("the registry to see the outage")
                    .until(() -> !r.client().getZookeeperClient().isConnected());
            assertThatThrownBy(() -> r.deregister(x))
                    .isInstanceOfSatisfying(
                            RegistryException.class,
                            e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNAVAILABLE));
        } finally {
            zk().server.restart();
        }
        // Usually the session survives the short outage, so only the registry can delete the node it still owns.
        await("the node to be deleted after the reconnection")
                .untilAsserted(() -> assertThat(stat(path(x))).isNull());
        assertThat(r.getService(s)).isEmpty();
    }

    @Test
    void aNodeDeletedBehindTheRegistrysBackIsRestoredInTheSameSession() throws Exception {
        ZooKeeperRegistry r = registry();
        List<RegistrationEvent> events = events(r);
        String s = service("restore");
        ServiceInstance x = instance(s, "x1");
        r.register(x);
        long session = sessionOf(r);

        zk().admin.delete().forPath(path(x));

        await("the node to be back")
                .untilAsserted(() -> assertThat(stat(path(x))).isNotNull());
        assertThat(existing(path(x)).getEphemeralOwner()).isEqualTo(session);
        assertThat(sessionOf(r)).isEqualTo(session);
        await("RESTORED")
                .untilAsserted(() -> assertThat(events)
                        .extracting(RegistrationEvent::state)
                        .containsSubsequence(State.REGISTERED, State.LOST, State.RESTORED));
    }

    @Test
    void aNodeDeletedAfterDeregisterStaysDeletedAndNothingRecreatesItAfterExpiry() throws Exception {
        ZooKeeperRegistry r = registry();
        String s = service("gone");
        ServiceInstance x = instance(s, "x1");
        ServiceInstance y = instance(s, "y1");
        r.register(x);
        r.register(y);
        r.deregister(x);
        assertThat(stat(path(x))).isNull();

        zk().expireSession(r);
        await("y to come back in the new session")
                .untilAsserted(() -> assertThat(stat(path(y))).isNotNull());
        assertThat(stat(path(x))).as("the deregistered instance").isNull();
        assertThat(r.getService(s)).containsExactly(y);
    }

    @Test
    void instancesAreEphemeralNodesUnderPersistentParentsWithEmptyData() throws Exception {
        ZooKeeperRegistry r = registry();
        String s = service("layout");
        ServiceInstance x = instance(s, "x1");
        r.register(x);

        CuratorFramework admin = zk().admin;
        Stat leaf = existing(path(x));
        assertThat(leaf.getEphemeralOwner()).isEqualTo(sessionOf(r));
        for (String parent : List.of(ZooKeeperRegistry.DEFAULT_ROOT_PATH, ZKPaths.makePath("/microservices", s))) {
            Stat p = existing(parent);
            assertThat(p.getEphemeralOwner()).as(parent + " is persistent").isZero();
            assertThat(admin.getData().forPath(parent)).as(parent + " data").isEmpty();
        }
        assertThat(admin.getACL().forPath(path(x))).isEqualTo(ZooDefs.Ids.OPEN_ACL_UNSAFE);

        r.close();
        assertThat(stat(path(x))).as("closing deregisters").isNull();
        assertThat(stat(ZKPaths.makePath("/microservices", s)))
                .as("the service node stays, as in Kratos")
                .isNotNull();
    }

    @Test
    void aDigestAclKeepsOtherClientsOutAndLetsTheSameUserIn() throws Exception {
        ZooKeeperRegistry writer = closeLater(zk().registryBuilder()
                .rootPath("/acl-" + SEQUENCE.incrementAndGet())
                .digestAcl("orders", "s3cret")
                .build());
        String s = service("acl");
        ServiceInstance x = instance(s, "x1");
        writer.register(x);
        String leaf = ZKPaths.makePath(writer.rootPath(), s, "x1");

        CuratorFramework sameUser = closeLater(zk().newPlainClient("orders", "s3cret"));
        assertThat(sameUser.getACL().forPath(leaf)).singleElement().satisfies(acl -> {
            assertThat(acl.getId().getScheme()).isEqualTo("digest");
            assertThat(acl.getId().getId()).startsWith("orders:");
            assertThat(acl.getPerms()).isEqualTo(ZooDefs.Perms.ALL);
        });
        assertThatThrownBy(() -> zk().admin.getData().forPath(leaf))
                .isInstanceOf(KeeperException.NoAuthException.class);
        assertThatThrownBy(() -> zk().admin.delete().forPath(leaf)).isInstanceOf(KeeperException.NoAuthException.class);

        ZooKeeperRegistry reader = closeLater(zk().registryBuilder()
                .rootPath(writer.rootPath())
                .digestAcl("orders", "s3cret")
                .build());
        assertThat(reader.getService(s)).containsExactly(x);
        ZooKeeperRegistry stranger =
                closeLater(zk().registryBuilder().rootPath(writer.rootPath()).build());
        assertThatThrownBy(() -> stranger.getService(s))
                .isInstanceOfSatisfying(
                        RegistryException.class,
                        e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNAUTHENTICATED))
                .hasMessageContaining("authentication failed: the server asks for credentials")
                .hasMessageContaining("add the options user=… and password=…");
        ZooKeeperRegistry wrongPassword = closeLater(zk().registryBuilder()
                .rootPath(writer.rootPath())
                .digestAcl("orders", "not-the-password")
                .build());
        assertThatThrownBy(() -> wrongPassword.getService(s))
                .isInstanceOfSatisfying(
                        RegistryException.class,
                        e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNAUTHENTICATED))
                .hasMessageContaining("authentication failed for user orders")
                .hasMessageNotContaining("not-the-password");
    }

    @Test
    void anIdThatCannotBeANodeNameIsRejectedWithTheId() {
        ZooKeeperRegistry r = registry();
        ServiceInstance dots = instance(service("dots"), "..");
        assertThatThrownBy(() -> r.register(dots))
                .isInstanceOfSatisfying(
                        RegistryException.class,
                        e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.INVALID_ARGUMENT))
                .hasMessageContaining("\"..\"");
    }

    @Test
    void servicesListsEveryServiceUnderTheRoot() throws Exception {
        String root = "/catalog-" + SEQUENCE.incrementAndGet();
        ZooKeeperRegistry r = closeLater(zk().registryBuilder().rootPath(root).build());
        assertThat(r.services()).isEmpty();
        r.register(instance("alpha", "a1"));
        r.register(instance("beta", "b1"));
        zk().admin.create().forPath(root + "/not a service");
        assertThat(r.services()).containsExactly("alpha", "beta");
    }

    @Test
    void aWatcherSeesAServiceAppearThatDidNotExistWhenItStarted() throws Exception {
        ZooKeeperRegistry consumer = registry();
        ZooKeeperRegistry provider = registry();
        String s = service("late");
        assertThat(stat(ZKPaths.makePath("/microservices", s))).isNull();
        Watcher w = closeLater(consumer.watch(s));
        assertThat(w.next()).isEmpty();
        ServiceInstance x = instance(s, "x1");
        provider.register(x);
        assertThat(w.next()).containsExactly(x);
    }

    @Test
    void everyThreadOfARegistryIsNamedAfterTheLibraryAndEndsOnClose() throws Exception {
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        ZooKeeperRegistry r = zk().registryBuilder().build();
        String s = service("threads");
        r.register(instance(s, "x1"));
        Watcher w = r.watch(s);
        assertThat(w.next()).hasSize(1);
        // A new session makes Curator create a new ZooKeeper handle, with new threads, from ZooKeeper's event thread.
        // The harness's own short-lived client threads are named after the thread that expires the session.
        Thread expirer = new Thread(
                () -> {
                    try {
                        zk().expireSession(r);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                },
                "harness-expirer");
        expirer.start();
        expirer.join();
        await("re-registration in the new session")
                .untilAsserted(() -> assertThat(stat(path(instance(s, "x1")))).isNotNull());

        // Every ZooKeeper or Curator client thread started meanwhile (the server in this JVM has threads of its own)
        List<Thread> started = new ArrayList<>(Thread.getAllStackTraces().keySet());
        started.removeAll(before);
        started.removeIf(t -> t.getName().startsWith("harness-"));
        List<Thread> clientThreads = started.stream()
                .filter(t -> t.getName().contains("SendThread(")
                        || t.getName().endsWith("-EventThread")
                        || t.getName().startsWith("Curator-")
                        || t.getName().startsWith(RegistryThreads.PREFIX))
                .toList();
        assertThat(clientThreads)
                .extracting(Thread::getName)
                .anySatisfy(name -> assertThat(name).contains("-SendThread("))
                .anySatisfy(name -> assertThat(name).endsWith("-EventThread"))
                .anySatisfy(name -> assertThat(name).startsWith("registry4j-zookeeper-curator-"))
                .anySatisfy(name -> assertThat(name).isEqualTo("registry4j-zookeeper-scheduler-1"))
                .allSatisfy(name -> assertThat(name).startsWith(RegistryThreads.PREFIX + "zookeeper-"));
        assertThat(clientThreads)
                .allSatisfy(t -> assertThat(t.isDaemon()).as(t.getName()).isTrue());

        w.stop();
        r.close();
        await("the registry's threads to end")
                .untilAsserted(() -> assertThat(clientThreads)
                        .filteredOn(Thread::isAlive)
                        .extracting(Thread::getName)
                        .isEmpty());
    }

    @Test
    void closingARegistryOnAUserClientLeavesTheClientWithoutItsListenersAndWatches() throws Exception {
        CuratorFramework client = closeLater(zk().newPlainClient());
        ZooKeeperRegistry r = ZooKeeperRegistry.builder().client(client).build();
        String s = service("injected");
        ServiceInstance x = instance(s, "x1");
        r.register(x);
        Watcher w = r.watch(s);
        assertThat(w.next()).containsExactly(x);
        ZooKeeper zooKeeper = client.getZookeeperClient().getZooKeeper();
        String servicePath = ZKPaths.makePath("/microservices", s);

        r.close();

        assertThat(stat(path(x))).as("closing deregisters").isNull();
        await("the service watch to be removed from the client")
                .untilAsserted(() -> assertThatThrownBy(
                                () -> zooKeeper.removeAllWatches(servicePath, WatcherType.PersistentRecursive, true))
                        .isInstanceOf(KeeperException.NoWatcherException.class));
        assertThat(client.checkExists().forPath("/"))
                .as("the client still works")
                .isNotNull();
        assertThat(client.getZookeeperClient().getZooKeeper().getSessionId()).isNotZero();
    }

    @Test
    void aClientOnlySettingCannotBeCombinedWithAUserClient() {
        CuratorFramework client = closeLater(zk().newPlainClient());
        assertThatThrownBy(() -> ZooKeeperRegistry.builder()
                        .client(client)
                        .sessionTimeout(Duration.ofSeconds(3))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sessionTimeout");
    }

    @Test
    void registeringWhileTheServerIsUnreachableFailsWithinTheCallTimeout() {
        ZooKeeperRegistry r = closeLater(ZooKeeperRegistry.builder()
                .connectString("127.0.0.1:" + unusedPort())
                .callTimeout(Duration.ofMillis(300))
                .build());
        long start = System.nanoTime();
        assertThatThrownBy(() -> r.register(instance(service("down"), "x1")))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNAVAILABLE);
                    assertThat(e.isRetryable()).isTrue();
                })
                .hasMessageContaining("not connected to ZooKeeper at 127.0.0.1:");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    private static int unusedPort() {
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
