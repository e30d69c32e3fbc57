package io.registry4j.cli;

import io.registry4j.RegistrationEvent;
import io.registry4j.RegistryException;
import io.registry4j.ServiceCatalog;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.WatchEvent;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code registry4j doctor}: checks that a registry does what registry4j promises, end to end, with timings.
 *
 * <p>Design: two independent clients of the same URL play two services. Client A registers a probe instance; client
 * B watches its service. Each check measures one promise with the monotonic clock: B's watcher sees the probe appear
 * (propagation), B reads it back unchanged (metadata with non-ASCII text, two endpoints in order), the catalog lists
 * it, A puts it back after someone deletes it behind A's back (see {@link BehindTheBack}), and B sees it go after A
 * deregisters it. Checks print as they finish, so a slow step is visible while it runs. A check that later checks
 * need (connecting, registering) ends the run when it fails. Exit code 1 if any check failed.
 */
@Command(
        name = "doctor",
        description = {
            "Check a registry end to end: a pass/fail report with timings.",
            "%nCheck a registry end to end and print a pass/fail report with timings: connect, read, watch, "
                    + "register a probe instance, how long until a second client's watcher sees it, whether it reads "
                    + "back unchanged, whether it is put back after being deleted behind the registry's back, and how "
                    + "long until the watcher sees it gone after deregistering. Exit code 1 if a check fails."
        },
        parameterListHeading = "%nParameters:%n",
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  registry4j doctor -r etcd://127.0.0.1:2379",
            "  registry4j doctor -r zookeeper://127.0.0.1:2181 --timeout 5s",
            "  registry4j doctor -r nacos://127.0.0.1:8848 --restore-timeout 60s"
        })
final class DoctorCommand implements Callable<Integer> {
    /** The service the probe instance registers under unless {@code --service} says otherwise. */
    static final String DEFAULT_SERVICE = "registry4j-doctor";

    private final Cli cli;

    @Mixin
    HelpOption help = new HelpOption();

    @Mixin
    RegistryOptions registry = new RegistryOptions();

    @Option(
            names = "--service",
            paramLabel = "SERVICE",
            description = "Service name of the probe instance. Default: " + DEFAULT_SERVICE + ".")
    String service = DEFAULT_SERVICE;

    @Option(
            names = "--restore-timeout",
            paramLabel = "DURATION",
            converter = Durations.class,
            description = "How long the registry may take to put back a deleted instance. Default: 30s.")
    Duration restoreTimeout = Duration.ofSeconds(30);

    DoctorCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws InterruptedException {
        String name = Commands.serviceName(service);
        URI uri = RegistryOptions.parse(registry.url(cli));
        String url = RegistryOptions.display(registry.url(cli));
        var report = new Report(cli.out());
        report.header("registry4j doctor: " + url + " (each wait up to " + Durations.format(registry.timeout) + ")");
        ServiceInstance probe = probe(name);
        var deliveries = Executors.newSingleThreadExecutor(CliThreads.factory("doctor"));
        List<AutoCloseable> open = new ArrayList<>();
        long started = System.nanoTime();
        try {
            run(report, uri, probe, deliveries, open);
        } finally {
            for (int i = open.size() - 1; i >= 0; i--) {
                closeQuietly(open.get(i));
            }
            deliveries.shutdown();
            deliveries.awaitTermination(5, TimeUnit.SECONDS);
        }
        return report.summary(System.nanoTime() - started);
    }

    private void run(
            Report report, URI uri, ServiceInstance probe, ExecutorService deliveries, List<AutoCloseable> open)
            throws InterruptedException {
        String name = probe.name();
        String id = probe.id();
        Duration timeout = registry.timeout;

        // 1. connect: two independent clients.
        long t = System.nanoTime();
        ServiceRegistry a;
        ServiceRegistry b;
        try {
            a = registry.open(cli);
            open.add(a);
            b = registry.open(cli);
            open.add(b);
        } catch (CliException e) {
            if (e.exitCode() == CliException.USAGE) {
                throw e;
            }
            report.fail("connect", String.valueOf(e.getMessage()));
            report.stop("nothing else can be checked without a connection");
            return;
        }
        // Opening a registry may send nothing (etcd, Eureka): only an answer proves the server is there.
        try {
            for (ServiceRegistry r : List.of(a, b)) {
                Bounded.call(
                        timeout, "reaching " + RegistryOptions.display(registry.url(cli)), () -> r.getService(name));
            }
        } catch (RegistryException | CliException e) {
            report.fail("connect", message(e));
            report.stop("nothing else can be checked without a connection");
            return;
        }
        report.pass("connect", "opened two " + a.backend() + " clients, both answered, in " + since(t));

        // 2. read.
        t = System.nanoTime();
        try {
            List<ServiceInstance> now = Bounded.call(timeout, "getService(" + name + ")", () -> a.getService(name));
            report.pass("read", "getService(" + name + ") answered in " + since(t) + ": " + Table.count(now.size()));
        } catch (RegistryException | CliException e) {
            report.fail("read", message(e));
            report.stop("the registry does not answer reads");
            return;
        }

        // 3. watch, from the second client.
        var seen = new Observed();
        t = System.nanoTime();
        try {
            open.add(b.watch(name, deliveries, seen));
        } catch (RegistryException e) {
            report.fail("watch", message(e));
            report.stop("the second client cannot watch");
            return;
        }
        Observed.Seen first = seen.await(0, list -> true, timeout);
        if (first == null) {
            WatchEvent stale =
                    seen.events().isEmpty() ? null : seen.events().get(0).event();
            report.fail(
                    "watch",
                    stale != null
                            ? "the watcher reports the registry unreachable (STALE)"
                            : "the watcher got no first list within " + Durations.format(timeout));
            report.stop("the second client cannot watch");
            return;
        }
        report.pass(
                "watch",
                "the second client's watcher got its first list in " + Durations.formatNanos(first.nanos() - t));

        // 4. register, with A's registration states recorded.
        var states = new States();
        try {
            open.add(a.addRegistrationListener(deliveries, states));
        } catch (UnsupportedOperationException e) {
            // States are then not reported; the re-registration check falls back on the watcher.
        }
        t = System.nanoTime();
        long registered;
        try {
            Bounded.call(timeout, "register " + name + "/" + id, () -> {
                a.register(probe);
                return null;
            });
            registered = System.nanoTime();
            report.pass("register", "registered " + name + "/" + id + " in " + Durations.formatNanos(registered - t));
        } catch (RegistryException | CliException e) {
            report.fail("register", message(e));
            report.stop("the remaining checks need a registered instance");
            return;
        }

        // 5. propagation of an addition.
        int from = 0;
        Observed.Seen added = seen.await(from, Observed.holds(id), timeout);
        if (added == null) {
            report.fail("see added", "the second client's watcher did not see it within " + Durations.format(timeout));
        } else {
            report.pass(
                    "see added", "the second client's watcher saw it " + after(added.nanos(), registered, "register"));
        }

        // 6. round trip through the second client.
        try {
            List<ServiceInstance> list = Bounded.call(timeout, "getService(" + name + ")", () -> b.getService(name));
            Optional<ServiceInstance> back =
                    list.stream().filter(i -> i.id().equals(id)).findFirst();
            if (back.isEmpty()) {
                report.fail("round trip", "getService on the second client does not return it");
            } else if (!back.get().equals(probe)) {
                report.fail("round trip", "it reads back changed: " + new Diff.Change(probe, back.get()).describe());
            } else {
                report.pass(
                        "round trip",
                        "the second client reads it back unchanged (version, "
                                + probe.metadata().size()
                                + " metadata keys with non-ASCII text, "
                                + probe.endpoints().size()
                                + " endpoints in order)");
            }
        } catch (RegistryException | CliException e) {
            report.fail("round trip", message(e));
        }

        // 7. the catalog, where the backend has one.
        if (a instanceof ServiceCatalog catalog) {
            try {
                boolean listed =
                        Bounded.call(timeout, "services()", catalog::services).contains(name);
                if (listed) {
                    report.pass("catalog", "services() lists " + name);
                } else {
                    report.fail("catalog", "services() does not list " + name);
                }
            } catch (RegistryException | CliException e) {
                report.fail("catalog", message(e));
            }
        } else {
            report.skip("catalog", "the " + a.backend() + " backend cannot list services");
        }

        // 8. re-registration after a deletion behind A's back.
        reRegistration(report, uri, b, probe, seen, states);

        // 9. deregister, and 10. propagation of the removal.
        from = seen.count();
        t = System.nanoTime();
        long deregistered;
        try {
            Bounded.call(timeout, "deregister " + name + "/" + id, () -> {
                a.deregister(probe);
                return null;
            });
            deregistered = System.nanoTime();
            report.pass("deregister", "deregistered it in " + Durations.formatNanos(deregistered - t));
        } catch (RegistryException | CliException e) {
            report.fail("deregister", message(e));
            return;
        }
        Observed.Seen gone = seen.await(from, Observed.lacks(id), timeout);
        if (gone == null) {
            report.fail("see removed", "the second client's watcher still lists it after " + Durations.format(timeout));
        } else {
            report.pass(
                    "see removed",
                    "the second client's watcher saw it gone " + after(gone.nanos(), deregistered, "deregister"));
        }
    }

    private void reRegistration(
            Report report, URI uri, ServiceRegistry b, ServiceInstance probe, Observed seen, States states)
            throws InterruptedException {
        String id = probe.id();
        int from = seen.count();
        int fromState = states.count();
        long t = System.nanoTime();
        BehindTheBack.Outcome outcome;
        try {
            outcome = BehindTheBack.delete(uri, b, probe, registry.timeout);
        } catch (RegistryException | CliException | IllegalStateException e) {
            report.fail("re-register", "could not delete it behind the registry's back: " + message(e));
            return;
        }
        if (!outcome.deleted()) {
            report.skip("re-register", "cannot delete it behind the registry's back: " + outcome.how());
            return;
        }
        long deleted = System.nanoTime();
        RegistrationEvent restored = states.await(fromState, RegistrationEvent.State.RESTORED, restoreTimeout);
        Observed.Seen back = seen.await(from, Observed.holds(id), restoreTimeout);
        if (restored == null && back == null) {
            report.fail(
                    "re-register",
                    outcome.how() + ", and the registry did not put it back within "
                            + Durations.format(restoreTimeout));
            return;
        }
        if (back == null) {
            report.fail(
                    "re-register",
                    outcome.how() + "; the registry reports it RESTORED but the second client does not see it");
            return;
        }
        long visible = Math.max(back.nanos(), deleted);
        report.pass(
                "re-register",
                outcome.how() + " after " + Durations.formatNanos(deleted - t) + "; "
                        + (restored == null ? "" : "the registry reported LOST then RESTORED; ")
                        + "the second client sees it again " + Durations.formatNanos(visible - deleted)
                        + " after the deletion");
    }

    private static ServiceInstance probe(String name) {
        return ServiceInstance.builder()
                .name(name)
                .id("probe-"
                        + String.format(
                                Locale.ROOT, "%08x", ThreadLocalRandom.current().nextInt()))
                .version("1.0.0")
                .putMetadata("purpose", "registry4j doctor probe; safe to delete")
                .putMetadata("text", "ünïcödé ✓ 東京")
                .endpoint("http://127.0.0.1:8080")
                .endpoint("grpc://127.0.0.1:9090")
                .build();
    }

    /** {@code 12 ms after register returned}, or {@code before register returned} when the event came first. */
    private static String after(long seenNanos, long returnedNanos, String call) {
        long delta = seenNanos - returnedNanos;
        return delta <= 0
                ? "before " + call + " returned"
                : Durations.formatNanos(delta) + " after " + call + " returned";
    }

    private static String since(long startNanos) {
        return Durations.formatNanos(System.nanoTime() - startNanos);
    }

    private static String message(Exception e) {
        if (e instanceof RegistryException r) {
            return Errors.describe(r);
        }
        return String.valueOf(e.getMessage());
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // Closing is best effort here: the report is what matters.
        }
    }

    /** Registration events of client A, waited on by the re-registration check. */
    private static final class States implements io.registry4j.RegistrationListener {
        private final List<RegistrationEvent> events = new ArrayList<>();

        @Override
        public synchronized void onEvent(RegistrationEvent event) {
            events.add(event);
            notifyAll();
        }

        synchronized int count() {
            return events.size();
        }

        synchronized @Nullable RegistrationEvent await(int from, RegistrationEvent.State state, Duration timeout)
                throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            int next = from;
            while (true) {
                for (; next < events.size(); next++) {
                    if (events.get(next).state() == state) {
                        return events.get(next);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                wait(Math.max(1, left / 1_000_000), 0);
            }
        }
    }

    /** The report, printed line by line as checks finish. */
    private static final class Report {
        private final PrintWriter out;
        private final List<String> failed = new ArrayList<>();
        private int passed;
        private int skipped;

        Report(PrintWriter out) {
            this.out = out;
        }

        void header(String line) {
            out.println(line);
            out.println();
            out.flush();
        }

        void pass(String check, String detail) {
            passed++;
            line("PASS", check, detail);
        }

        void fail(String check, String detail) {
            failed.add(check);
            line("FAIL", check, detail);
        }

        void skip(String check, String detail) {
            skipped++;
            line("SKIP", check, detail);
        }

        void stop(String why) {
            out.println("  stopped: " + why);
            out.flush();
        }

        private void line(String status, String check, String detail) {
            out.println("  " + status + "  " + String.format(Locale.ROOT, "%-12s", check) + "  " + detail);
            out.flush();
        }

        int summary(long nanos) {
            out.println();
            int total = passed + failed.size() + skipped;
            String time = Durations.formatNanos(nanos);
            String skips = skipped == 0 ? "" : " (" + skipped + " skipped)";
            if (failed.isEmpty()) {
                out.println("doctor: all " + passed + " checks that ran passed" + skips + ", in " + time);
            } else {
                out.println("doctor: " + failed.size() + " of " + total + " checks failed (" + String.join(", ", failed)
                        + ")" + skips + ", in " + time);
            }
            out.flush();
            return failed.isEmpty() ? CliException.OK : CliException.RUNTIME;
        }
    }
}
