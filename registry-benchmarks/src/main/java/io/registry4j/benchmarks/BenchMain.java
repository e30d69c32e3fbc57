package io.registry4j.benchmarks;

import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.Subscription;
import io.registry4j.WatchEvent;
import io.registry4j.spi.KratosJson;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every measure against every backend with a server here, registry4j and the native SDK interleaved in the
 * same run, and writes the report. Arguments: the profile ({@code short} or {@code long}) and the report's path.
 */
public final class BenchMain {
    private static final double MS = 1e6;
    private static final int WARMUP = 20;
    /** How long one change may take to reach a watcher before the measure fails (bounded, never a hang). */
    private static final int CHANGE_TIMEOUT_S = 30;

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private final Profile profile;
    private final List<Row> rows = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();

    private BenchMain(Profile profile) {
        this.profile = profile;
    }

    /**
     * Runs the benchmarks.
     *
     * @param args the profile and the report's path
     * @throws IOException if the report cannot be written
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: BenchMain short|long <report.md>");
        }
        Profile profile = Profile.of(args[0]);
        Path output = Path.of(args[1]);
        // The report this run replaces: its verdicts are set next to this run's (two consecutive runs must agree).
        String previousReport = Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
        String load = loadAverage();
        Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        BenchMain bench = new BenchMain(profile);
        bench.run();
        Instant finished = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        List<String> header = List.of(
                "- Date: " + started + " – " + finished + " (UTC); profile `" + profile.name() + "`",
                "- Machine: " + cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores, shared with "
                        + "other jobs; load average (1, 5, 15 min) " + load + " at the start and " + loadAverage()
                        + " at the end",
                "- JDK: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                        + "; benchmark JVM -Xms512m -Xmx512m",
                "- Command: `./mvnw -B -pl registry-benchmarks -am -Pbench -DskipTests verify"
                        + (profile.name().equals("short") ? "" : " -Dbench.profile=" + profile.name()) + "`"
                        + (ONLY.isEmpty() ? "" : " with -Dbench.only=" + String.join(",", ONLY) + " (a partial run)"),
                "",
                "Every figure is registry4j next to the backend's native SDK doing the same work in the same run, "
                        + "interleaved (ABAB, registry4j first in even samples, the SDK first in odd ones) after "
                        + WARMUP + " warm-up samples each; each p50/p99 is the median of " + profile.rounds()
                        + " rounds' percentiles (JMH figures: the median of every measured one-second iteration). "
                        + "Ratios are "
                        + "registry4j / SDK. Budgets are those of DESIGN.md §6 (heap per watcher: "
                        + "research/perf-anchors.md §5.2 e). Consul is left out: only a fake server runs here, and a "
                        + "fake's figures are no backend's.");
        String comparison = ReportWriter.comparison(
                previousRun(previousReport),
                ReportWriter.verdicts(previousReport),
                ReportWriter.verdicts(ReportWriter.render(header, bench.rows, List.of())));
        String report = ReportWriter.render(header, bench.rows, notes(bench.rows, bench.failures), comparison);
        Files.createDirectories(output.toAbsolutePath().getParent());
        Files.writeString(output, report, StandardCharsets.UTF_8);
        System.out.println(report);
        System.out.println("Wrote " + output.toAbsolutePath());
        if (!bench.failures.isEmpty()) {
            System.err.println("Failures: " + bench.failures);
            System.exit(1);
        }
        System.exit(0);
    }

    private int jmhRounds() {
        return profile.jmhRuns();
    }

    private static List<String> notes(List<Row> rows, List<String> failures) {
        List<String> notes = new ArrayList<>();
        notes.add("**Reading the tables.** Latencies are wall-clock milliseconds from just before the call (t0 "
                + "taken before the write) to its acknowledgement (register) or to the moment another client's "
                + "watcher sees the instance (propagation); one operation is in flight at a time (closed loop, so "
                + "no coordinated omission), and every wait is bounded. Cold reads are a getService of a service "
                + "nothing watches (a server read plus decode of every instance). The CPU of one change is the "
                + "CPU time of all this JVM's threads from the write to the watcher's delivery, with only one side watching at a "
                + "time; it includes the writer's own CPU on both sides (and, for ZooKeeper, the in-process "
                + "server's), so its budget is judged on registry4j minus the SDK.");
        notes.add("**Propagation on Nacos and Eureka** is bound by the server, not the client: Nacos pushes "
                + "changes after its push delay, and Eureka is polled (registry4j's refresh interval and the "
                + "anchor's poll are both " + EurekaTarget.POLL.toMillis() + " ms here, where the test server "
                + "serves its registry without the read-only cache). With few samples per round on these two, "
                + "their p99 is close to the maximum.");
        notes.add("**How a verdict is reached.** Every figure with a budget is measured in rounds: registry4j and "
                + "the SDK alternate inside each round (ABAB), so a round of one is paired with the round of the "
                + "other taken in the same stretch of time. The judged figure (the ratio, or the difference, of "
                + "the two sides' p50 or p99) is computed per round, and its 90 % confidence interval is taken from "
                + "the order statistics of the rounds (distribution-free: with k rounds, the j-th smallest and "
                + "j-th largest, j as large as keeps at least 90 %; the least and the greatest for 4 to 8 rounds). "
                + "The verdict is PASS when the whole interval is within the budget, MISS when the whole interval "
                + "is beyond it, and BORDERLINE when it straddles the budget: the measurement cannot tell on this "
                + "machine, and says so rather than picking a side by luck. The budgets never move; a borderline "
                + "figure calls for more rounds (the long profile), not for a different budget. Counts and heap "
                + "(one measurement each) are judged as measured. The column *Judged figure, interval* shows the "
                + "interval each verdict was read from.");
        notes.add("**getService** is JMH (`AverageTime`, `-prof gc`, one fork per run) on a warm view of 10 "
                + "instances; the anchor is a `ConcurrentHashMap` lookup that copies its list, what the SDKs' "
                + "caches (Curator's ServiceCache, Nacos' selectInstances) do. Its budget is absolute (≤ 100 ns and "
                + "no allocation), so the ratio is for information. The time budget is judged on the benchmark "
                + "thread's CPU time per call (read at the start and end of each measured iteration, divided by its "
                + "calls): the wall-clock time per call, printed for information, also counts the time other jobs "
                + "held both cores, and on this machine it moved from run to run by more than the budget (ZooKeeper's "
                + "was a MISS at 139–258 ns in one run and a PASS at 89–96 ns in the next, the same code).");
        notes.add("**Two runs in a row.** Each run reads the verdicts of the report it replaces and sets them next to "
                + "its own (the section *" + ReportWriter.COMPARISON + "*): a row that is PASS in one run and MISS in "
                + "the other means the method, not the code, decides the verdict, and is to be fixed in the method. "
                + "A move to or from BORDERLINE is the interval touching the budget in one of the runs.");
        notes.add("**Kratos JSON decode** runs in this JVM, registry4j and Jackson alternating round by round, "
                + "measured in thread CPU time and allocated bytes (other jobs on the machine stretch wall-clock "
                + "time, much less the CPU time of the work): registry4j's KratosJson builds validated "
                + "ServiceInstances (each endpoint a java.net.URI), the anchor is Jackson databind into a plain "
                + "record of strings (what an SDK user would write). KratosJson reads in one pass straight into the "
                + "instance's builder (no intermediate tree, field names matched in place, one copy of the "
                + "metadata and endpoints). Of what remains, parsing the endpoints into java.net.URI (which the "
                + "API's ServiceInstance holds) is about half of registry4j's CPU time; the anchor keeps strings. "
                + "Nacos and Eureka do not store Kratos JSON: their cold-read rows at 10,000 instances compare the "
                + "whole read, the SDK's own decoding included.");
        notes.add("**CPU of one change.** etcd and ZooKeeper deliver changes (a key, a child), and their watches "
                + "now hand the shared view only what changed: the view patches its sorted snapshot (a binary "
                + "search and one copy of the references), and listeners still get full snapshots. Nacos pushes "
                + "the whole service and Eureka is polled for it, so on those two each change is a full list: "
                + "registry4j converts the SDK's or the server's 10,000 instances and sorts them, where the anchor "
                + "hands over what its SDK decoded; on these two the window also spans the push delay or the poll, "
                + "whose background CPU both sides pay.");
        notes.add("**Eureka's anchor** is the REST API on the JDK HttpClient (registry4j's Eureka backend is REST "
                + "too): register POSTs the same JSON; watches share one poller (one GET per watched service and "
                + "poll), as the Eureka client serves every listener from one fetch. With more than a few apps "
                + "watched, registry4j's refresher follows Eureka's own protocol and holds a copy of the whole "
                + "registry: its heap per watcher includes that copy's share, which grows with the registry, not "
                + "with the watchers (the watchers step runs before the reads seed their large services).");
        StringBuilder misses = new StringBuilder("**Misses and borderline figures of this run, and why.**");
        int count = 0;
        for (Row row : rows) {
            String verdict = row.verdict();
            if (verdict.equals("MISS") || verdict.equals("BORDERLINE")) {
                count++;
                misses.append("\n- ")
                        .append(row.backend())
                        .append(", ")
                        .append(row.measure())
                        .append(" (")
                        .append(verdict)
                        .append("): ")
                        .append(why(row));
            }
        }
        notes.add(count == 0 ? "**Misses and borderline figures of this run:** none." : misses.toString());
        for (String failure : failures) {
            notes.add("**Failed:** " + failure);
        }
        return notes;
    }

    /** Why a measure can miss or sit on its budget, as far as the measurements have shown. */
    private static String why(Row row) {
        String m = row.measure();
        String b = row.backend();
        if (m.startsWith("decode")) {
            return "KratosJson builds validated ServiceInstances whose endpoints are java.net.URI objects; parsing "
                    + "them is about half of its CPU time (the anchor keeps strings). The rest of the decoder is a "
                    + "one-pass reader straight into the builder.";
        }
        if (m.equals("register")) {
            return switch (b) {
                case "etcd" ->
                    "both sides make the same two round trips (lease grant, then the put); registry4j's "
                            + "put is a transaction that refuses to overwrite another client's key, and the "
                            + "registration keeper records the instance; a ratio near 1.2 at a p50 of about 2 ms is a "
                            + "few tenths of a millisecond.";
                case "ZooKeeper" ->
                    "registry4j sends an exists watch on its node and the create right behind it "
                            + "(one round trip, two requests: the watch is what lets it see its node deleted right after "
                            + "the write), through Curator's background calls; the anchor is one synchronous create. The "
                            + "difference is the second request's handling on both ends, a few tenths of a millisecond.";
                case "Eureka" ->
                    "both sides POST the same JSON through the JDK HttpClient; registry4j goes "
                            + "through its shared HTTP transport (asynchronous send, status mapping) and the "
                            + "registration keeper.";
                default -> "registry4j's register adds its registration bookkeeping to the SDK's call.";
            };
        }
        if (m.startsWith("register →")) {
            return "the judged figure is p99: with " + "a few hundred samples per round the p99 is one of a round's "
                    + "few slowest samples, where this shared machine's scheduling delays sit; the p50s are close.";
        }
        if (m.startsWith("cold getService")) {
            return switch (b) {
                case "Nacos" ->
                    "registry4j reads both of DESIGN.md §5's layouts, the plain service and Kratos' "
                            + "<name>.<scheme> services: one getAllInstances per layout, one after the other, where the "
                            + "anchor reads one service; then it merges the parts of each instance by id.";
                case "Eureka" ->
                    "registry4j turns each of Eureka's records into a validated ServiceInstance "
                            + "(metadata copied, endpoints parsed as URIs, records of one Kratos instance grouped), "
                            + "where the anchor only parses the JSON tree.";
                default ->
                    "a cold read is the server's answer plus the decode of every instance; the decode is the "
                            + "part of registry4j that differs (see the Kratos JSON codec).";
            };
        }
        if (m.startsWith("CPU of one change")) {
            return switch (b) {
                case "Nacos" ->
                    "Nacos pushes the whole service on every change, and the SDK decodes it on both sides; "
                            + "registry4j then converts the 10,000 Nacos instances into validated ServiceInstances "
                            + "(each endpoint a java.net.URI) and sorts them, where the anchor's listener gets the "
                            + "SDK's list as it is. That conversion is about a cold read's decode of 10,000 instances, "
                            + "tens of milliseconds: a budget of 2 ms over the SDK fits backends that deliver the "
                            + "change itself (etcd, ZooKeeper), not a full-list push, whose only way under it would be "
                            + "diffing the SDK's list against the last one before converting.";
                case "Eureka" ->
                    "Eureka is polled: the first poll after a change reads the whole 10,000-instance service on "
                            + "both sides (registry4j's refresh and the anchor's GET, both every "
                            + EurekaTarget.POLL.toMillis() + " ms), and registry4j also converts it into "
                            + "ServiceInstances; a poll that races the write adds a second read to either side.";
                default ->
                    "the watch hands the view only the change, which it patches into its snapshot; what "
                            + "remains is decoding the changed value and copying the snapshot's references.";
            };
        }
        if (m.startsWith("warm getService")) {
            return "a warm getService is the shared view's lookup and its immutable snapshot (no copy); on a loaded "
                    + "machine a call also pays cache misses after each time the thread was descheduled.";
        }
        if (m.contains("heap per watcher")) {
            return "after System.gc(), one measurement: other threads' garbage and, on Eureka, the refresher's copy of "
                    + "the whole registry (which grows with the registry, not with watchers) weigh in.";
        }
        return "no explanation recorded yet.";
    }

    /**
     * {@code -Dbench.only=Nacos,Eureka} runs only the named backends ({@code codec} for the decode measure), to look
     * into one backend; a report of such a run says it is partial. Empty: everything.
     */
    private static final List<String> ONLY = List.of(
                    System.getProperty("bench.only", "").split(",", -1))
            .stream()
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .toList();

    private static boolean selected(String backend) {
        return ONLY.isEmpty() || ONLY.stream().anyMatch(backend::equalsIgnoreCase);
    }

    private void run() {
        if (selected("codec")) {
            decode();
        }
        if (selected("etcd")) {
            runTarget("etcd", EtcdTarget::new);
        }
        if (selected("ZooKeeper")) {
            runTarget("ZooKeeper", ZooKeeperTarget::new);
        }
        if (selected("Eureka")) {
            runTarget("Eureka", EurekaTarget::new);
        }
        if (selected("Nacos")) {
            runTarget("Nacos", NacosTarget::new);
        }
    }

    interface TargetFactory {
        Target start() throws Exception;
    }

    private void runTarget(String backend, TargetFactory factory) {
        log(backend + ": starting the server");
        try (Target target = factory.start()) {
            step(backend, "register", () -> register(target));
            step(backend, "propagation", () -> propagation(target));
            // Watchers and cycles before the reads seed their large services: the resources they count are then
            // their own, not a share of registry data left by the reads (Eureka's refresher, watching more than a
            // few apps, holds a copy of the whole registry).
            step(backend, "watchers", () -> watchers(target));
            step(backend, "cycles", () -> cycles(target));
            step(backend, "reads", () -> reads(target));
            step(backend, "getService", () -> getService(target));
        } catch (Exception e) {
            fail(backend, "server", e);
        }
    }

    interface Step {
        void run() throws Exception;
    }

    private void step(String backend, String name, Step step) {
        log(backend + ": " + name);
        long t0 = System.nanoTime();
        try {
            step.run();
        } catch (Exception | AssertionError e) {
            fail(backend, name, e);
        }
        log(backend + ": " + name + " took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    private void fail(String backend, String what, Throwable e) {
        String message = backend + " " + what + ": " + e;
        failures.add(message);
        System.err.println("FAILED " + message);
        e.printStackTrace();
    }

    private static void log(String message) {
        System.out.println("[bench " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "] " + message);
    }

    interface Sample {
        long take(int i) throws Exception;
    }

    /** Interleaves two measures (ABAB), after warm-up, in rounds. */
    private List<List<long[]>> interleave(int perRound, int warmup, AtomicInteger ids, Sample ours, Sample sdk)
            throws Exception {
        for (int k = 0; k < warmup; k++) {
            ours.take(ids.getAndIncrement());
            sdk.take(ids.getAndIncrement());
        }
        List<long[]> a = new ArrayList<>();
        List<long[]> b = new ArrayList<>();
        for (int r = 0; r < profile.rounds(); r++) {
            long[] x = new long[perRound];
            long[] y = new long[perRound];
            for (int k = 0; k < perRound; k++) {
                if (k % 2 == 0) {
                    x[k] = ours.take(ids.getAndIncrement());
                    y[k] = sdk.take(ids.getAndIncrement());
                } else {
                    y[k] = sdk.take(ids.getAndIncrement());
                    x[k] = ours.take(ids.getAndIncrement());
                }
            }
            a.add(x);
            b.add(y);
        }
        return List.of(a, b);
    }

    private void register(Target t) throws Exception {
        String oursService = "bench-register-ours";
        String sdkService = "bench-register-sdk";
        try (ServiceRegistry registry = t.openRegistry();
                Sdk sdk = t.openSdk()) {
            List<List<long[]>> result = interleave(
                    profile.registerSamples(),
                    WARMUP,
                    new AtomicInteger(),
                    i -> {
                        ServiceInstance instance = Instances.of(oursService, i);
                        long t0 = System.nanoTime();
                        registry.register(instance);
                        long took = System.nanoTime() - t0;
                        registry.deregister(instance);
                        return took;
                    },
                    i -> {
                        long t0 = System.nanoTime();
                        sdk.register(sdkService, i);
                        long took = System.nanoTime() - t0;
                        sdk.deregister(sdkService, i);
                        return took;
                    });
            rows.add(new Row(
                    t.backend(),
                    "register",
                    "ms",
                    Stats.summarize(result.get(0), MS),
                    t.registerAnchor(),
                    Stats.summarize(result.get(1), MS),
                    Budget.ratioP50(1.2),
                    REGISTER_NOTES.getOrDefault(t.backend(), "")));
        }
    }

    /** What registry4j's register does beyond the anchor's call, per backend. */
    private static final Map<String, String> REGISTER_NOTES = Map.of(
            "etcd",
            "both sides grant a lease, start its keep-alive and put (two round trips); registry4j's put is a "
                    + "transaction that refuses to overwrite another client's key",
            "ZooKeeper",
            "registry4j arms an exists watch on its node (to see a deletion right after the write) and sends the "
                    + "create right behind it in the same round trip; the anchor only creates",
            "Eureka",
            "both sides POST the same JSON (registry4j's codec) through the JDK HttpClient; one endpoint, one POST",
            "Nacos",
            "both sides register one instance in Kratos' layout (the service <name>.grpc) through the Nacos SDK");

    @SuppressWarnings("try") // the watches only need to be open while the samples run
    private void propagation(Target t) throws Exception {
        String oursService = "bench-propagation-ours";
        String sdkService = "bench-propagation-sdk";
        Tracker oursSeen = new Tracker();
        Tracker sdkSeen = new Tracker();
        int samples = t.fastPropagation() ? profile.fastPropagationSamples() : profile.slowPropagationSamples();
        int warmup = t.fastPropagation() ? WARMUP : 2;
        try (ServiceRegistry writer = t.openRegistry();
                ServiceRegistry reader = t.openRegistry();
                Sdk sdkWriter = t.openSdk();
                Sdk sdkReader = t.openSdk();
                Subscription subscription = reader.watch(oursService, Runnable::run, event -> {
                    for (ServiceInstance instance : event.instances()) {
                        oursSeen.seen(Instances.number(instance.id()));
                    }
                });
                AutoCloseable sdkWatch = sdkReader.watch(sdkService, sdkSeen::seen)) {
            List<List<long[]>> result = interleave(
                    samples,
                    warmup,
                    new AtomicInteger(),
                    i -> {
                        ServiceInstance instance = Instances.of(oursService, i);
                        CompletableFuture<Long> seen = oursSeen.expect(i);
                        long t0 = System.nanoTime();
                        writer.register(instance);
                        long took = oursSeen.await(i, seen, "registry4j watcher") - t0;
                        writer.deregister(instance);
                        return took;
                    },
                    i -> {
                        CompletableFuture<Long> seen = sdkSeen.expect(i);
                        long t0 = System.nanoTime();
                        sdkWriter.register(sdkService, i);
                        long took = sdkSeen.await(i, seen, "SDK watcher") - t0;
                        sdkWriter.deregister(sdkService, i);
                        return took;
                    });
            rows.add(new Row(
                    t.backend(),
                    "register → visible in another client's watcher",
                    "ms",
                    Stats.summarize(result.get(0), MS),
                    t.watchAnchor(),
                    Stats.summarize(result.get(1), MS),
                    Budget.ratioP99(1.25),
                    ""));
        }
    }

    private void reads(Target t) throws Exception {
        try (ServiceRegistry reader = t.openRegistry();
                Sdk sdk = t.openSdk()) {
            for (int size : t.readSizes(profile)) {
                String service = "bench-read-" + size;
                log(t.backend() + ": seeding " + size + " instances");
                sdk.seed(service, size);
                int[] counts = new int[2];
                int samples = profile.readSamples();
                List<List<long[]>> result = interleave(
                        samples,
                        2,
                        new AtomicInteger(),
                        i -> {
                            long t0 = System.nanoTime();
                            counts[0] = reader.getService(service).size();
                            return System.nanoTime() - t0;
                        },
                        i -> {
                            long t0 = System.nanoTime();
                            counts[1] = sdk.read(service);
                            return System.nanoTime() - t0;
                        });
                String note = counts[0] == size && counts[1] == size
                        ? ""
                        : "registry4j read " + counts[0] + " and the SDK " + counts[1] + " of " + size + " instances";
                rows.add(new Row(
                        t.backend(),
                        String.format(Locale.ROOT, "cold getService, %,d instances (read + decode)", size),
                        "ms",
                        Stats.summarize(result.get(0), MS),
                        t.readAnchor(),
                        Stats.summarize(result.get(1), MS),
                        size >= 10_000 ? Budget.ratioP50(1.2) : Budget.NONE,
                        note));
                if (size >= 10_000) {
                    changeCpu(t, service, size);
                }
            }
        }
    }

    private void changeCpu(Target t, String service, int size) throws Exception {
        AtomicInteger next = new AtomicInteger(size);
        List<long[]> ours = new ArrayList<>();
        List<long[]> anchor = new ArrayList<>();
        try (ServiceRegistry reader = t.openRegistry();
                Sdk writer = t.openSdk();
                Sdk sdkReader = t.openSdk()) {
            int samples = t.fastPropagation() ? profile.changeSamples() : profile.slowChangeSamples();
            for (int r = 0; r <= profile.rounds(); r++) {
                boolean oursFirst = r % 2 == 0;
                long[] a = oursFirst ? changesOurs(reader, writer, service, next, samples) : null;
                long[] b = changesSdk(sdkReader, writer, service, next, samples);
                if (!oursFirst) {
                    a = changesOurs(reader, writer, service, next, samples);
                }
                if (r > 0) { // round 0 is warm-up
                    ours.add(a);
                    anchor.add(b);
                }
            }
        }
        rows.add(new Row(
                t.backend(),
                String.format(Locale.ROOT, "CPU of one change in a %,d-instance service", size),
                "ms CPU",
                Stats.summarize(ours, MS),
                "write + " + t.watchAnchor(),
                Stats.summarize(anchor, MS),
                Budget.diffAtMost(2, "registry4j − SDK ≤ 2 ms"),
                ""));
    }

    /**
     * registry4j's side of the CPU of one change: a watch on the big service, then one write at a time, each sample
     * ending when the listener is handed a snapshot that holds the new instance. The instance is looked for by its
     * port (the one field every backend keeps as written: Nacos ids are the server's), not by the snapshot's size: on
     * Eureka, records that nothing renews (the writes of earlier samples) expire during the measure, so a size never
     * reached would hold the sample until its timeout.
     */
    @SuppressWarnings("try") // the watch only needs to be open while the samples run
    private long[] changesOurs(ServiceRegistry reader, Sdk writer, String service, AtomicInteger next, int count)
            throws Exception {
        AtomicReference<@Nullable Awaited> awaited = new AtomicReference<>();
        CountDownLatch initial = new CountDownLatch(1);
        int base = next.get();
        try (Subscription subscription = reader.watch(service, Runnable::run, event -> {
            if (event.type() == WatchEvent.Type.INITIAL) {
                initial.countDown();
            }
            Awaited a = awaited.get();
            if (a != null && !a.seen().isDone()) {
                for (ServiceInstance instance : event.instances()) {
                    if (instance.endpoints().get(0).getPort() == a.port()) {
                        a.seen().complete(null);
                        break;
                    }
                }
            }
        })) {
            if (!initial.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no initial view of " + service + " in 60 s");
            }
            long[] samples = new long[count];
            for (int k = 0; k < samples.length; k++) {
                CompletableFuture<@Nullable Void> done = new CompletableFuture<>();
                int i = next.getAndIncrement();
                awaited.set(new Awaited(Instances.port(i), done));
                long c0 = cpuNow();
                writer.register(service, i);
                try {
                    done.get(CHANGE_TIMEOUT_S, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new IllegalStateException(
                            "registry4j watcher: instance " + i + " of " + service + " not seen in " + CHANGE_TIMEOUT_S
                                    + " s",
                            e);
                }
                samples[k] = cpuNow() - c0;
            }
            if (next.get() - base != samples.length) {
                throw new IllegalStateException("changes went missing");
            }
            return samples;
        }
    }

    /** The instance a change sample waits for, and its completion. */
    private record Awaited(int port, CompletableFuture<@Nullable Void> seen) {}

    @SuppressWarnings("try") // the watch only needs to be open while the samples run
    private long[] changesSdk(Sdk reader, Sdk writer, String service, AtomicInteger next, int count) throws Exception {
        Tracker seen = new Tracker();
        long[] samples = new long[count];
        try (AutoCloseable watch = reader.watch(service, seen::seen)) {
            // The first change also proves the watch is established; it is not counted.
            int first = next.getAndIncrement();
            CompletableFuture<Long> ready = seen.expect(first);
            writer.register(service, first);
            seen.await(first, ready, "SDK watcher");
            for (int k = 0; k < samples.length; k++) {
                int i = next.getAndIncrement();
                CompletableFuture<Long> f = seen.expect(i);
                long c0 = cpuNow();
                writer.register(service, i);
                seen.await(i, f, "SDK watcher");
                samples[k] = cpuNow() - c0;
            }
        }
        return samples;
    }

    private void watchers(Target t) throws Exception {
        int watchers = profile.watchers();
        int services = profile.services();
        Resources ours;
        try (ServiceRegistry registry = t.openRegistry()) {
            registry.getService("bench-watch-warm");
            Resources before = Resources.sample(t);
            CountDownLatch initial = new CountDownLatch(watchers);
            List<Subscription> subscriptions = new ArrayList<>();
            for (int w = 0; w < watchers; w++) {
                subscriptions.add(registry.watch("bench-watch-" + (w % services), Runnable::run, event -> {
                    if (event.type() == WatchEvent.Type.INITIAL) {
                        initial.countDown();
                    }
                }));
            }
            if (!initial.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException(initial.getCount() + " watchers had no initial view in 120 s");
            }
            ours = Resources.sample(t).minus(before);
            subscriptions.forEach(Subscription::close);
        }
        Resources anchor;
        try (Sdk sdk = t.openSdk()) {
            Resources before = Resources.sample(t);
            List<AutoCloseable> watches = new ArrayList<>();
            for (int w = 0; w < watchers; w++) {
                watches.add(sdk.watch("bench-watch-" + (w % services), i -> {}));
            }
            settle(t, before.serverWatches() + watchers);
            anchor = Resources.sample(t).minus(before);
            for (AutoCloseable watch : watches) {
                watch.close();
            }
        }
        String anchorName = String.format(Locale.ROOT, "%,d SDK watches (%s)", watchers, t.watchAnchor());
        String measure = String.format(Locale.ROOT, "%,d watchers on %d services: ", watchers, services);
        rows.add(new Row(
                t.backend(),
                measure + "threads added",
                "threads",
                Stats.single(ours.threads(), 1),
                anchorName,
                Stats.single(anchor.threads(), 1),
                Budget.atMost(services, "≤ " + services + " (grows with services, not watchers)"),
                ""));
        rows.add(new Row(
                t.backend(),
                measure + "heap per watcher",
                "bytes",
                Stats.single(ours.heap() / (double) watchers, 1),
                anchorName,
                Stats.single(anchor.heap() / (double) watchers, 1),
                Budget.atMost(2048, "≤ 2 KB"),
                "retained heap after System.gc(), least of 3, divided by " + watchers));
        if (ours.serverWatches() >= 0 && t.serverWatches() >= 0) {
            rows.add(new Row(
                    t.backend(),
                    measure + "server watches added",
                    "watches",
                    Stats.single(ours.serverWatches(), 1),
                    anchorName,
                    Stats.single(anchor.serverWatches(), 1),
                    Budget.atMost(services, "≤ " + services + " (one per service)"),
                    ""));
        }
    }

    /** Waits (bounded) until the SDK's watches reached the server, where the server says, else a fixed 2 s. */
    private static void settle(Target t, long expectedServerWatches) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(t.serverWatches() >= 0 ? 30 : 2);
        while (System.nanoTime() < deadline) {
            long watches = t.serverWatches();
            if (watches >= 0 && watches >= expectedServerWatches) {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    private void cycles(Target t) throws Exception {
        int cycles = profile.cycles();
        String oursService = "bench-cycle-ours";
        String sdkService = "bench-cycle-sdk";
        Resources ours;
        long oursResidue;
        try (ServiceRegistry registry = t.openRegistry()) {
            for (int i = 0; i < 10; i++) {
                registry.register(Instances.of(oursService, i));
                registry.deregister(Instances.of(oursService, i));
            }
            long residue0 = awaitResidue(t, oursService, -1);
            Resources before = Resources.sample(t);
            for (int i = 0; i < cycles; i++) {
                ServiceInstance instance = Instances.of(oursService, 100 + i);
                registry.register(instance);
                registry.deregister(instance);
            }
            oursResidue = awaitResidue(t, oursService, residue0) - residue0;
            ours = Resources.sample(t).minus(before);
        }
        Resources anchor;
        long anchorResidue;
        try (Sdk sdk = t.openSdk()) {
            for (int i = 0; i < 10; i++) {
                sdk.register(sdkService, i);
                sdk.deregister(sdkService, i);
            }
            long residue0 = awaitResidue(t, sdkService, -1);
            Resources before = Resources.sample(t);
            for (int i = 0; i < cycles; i++) {
                sdk.register(sdkService, 100 + i);
                sdk.deregister(sdkService, 100 + i);
            }
            anchorResidue = awaitResidue(t, sdkService, residue0) - residue0;
            anchor = Resources.sample(t).minus(before);
        }
        String measure = String.format(Locale.ROOT, "%,d register/deregister cycles: ", cycles);
        String anchorName = "the same cycles with " + t.registerAnchor();
        rows.add(new Row(
                t.backend(),
                measure + "server records left (" + residueName(t) + ")",
                "records",
                Stats.single(oursResidue, 1),
                anchorName,
                Stats.single(anchorResidue, 1),
                Budget.atMost(0, "0 (back to baseline)"),
                ""));
        rows.add(new Row(
                t.backend(),
                measure + "threads added",
                "threads",
                Stats.single(ours.threads(), 1),
                anchorName,
                Stats.single(anchor.threads(), 1),
                Budget.anchorPlus(2, "≤ SDK + 2"),
                ""));
        rows.add(new Row(
                t.backend(),
                measure + "heap added",
                "KB",
                Stats.single(ours.heap() / 1024.0, 1),
                anchorName,
                Stats.single(anchor.heap() / 1024.0, 1),
                Budget.NONE,
                "after System.gc(), least of 3; within a few hundred KB is noise"));
    }

    private static String residueName(Target t) {
        return t.backend().equals("etcd") ? "leases" : "instances";
    }

    /** Waits (bounded) until the server's records of {@code service} are back to {@code baseline}; returns them. */
    private static long awaitResidue(Target t, String service, long baseline) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long residue = t.serverResidue(service);
        while ((baseline < 0 || residue > baseline) && System.nanoTime() < deadline) {
            if (baseline < 0) {
                // No baseline yet: wait until the warm-up's records are gone (or 5 s).
                if (residue == 0 || System.nanoTime() > deadline - TimeUnit.SECONDS.toNanos(25)) {
                    return residue;
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            residue = t.serverResidue(service);
        }
        return residue;
    }

    private void getService(Target t) throws Exception {
        List<double[]> ns = jmh(
                GetServiceBenchmark.class,
                Map.of("backend", t.backend(), "address", t.address()),
                List.of("registry4j", "mapLookupCopy"));
        String measure = "warm getService (10 instances)";
        String anchorName = "map lookup + list copy";
        // The budget is the cost of a call, so it is judged on the benchmark thread's CPU time per call: wall-clock
        // time per call also counts the time other jobs held the cores (on this shared machine, several times the
        // call itself, and enough to move a verdict from one run to the next).
        rows.add(new Row(
                t.backend(),
                measure + ": CPU time",
                "ns CPU/op",
                Stats.runs(ns.get(4), ns.get(4).length),
                anchorName,
                Stats.runs(ns.get(5), ns.get(5).length),
                Budget.atMost(100, "≤ 100 ns"),
                "the benchmark thread's CPU time in each measured iteration divided by its calls; the budget is "
                        + "judged on it"));
        addJmhRows(
                t.backend(),
                measure,
                ns,
                anchorName,
                "ns",
                Budget.NONE,
                Budget.atMost(0.5, "0 B (JMH reads < 0.5 B/op as 0)"));
    }

    /**
     * Decoding Kratos JSON values in this JVM, registry4j and Jackson databind alternating round by round (which goes
     * first alternates too), measured in thread CPU time and allocated bytes, so that other jobs on the machine
     * (which stretch wall-clock time, not the CPU time of the work) move the figures little.
     */
    private void decode() {
        String backend = "Kratos JSON codec (etcd and ZooKeeper values)";
        try {
            for (int size : List.of(1_000, 10_000)) {
                List<String> values = new ArrayList<>(size);
                for (int i = 0; i < size; i++) {
                    values.add(Instances.kratosJson("bench-decode", i));
                }
                int rounds = profile.decodeRounds();
                double[][] out = new double[4][rounds];
                long[] sink = new long[1];
                // Long enough for both decoders to be compiled even when the compiler threads share the machine.
                int warmup = 3 * WARMUP;
                for (int r = -warmup; r < rounds; r++) {
                    boolean oursFirst = (r & 1) == 0;
                    for (int side = 0; side < 2; side++) {
                        boolean ours = (side == 0) == oursFirst;
                        long a0 = THREADS.getCurrentThreadAllocatedBytes();
                        long c0 = THREADS.getCurrentThreadCpuTime();
                        if (ours) {
                            for (String value : values) {
                                sink[0] += KratosJson.decode(value).endpoints().size();
                            }
                        } else {
                            for (String value : values) {
                                sink[0] += Json.MAPPER
                                        .readValue(value, KratosRecord.class)
                                        .endpoints()
                                        .size();
                            }
                        }
                        long cpu = THREADS.getCurrentThreadCpuTime() - c0;
                        long bytes = THREADS.getCurrentThreadAllocatedBytes() - a0;
                        if (r >= 0) {
                            out[ours ? 0 : 1][r] = cpu / 1e3;
                            out[ours ? 2 : 3][r] = bytes;
                        }
                    }
                }
                if (sink[0] != 2L * (warmup + rounds) * size) {
                    throw new IllegalStateException("decoded " + sink[0] + " endpoints");
                }
                String measure = String.format(Locale.ROOT, "decode %,d values", size);
                boolean big = size == 10_000;
                rows.add(new Row(
                        backend,
                        measure + ": CPU time",
                        "µs CPU",
                        Stats.runs(out[0], rounds),
                        "Jackson databind into a record",
                        Stats.runs(out[1], rounds),
                        big ? Budget.ratioP50(1.2) : Budget.NONE,
                        big ? "the figures are per decode of all " + size + " values; n is the number of rounds" : ""));
                rows.add(new Row(
                        backend,
                        measure + ": allocation",
                        "B",
                        Stats.runs(out[2], rounds),
                        "Jackson databind into a record",
                        Stats.runs(out[3], rounds),
                        big ? Budget.ratioP50(1.2) : Budget.NONE,
                        ""));
            }
        } catch (Exception e) {
            fail(backend, "decode", e);
        }
    }

    /** Adds two rows (time and allocation) from {@link #jmh} results. */
    private void addJmhRows(
            String backend,
            String measure,
            List<double[]> r,
            String anchorName,
            String unit,
            Budget time,
            Budget bytes) {
        rows.add(new Row(
                backend,
                measure + ": wall-clock time",
                unit + "/op",
                Stats.runs(r.get(0), r.get(0).length),
                anchorName,
                Stats.runs(r.get(1), r.get(1).length),
                time,
                time.kind() == Budget.Kind.NONE ? "for information: other jobs on the machine stretch it" : ""));
        rows.add(new Row(
                backend,
                measure + ": allocation",
                "B/op",
                Stats.runs(r.get(2), r.get(2).length),
                anchorName,
                Stats.runs(r.get(3), r.get(3).length),
                bytes,
                ""));
    }

    /**
     * Runs a JMH benchmark class {@link #jmhRounds} times (each run has both methods) and returns the score and the
     * allocation of every measured iteration of every fork and run (each one a figure for the verdict's interval):
     * [ours score, anchor score, ours B/op, anchor B/op, ours CPU ns/op, anchor CPU ns/op] (the CPU time from a
     * {@code cpuNanos} event counter of the benchmark, NaN without one).
     */
    private List<double[]> jmh(Class<?> benchmark, Map<String, String> params, List<String> methods) throws Exception {
        List<List<Double>> out = List.of(
                new ArrayList<>(),
                new ArrayList<>(),
                new ArrayList<>(),
                new ArrayList<>(),
                new ArrayList<>(),
                new ArrayList<>());
        for (int r = 0; r < jmhRounds(); r++) {
            OptionsBuilder builder = new OptionsBuilder();
            builder.include(benchmark.getName() + "\\.(" + String.join("|", methods) + ")$")
                    .forks(profile.jmhForks())
                    .warmupIterations(profile.jmhWarmups())
                    .warmupTime(TimeValue.seconds(1))
                    .measurementIterations(profile.jmhIterations())
                    .measurementTime(TimeValue.seconds(1))
                    .addProfiler(GCProfiler.class)
                    .jvmArgs("-Xms256m", "-Xmx256m")
                    .shouldFailOnError(true);
            params.forEach((k, v) -> builder.param(k, v));
            Options options = builder.build();
            Collection<RunResult> results = new Runner(options).run();
            for (RunResult result : results) {
                String name = result.getParams().getBenchmark();
                int side = name.endsWith("." + methods.get(0)) ? 0 : 1;
                for (BenchmarkResult fork : result.getBenchmarkResults()) {
                    for (IterationResult iteration : fork.getIterationResults()) {
                        out.get(side).add(iteration.getPrimaryResult().getScore());
                        out.get(2 + side).add(allocation(iteration.getSecondaryResults()));
                        out.get(4 + side).add(cpuPerOp(iteration));
                    }
                }
            }
        }
        List<double[]> arrays = new ArrayList<>();
        for (List<Double> values : out) {
            arrays.add(values.stream().mapToDouble(Double::doubleValue).toArray());
        }
        return arrays;
    }

    /** The benchmark thread's CPU nanoseconds per measured operation of an iteration, or NaN. */
    @SuppressWarnings("rawtypes") // JMH's own signature
    private static double cpuPerOp(IterationResult iteration) {
        Result cpu = iteration.getSecondaryResults().get("cpuNanos");
        long ops = iteration.getMetadata().getMeasuredOps();
        return cpu == null || ops <= 0 ? Double.NaN : cpu.getScore() / ops;
    }

    @SuppressWarnings("rawtypes") // JMH's own signature
    private static double allocation(Map<String, Result> secondary) {
        for (Map.Entry<String, Result> e : secondary.entrySet()) {
            if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                return e.getValue().getScore();
            }
        }
        return Double.NaN;
    }

    /**
     * The CPU time of every live thread of this JVM, summed: nanosecond resolution, where the process CPU time that
     * Linux reports moves in 10 ms steps.
     */
    private static long cpuNow() {
        long[] times = THREADS.getThreadCpuTime(THREADS.getAllThreadIds());
        long sum = 0;
        for (long time : times) {
            if (time > 0) {
                sum += time;
            }
        }
        return sum;
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // Not Linux: fall through.
        }
        return System.getProperty("os.arch");
    }

    /** The 1, 5 and 15 minute load averages, as uptime prints them (or the JVM's 1 minute figure off Linux). */
    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+", -1);
            return fields[0] + ", " + fields[1] + ", " + fields[2];
        } catch (IOException | RuntimeException e) {
            return String.format(Locale.ROOT, "%.2f", OS.getSystemLoadAverage());
        }
    }

    /** The previous report's date and machine lines, for the comparison of verdicts. */
    private static String previousRun(String report) {
        List<String> lines = new ArrayList<>();
        for (String line : report.split("\n", -1)) {
            if (line.startsWith("- Date: ") || line.startsWith("- Machine: ")) {
                lines.add(line.substring(2));
            }
        }
        return lines.isEmpty() ? "(no date recorded)" : String.join("; ", lines);
    }

    /** Threads, retained heap and server watches at one moment. */
    record Resources(long threads, long heap, long serverWatches) {
        static Resources sample(Target t) throws Exception {
            // Let threads that earlier steps left idle finish first (bounded): a count that still moves is noise.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            int threads = ManagementFactory.getThreadMXBean().getThreadCount();
            while (System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
                int now = ManagementFactory.getThreadMXBean().getThreadCount();
                if (now == threads) {
                    break;
                }
                threads = now;
            }
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            // The least of three readings after a full GC: other threads allocating meanwhile only add to it.
            long heap = Long.MAX_VALUE;
            for (int i = 0; i < 3; i++) {
                System.gc();
                heap = Math.min(heap, memory.getHeapMemoryUsage().getUsed());
            }
            return new Resources(ManagementFactory.getThreadMXBean().getThreadCount(), heap, t.serverWatches());
        }

        Resources minus(Resources before) {
            return new Resources(threads - before.threads, heap - before.heap, serverWatches - before.serverWatches);
        }
    }
}
