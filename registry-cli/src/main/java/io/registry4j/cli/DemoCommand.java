package io.registry4j.cli;

import io.registry4j.RegistrationEvent;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.WatchEvent;
import io.registry4j.zookeeper.ZooKeeperRegistry;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.ZooKeeper;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code registry4j demo}: the library at work on a real ZooKeeper, in about 15 seconds, with nothing installed.
 *
 * <p>Design: ZooKeeper's embedded server runs in this JVM on a loopback port with a short tick. Client A (a
 * {@link ZooKeeperRegistry} on a Curator client the demo owns, so that it can expire A's session for real) registers
 * instances of {@code orders} and {@code payments}, as services would; client B (a second {@link ZooKeeperRegistry}
 * with its own session) watches both, as their callers would. Every snapshot B's watcher delivers and every
 * registration state A reports is printed as it arrives, on one delivery thread, stamped with the time since the
 * start. The main thread drives the story and waits for each effect with a bound, collecting timings for the
 * summary: instances come, one is updated, A's session expires on the server (a second handle attaches to it and
 * closes it) and the library puts A's instances back, one instance deregisters, the server restarts (B keeps its
 * list as stale instead of reporting an empty service), and A closes. A step that does not happen in time ends the
 * demo with exit code 1.
 */
@Command(
        name = "demo",
        description = {
            "See registry4j work on a real ZooKeeper in this process (~15 s).",
            "%nStarts a real ZooKeeper server in this process (loopback, temporary directory, free port), "
                    + "registers instances of two services through client A and narrates what a watcher on client B "
                    + "sees as instances come and go, as A's session expires and the library registers them again, as "
                    + "one is deregistered and as the server restarts. Ends with a summary. Needs no server and no "
                    + "network beyond loopback."
        },
        parameterListHeading = "%nParameters:%n",
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {"  registry4j demo", "  registry4j demo --pace 0ms     (no pauses for reading)"})
final class DemoCommand implements Callable<Integer> {
    /** ZooKeeper's tick in the demo: sessions may last 2 to 20 ticks. */
    static final Duration TICK = Duration.ofMillis(200);

    /** Session timeout of both clients: long enough to ride out the restart, short enough to expire quickly. */
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(4);

    /** Bound of every wait for an effect. */
    static final Duration STEP_TIMEOUT = Duration.ofSeconds(10);

    private static final String ORDERS = "orders";
    private static final String PAYMENTS = "payments";

    private final Cli cli;

    @Mixin
    HelpOption help = new HelpOption();

    private final long start = System.nanoTime();
    private final List<Long> propagation = Collections.synchronizedList(new ArrayList<>());
    private long lastAt = Long.MIN_VALUE;
    private final Map<String, List<ServiceInstance>> lastSeen = new ConcurrentHashMap<>();
    private long restoredAfter;
    private boolean gapSeen;
    private long outageNanos;

    @Option(
            names = "--pace",
            paramLabel = "DURATION",
            converter = Durations.OrZero.class,
            description = "Pause between steps, to read along. Default: 1500ms.")
    Duration pace = Duration.ofMillis(1500);

    DemoCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws Exception {
        say("registry4j demo: two services register in a real ZooKeeper; another client watches them.");
        say("");
        ExecutorService delivery = Executors.newSingleThreadExecutor(CliThreads.factory("demo"));
        try (EmbeddedZooKeeper server = EmbeddedZooKeeper.start(TICK)) {
            at("ZooKeeper " + org.apache.zookeeper.Version.getFullVersion().split("[- ]", 2)[0]
                    + " started in this process on " + server.connectString() + " (tick "
                    + Durations.format(TICK) + ", data in a temporary directory)");
            try (CuratorFramework curator = curator(server.connectString())) {
                run(server, curator, delivery);
            }
        } finally {
            delivery.shutdown();
            delivery.awaitTermination(5, TimeUnit.SECONDS);
        }
        say("");
        say(String.format(
                Locale.ROOT,
                "Done in %.1f s. Next: registry4j --help, or point list, watch and doctor at your own registry.",
                seconds()));
        return CliException.OK;
    }

    private void run(EmbeddedZooKeeper server, CuratorFramework curator, ExecutorService delivery) throws Exception {
        if (!curator.blockUntilConnected((int) STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw CliException.runtime("client A could not connect to the demo's ZooKeeper at " + server.connectString()
                    + " within " + Durations.format(STEP_TIMEOUT));
        }
        var states = new States();
        ZooKeeperRegistry a = ZooKeeperRegistry.builder().client(curator).build();
        try (a;
                ZooKeeperRegistry b = ZooKeeperRegistry.builder()
                        .connectString(server.connectString())
                        .sessionTimeout(SESSION_TIMEOUT)
                        .build()) {
            a.addRegistrationListener(delivery, states);
            at("client A connected with session " + session(curator) + "; it registers instances, as your services"
                    + " would");
            at("client B connects with a session of its own and watches orders and payments, as their callers"
                    + " would");
            var orders = new Observed(seen -> print(ORDERS, seen));
            var payments = new Observed(seen -> print(PAYMENTS, seen));
            b.watch(ORDERS, delivery, orders);
            b.watch(PAYMENTS, delivery, payments);
            expect(orders.await(0, list -> true, STEP_TIMEOUT), "B's first list of orders");
            expect(payments.await(0, list -> true, STEP_TIMEOUT), "B's first list of payments");

            ServiceInstance orders1 = instance(ORDERS, "orders-1", "1.4.2", 9001, "eu-1a");
            ServiceInstance orders2 = instance(ORDERS, "orders-2", "1.4.2", 9002, "eu-1b");
            ServiceInstance payments1 = instance(PAYMENTS, "payments-1", "2.0.0", 9101, "eu-1a");

            step("1. Instances come up: A registers two instances of orders and one of payments");
            register(a, states, orders1, orders, Observed.holds("orders-1"));
            register(a, states, orders2, orders, Observed.holds("orders-2"));
            register(a, states, payments1, payments, Observed.holds("payments-1"));

            step("2. A rolling update: orders-2 moves to 1.5.0 (register with the same id updates it)");
            ServiceInstance orders2v15 = orders2.toBuilder().version("1.5.0").build();
            register(a, states, orders2v15, orders, list -> list.contains(orders2v15));

            step("3. A's ZooKeeper session expires, as after a long GC pause or a network partition");
            expireSession(server, curator, a, states, orders, payments, List.of(orders1, orders2v15, payments1));

            step("4. payments-1 shuts down gracefully: A deregisters it");
            deregister(a, payments1, payments);

            step("5. The ZooKeeper server restarts: for a moment nobody can reach it");
            restart(server, orders, payments);

            step("6. A shuts down: close() deregisters everything it registered");
            int from = orders.count();
            long closing = System.nanoTime();
            at("A closes");
            shutDown(a);
            Observed.Seen empty = expect(orders.await(from, List::isEmpty, STEP_TIMEOUT), "B seeing orders empty");
            propagation.add(empty.nanos() - closing);
            summary(orders, payments, states);
        }
    }

    /** What a service's shutdown does; closing again at the end of the demo is then a no-op. */
    private static void shutDown(ZooKeeperRegistry a) {
        a.close();
    }

    private void register(
            ZooKeeperRegistry a,
            States states,
            ServiceInstance instance,
            Observed view,
            Predicate<List<ServiceInstance>> visible)
            throws InterruptedException {
        int from = view.count();
        int fromStates = states.count();
        at("A registers " + instance.name() + "/" + Table.brief(instance) + " " + Table.metadata(instance));
        a.register(instance);
        long done = System.nanoTime();
        Observed.Seen seen = expect(view.await(from, visible, STEP_TIMEOUT), "B seeing " + instance.id());
        propagation.add(Math.max(0, seen.nanos() - done));
        // A's REGISTERED line too belongs to this step, not under the next heading.
        if (!states.await(fromStates, RegistrationEvent.State.REGISTERED, Set.of(instance.id()), STEP_TIMEOUT)) {
            throw notInTime("REGISTERED from A for " + instance.id());
        }
    }

    private void deregister(ZooKeeperRegistry a, ServiceInstance instance, Observed view) throws InterruptedException {
        int from = view.count();
        at("A deregisters " + instance.name() + "/" + instance.id());
        a.deregister(instance);
        long done = System.nanoTime();
        Observed.Seen seen = expect(view.await(from, Observed.lacks(instance.id()), STEP_TIMEOUT), "B seeing it gone");
        propagation.add(Math.max(0, seen.nanos() - done));
    }

    private void expireSession(
            EmbeddedZooKeeper server,
            CuratorFramework curator,
            ZooKeeperRegistry a,
            States states,
            Observed orders,
            Observed payments,
            List<ServiceInstance> expected)
            throws Exception {
        ZooKeeper zk = curator.getZookeeperClient().getZooKeeper();
        String session = "0x" + Long.toHexString(zk.getSessionId());
        int fromStates = states.count();
        int fromOrders = orders.count();
        int fromPayments = payments.count();
        at("the server ends A's session " + session + " and deletes its ephemeral nodes");
        long expired = System.nanoTime();
        ZooKeeperNodes.expire(server.connectString(), zk.getSessionId(), zk.getSessionPasswd(), STEP_TIMEOUT);
        Set<String> ids = new TreeSet<>();
        expected.forEach(i -> ids.add(i.id()));
        if (!states.await(fromStates, RegistrationEvent.State.RESTORED, ids, STEP_TIMEOUT)) {
            throw notInTime("A restoring " + ids);
        }
        expect(
                orders.await(fromOrders, list -> list.containsAll(expected.subList(0, 2)), STEP_TIMEOUT),
                "B seeing orders back");
        expect(
                payments.await(fromPayments, list -> list.contains(expected.get(2)), STEP_TIMEOUT),
                "B seeing payments back");
        restoredAfter = System.nanoTime() - expired;
        gapSeen = orders.events().subList(fromOrders, orders.count()).stream()
                .anyMatch(s ->
                        s.event().isAuthoritative() && s.event().instances().isEmpty());
        at(String.format(
                Locale.ROOT,
                "all %d instances are back %.1f s after the expiry, on a new session; no application code ran",
                expected.size(),
                restoredAfter / 1e9));
        if (a.isClosed()) {
            throw CliException.runtime("client A closed unexpectedly");
        }
    }

    private void restart(EmbeddedZooKeeper server, Observed orders, Observed payments) throws Exception {
        int from = orders.count();
        int fromPayments = payments.count();
        at("ZooKeeper stops");
        long stopped = System.nanoTime();
        server.stop();
        expect(orders.awaitEvent(from, e -> e.type() == WatchEvent.Type.STALE, STEP_TIMEOUT), "B noticing the outage");
        pause();
        at("ZooKeeper starts again on the same port, with its data");
        server.launch();
        expect(orders.awaitEvent(from, e -> e.type() == WatchEvent.Type.RECOVERED, STEP_TIMEOUT), "B reconnecting");
        // payments' STALE and RECOVERED lines belong to this step too (B watches both services).
        expect(
                payments.awaitEvent(fromPayments, e -> e.type() == WatchEvent.Type.RECOVERED, STEP_TIMEOUT),
                "B's view of payments reconnecting");
        outageNanos = System.nanoTime() - stopped;
    }

    private void summary(Observed orders, Observed payments, States states) {
        int snapshots = orders.events().size() + payments.events().size();
        long stale = orders.events().stream()
                .filter(s -> s.event().type() == WatchEvent.Type.STALE)
                .count();
        List<Long> times = new ArrayList<>(propagation);
        Collections.sort(times);
        say("");
        say("What B saw, and what the library did:");
        say("  - " + snapshots + " snapshots for 2 services; " + checkSnapshots(orders, payments));
        if (!times.isEmpty()) {
            say("  - propagation from A's call returning to B's watcher: median "
                    + Durations.formatNanos(times.get(times.size() / 2)) + ", max "
                    + Durations.formatNanos(times.get(times.size() - 1)) + " over " + times.size() + " changes");
        }
        say(String.format(
                Locale.ROOT,
                "  - session expiry: the library re-registered A's instances by itself in %.1f s%s",
                restoredAfter / 1e9,
                gapSeen ? " (B saw them gone in between, as ZooKeeper deleted them)" : ""));
        say(String.format(
                Locale.ROOT,
                "  - server restart: B's view went STALE %d time%s and kept its list for %.1f s; it never reported"
                        + " the outage as an empty service",
                stale,
                stale == 1 ? "" : "s",
                outageNanos / 1e9));
        say("  - A reported " + states.count() + " registration state changes (REGISTERED, LOST, RESTORED), and"
                + " close() deregistered what A still held");
    }

    /** Checks what the library promises of snapshots, so that the summary states facts, not hopes. */
    private static String checkSnapshots(Observed... views) {
        int unsorted = 0;
        int repeated = 0;
        for (Observed view : views) {
            List<ServiceInstance> previous = null;
            for (Observed.Seen seen : view.events()) {
                WatchEvent e = seen.event();
                List<String> ids =
                        e.instances().stream().map(ServiceInstance::id).toList();
                if (!ids.equals(ids.stream().sorted().toList())) {
                    unsorted++;
                }
                if (e.type() == WatchEvent.Type.CHANGED && e.instances().equals(previous)) {
                    repeated++;
                }
                if (e.isAuthoritative()) {
                    previous = e.instances();
                }
            }
        }
        if (unsorted == 0 && repeated == 0) {
            return "each a full list sorted by id, none a repeat of the one before";
        }
        return "WARNING: " + unsorted + " not sorted by id, " + repeated + " repeating the one before";
    }

    private ServiceInstance instance(String service, String id, String version, int port, String zone) {
        return ServiceInstance.builder()
                .name(service)
                .id(id)
                .version(version)
                .putMetadata("zone", zone)
                .endpoint("grpc://127.0.0.1:" + port)
                .build();
    }

    private static CuratorFramework curator(String connectString) {
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .sessionTimeoutMs((int) SESSION_TIMEOUT.toMillis())
                .connectionTimeoutMs((int) STEP_TIMEOUT.toMillis())
                .retryPolicy(new ExponentialBackoffRetry(100, 3))
                .threadFactory(CliThreads.factory("demo-curator"))
                .defaultData(new byte[0])
                .build();
        client.start();
        return client;
    }

    private static String session(CuratorFramework curator) throws Exception {
        return "0x"
                + Long.toHexString(curator.getZookeeperClient().getZooKeeper().getSessionId());
    }

    // ---- printing ----

    /** Prints what B's watcher delivered; runs on the delivery thread. */
    private void print(String service, Observed.Seen seen) {
        WatchEvent event = seen.event();
        String what;
        switch (event.type()) {
            case STALE ->
                what = "B's view of " + service + " is STALE: it keeps its last list, "
                        + (event.instances().isEmpty() ? "empty" : Table.ids(event.instances()))
                        + " (an outage is not an empty service)";
            case RECOVERED -> {
                Diff diff = Diff.between(lastSeen.getOrDefault(service, List.of()), event.instances());
                what = "B's view of " + service + " RECOVERED: " + Table.ids(event.instances())
                        + (diff.isEmpty() ? ", unchanged" : "  [" + diff.summary() + "]");
            }
            default -> {
                Diff diff = Diff.between(lastSeen.getOrDefault(service, List.of()), event.instances());
                what = "B sees " + service + ": " + Table.ids(event.instances())
                        + (diff.isEmpty() ? "" : "  [" + diff.summary() + changes(diff) + "]");
            }
        }
        if (event.isAuthoritative()) {
            lastSeen.put(service, event.instances());
        }
        at(seen.nanos(), what);
    }

    private static String changes(Diff diff) {
        List<String> parts = new ArrayList<>();
        diff.changed().forEach(c -> parts.add(c.describe()));
        return parts.isEmpty() ? "" : ": " + String.join("; ", parts);
    }

    /** Registration states of A, printed as they arrive and counted per state for the waits. */
    private final class States implements io.registry4j.RegistrationListener {
        private final List<RegistrationEvent> events = new ArrayList<>();

        @Override
        public void onEvent(RegistrationEvent event) {
            // The line first, then the waiters: the command's next line must come after this one.
            ServiceInstance i = event.instance();
            String line = "A: " + event.state() + " " + i.name() + "/" + i.id();
            switch (event.state()) {
                case LOST -> line += " (" + cause(event) + "); the library registers it again";
                case RETRYING -> line += " (attempt " + event.attempt() + ": " + cause(event) + ")";
                case RESTORED -> line += ": back in ZooKeeper";
                default -> {}
            }
            at(line);
            synchronized (this) {
                events.add(event);
                notifyAll();
            }
        }

        private String cause(RegistrationEvent event) {
            Throwable c = event.cause();
            if (c == null) {
                return "no cause given";
            }
            return c instanceof RegistryException r ? Errors.describe(r) : String.valueOf(c.getMessage());
        }

        synchronized int count() {
            return events.size();
        }

        /**
         * Waits until every id in {@code ids} reached {@code state} at index {@code from} or later.
         *
         * @return false if some did not within {@code timeout}
         */
        synchronized boolean await(int from, RegistrationEvent.State state, Set<String> ids, Duration timeout)
                throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                Set<String> missing = new TreeSet<>(ids);
                for (int i = from; i < events.size(); i++) {
                    if (events.get(i).state() == state) {
                        missing.remove(events.get(i).instance().id());
                    }
                }
                if (missing.isEmpty()) {
                    return true;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                wait(Math.max(1, left / 1_000_000), 0);
            }
        }
    }

    private static <T> T expect(@Nullable T value, String what) {
        if (value == null) {
            throw notInTime(what);
        }
        return value;
    }

    private static CliException notInTime(String what) {
        return CliException.runtime("the demo stopped: no " + what + " within " + Durations.format(STEP_TIMEOUT)
                + "; run again with --verbose to see the library's log");
    }

    private void step(String title) throws InterruptedException {
        pause();
        say("");
        say(title);
    }

    private void pause() throws InterruptedException {
        if (!pace.isZero() && cli.awaitStop(pace)) {
            throw CliException.runtime("the demo was stopped");
        }
    }

    private double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    private void at(String line) {
        at(System.nanoTime(), line);
    }

    private void at(long nanos, String line) {
        PrintWriter out = cli.out();
        synchronized (out) {
            // Lines come from the command's thread and the delivery thread; an event's own time can be a little
            // before the line printed just ahead of it. Times never go backwards on screen.
            lastAt = Math.max(lastAt, nanos);
            say(String.format(Locale.ROOT, "%6.2fs  %s", (lastAt - start) / 1e9, line));
        }
    }

    private void say(String line) {
        PrintWriter out = cli.out();
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}
