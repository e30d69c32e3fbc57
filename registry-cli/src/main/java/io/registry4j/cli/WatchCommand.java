package io.registry4j.cli;

import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.Subscription;
import io.registry4j.WatchEvent;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code registry4j watch SERVICE}: every snapshot of a service as it changes, with what was added, removed or
 * changed, until Ctrl-C.
 *
 * <p>Design: one listener subscription ({@code Discovery.watch(name, executor, listener)}) delivers full snapshots in
 * order on one thread of our own, so a slow terminal never holds up the registry's threads; the diff against the
 * last authoritative list is computed here. An outage arrives as a {@code STALE} event carrying the last list,
 * which is shown as such, never as an empty service. The first snapshot must arrive within {@code --timeout}, or
 * the command fails as for an unreachable server.
 */
@Command(
        name = "watch",
        description = {
            "Print a service's instances, then every change, until Ctrl-C.",
            "%nPrint the instances of a service, then every change as it happens, until Ctrl-C. Each "
                    + "snapshot has a timestamp and says what was added (+), removed (-) or changed (~). While the "
                    + "registry is unreachable the last list is kept and shown as STALE, not as empty; RECOVERED "
                    + "follows. With -o json, one JSON object per line: time, service, event (INITIAL, CHANGED, STALE, "
                    + "RECOVERED), stale, added, removed, changed (ids) and instances (Kratos ServiceInstance "
                    + "objects)."
        },
        parameterListHeading = "%nParameters:%n",
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  registry4j watch orders -r etcd://127.0.0.1:2379",
            "  registry4j watch orders -o json -r eureka://127.0.0.1:8761/eureka"
        })
final class WatchCommand implements Callable<Integer> {
    private final Cli cli;

    @Mixin
    HelpOption help = new HelpOption();

    @Mixin
    RegistryOptions registry = new RegistryOptions();

    @Parameters(index = "0", paramLabel = "SERVICE", description = "The service name, such as orders.")
    String service = "";

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FORMAT",
            description = "table (default) or json (one object per line).")
    OutputFormat output = OutputFormat.TABLE;

    WatchCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws InterruptedException {
        String name = Commands.serviceName(service);
        String url = RegistryOptions.display(registry.url(cli));
        ExecutorService delivery = Executors.newSingleThreadExecutor(CliThreads.factory("watch"));
        try (ServiceRegistry r = registry.open(cli)) {
            var printer = new Printer(name);
            Subscription subscription;
            try {
                subscription = r.watch(name, delivery, printer);
            } catch (RegistryException e) {
                throw RegistryOptions.failure("cannot watch " + name + " in " + url, e);
            }
            try (subscription) {
                awaitFirst(r, printer, name, url);
                cli.awaitStop();
            }
        } finally {
            delivery.shutdown();
            delivery.awaitTermination(5, TimeUnit.SECONDS);
        }
        return cli.stoppedExitCode();
    }

    private void awaitFirst(ServiceRegistry r, Printer printer, String name, String url) throws InterruptedException {
        WatchEvent first;
        try {
            first = printer.first.get(registry.timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            explainNoList(r, name, url);
            throw CliException.runtime(
                    "cannot watch " + name + ": " + url + " gave no list within " + Durations.format(registry.timeout)
                            + "; check that the server runs and the address is right, or raise --timeout",
                    e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the first event is only ever completed normally", e);
        }
        if (first.type() == WatchEvent.Type.STALE) {
            explainNoList(r, name, url);
            throw CliException.runtime("cannot watch " + name + ": " + url
                    + " is unreachable; check that the server runs and the address is right");
        }
    }

    /**
     * A watch that got no list says only that; one direct read says why (a refused login, a denied read, a refused
     * connection), which is reported instead of calling the server unreachable.
     */
    private void explainNoList(ServiceRegistry r, String name, String url) {
        try {
            Bounded.call(registry.timeout, "reading " + name + " in " + url, () -> r.getService(name));
        } catch (RegistryException e) {
            throw RegistryOptions.failure("cannot watch " + name + " in " + url, e);
        } catch (CliException e) {
            // No answer to the read either: the caller's message says so.
        }
    }

    /** Prints each event; runs on the one delivery thread, so its state needs no lock. */
    private final class Printer implements io.registry4j.WatchListener {
        final CompletableFuture<WatchEvent> first = new CompletableFuture<>();
        private final String name;
        private List<ServiceInstance> previous = List.of();

        Printer(String name) {
            this.name = name;
        }

        @Override
        public void onEvent(WatchEvent event) {
            first.complete(event);
            Instant now = cli.clock().instant();
            Diff diff = event.type() == WatchEvent.Type.STALE
                    ? Diff.between(List.of(), List.of())
                    : Diff.between(previous, event.instances());
            PrintWriter out = cli.out();
            if (output == OutputFormat.JSON) {
                out.println(json(now, event, diff));
            } else {
                for (String line : text(now, event, diff)) {
                    out.println(line);
                }
            }
            out.flush();
            if (event.isAuthoritative()) {
                previous = event.instances();
            }
        }

        private String json(Instant now, WatchEvent event, Diff diff) {
            var line = new StringBuilder()
                    .append("{\"time\":")
                    .append(Json.string(now.toString()))
                    .append(",\"service\":")
                    .append(Json.string(name))
                    .append(",\"event\":")
                    .append(Json.string(event.type().name()))
                    .append(",\"stale\":")
                    .append(!event.isAuthoritative());
            for (Map.Entry<String, List<String>> e : diff.ids().entrySet()) {
                line.append(",\"").append(e.getKey()).append("\":").append(Json.strings(e.getValue()));
            }
            return line.append(",\"instances\":")
                    .append(Json.instances(event.instances()))
                    .append('}')
                    .toString();
        }

        private List<String> text(Instant now, WatchEvent event, Diff diff) {
            String head = Commands.time(now) + " " + String.format("%-9s", event.type()) + " " + name + ": ";
            String count = Table.count(event.instances().size());
            var lines = new java.util.ArrayList<String>();
            switch (event.type()) {
                case STALE ->
                    lines.add(head + "registry unreachable; keeping the last list (" + count
                            + "), which may be out of date");
                case RECOVERED ->
                    lines.add(head + "registry reachable again; " + count + (diff.isEmpty() ? ", unchanged" : ""));
                default ->
                    lines.add(head
                            + count
                            + (diff.isEmpty() && event.type() == WatchEvent.Type.CHANGED ? ", unchanged" : ""));
            }
            for (String change : diff.lines()) {
                lines.add(" ".repeat(13) + change);
            }
            return lines;
        }
    }
}
