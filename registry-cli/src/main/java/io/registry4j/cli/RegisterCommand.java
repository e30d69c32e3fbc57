package io.registry4j.cli;

import io.registry4j.RegistrationEvent;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.Subscription;
import io.registry4j.etcd.EtcdRegistry;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
 * {@code registry4j register}: registers one instance and keeps it registered until Ctrl-C, then deregisters it.
 *
 * <p>Design: this is the library's desired-state registration seen from a terminal. After {@code register} returns,
 * the registry's own keeper holds the instance (lease keepalive, heartbeat, ephemeral node) and puts it back when
 * the backend loses it; its state changes ({@code LOST}, {@code RETRYING}, {@code RESTORED}) arrive through a
 * registration listener and are printed as they happen, on a thread of our own. Ctrl-C raises the stop signal; the
 * instance is deregistered and the registry closed before the process exits.
 */
@Command(
        name = "register",
        description = {
            "Register an instance and keep it registered until Ctrl-C.",
            "%nRegister an instance and keep it registered until Ctrl-C, then deregister it. The registry "
                    + "keeps it alive (lease, heartbeat or session, depending on the backend) and registers it again "
                    + "if the backend loses it; each such change is printed."
        },
        parameterListHeading = "%nParameters:%n",
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  registry4j register --name orders --id orders-1 --version 1.4.2 \\",
            "      --endpoint grpc://10.0.0.7:9000 --endpoint http://10.0.0.7:8000 \\",
            "      --meta zone=eu-1a --meta weight=100 -r etcd://127.0.0.1:2379"
        })
final class RegisterCommand implements Callable<Integer> {
    private final Cli cli;

    @Mixin
    RegistryOptions registry = new RegistryOptions();

    @Option(names = "--name", required = true, paramLabel = "SERVICE", description = "The service name.")
    String name = "";

    @Option(
            names = "--id",
            paramLabel = "ID",
            description = "The instance id, unique within the service. Default: SERVICE-<8 random hex digits>.")
    @Nullable
    String id;

    @Option(
            names = "--version",
            paramLabel = "VERSION",
            description = "The version the instance runs, such as 1.4.2. Default: none.")
    String version = "";

    @Option(
            names = "--endpoint",
            required = true,
            paramLabel = "URL",
            description =
                    "Where the instance is reached, such as grpc://host:9000; repeat for more, in order of preference.")
    List<String> endpoints = new ArrayList<>();

    @Option(names = "--meta", paramLabel = "KEY=VALUE", description = "Metadata, such as zone=eu-1a; repeat for more.")
    Map<String, String> metadata = new LinkedHashMap<>();

    @Mixin
    HelpOption help = new HelpOption();

    RegisterCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws InterruptedException {
        ServiceInstance instance = instance();
        String url = RegistryOptions.display(registry.url(cli));
        String what = instance.name() + "/" + instance.id();
        PrintWriter out = cli.out();
        ExecutorService events = Executors.newSingleThreadExecutor(CliThreads.factory("events"));
        try (ServiceRegistry r = registry.open(cli)) {
            Subscription states = listen(r, events);
            try (states) {
                try {
                    Bounded.call(registry.timeout, "registering " + what + " in " + url, () -> {
                        r.register(instance);
                        return null;
                    });
                } catch (RegistryException e) {
                    throw RegistryOptions.failure("cannot register " + what + " in " + url, e);
                }
                out.println(Commands.time(cli.clock().instant()) + " registered " + what + " ("
                        + (instance.version().isEmpty() ? "" : "version " + instance.version() + ", ")
                        + Table.endpoints(instance) + ") in " + url);
                out.println("keeping it registered until Ctrl-C; the registry puts it back if the backend loses it");
                out.flush();
                cli.awaitStop();
                String expiry = expiry(r);
                cli.quitNote(what + " stays registered in " + url + " until " + expiry);
                out.println(Commands.time(cli.clock().instant()) + " deregistering " + what
                        + "… (Ctrl-C again to quit now; " + expiry + ")");
                out.flush();
                try {
                    Bounded.call(registry.timeout, "deregistering " + what + " from " + url, () -> {
                        r.deregister(instance);
                        return null;
                    });
                } catch (RegistryException e) {
                    throw RegistryOptions.failure(
                            "cannot deregister " + what + " from " + url
                                    + " (the backend drops it when its lease or session ends)",
                            e);
                }
                cli.quitNote(null);
                out.println(Commands.time(cli.clock().instant()) + " deregistered " + what + " from " + url);
                out.flush();
            }
        } finally {
            events.shutdown();
            events.awaitTermination(5, TimeUnit.SECONDS);
        }
        return cli.stoppedExitCode();
    }

    /** When the backend drops an instance whose owner stopped renewing it. */
    private static String expiry(ServiceRegistry r) {
        if (r instanceof EtcdRegistry etcd) {
            return "its lease expires within " + etcd.ttl().toSeconds() + " s";
        }
        return "its lease or session ends";
    }

    /** Builds the instance from the options; a bad value is a usage error naming the field and the value. */
    ServiceInstance instance() {
        String service = Commands.serviceName(name);
        String given = id;
        String instanceId = given != null
                ? given
                : service + "-"
                        + String.format(
                                Locale.ROOT, "%08x", ThreadLocalRandom.current().nextInt());
        try {
            var b = ServiceInstance.builder()
                    .name(service)
                    .id(instanceId)
                    .version(version)
                    .metadata(metadata);
            for (int i = 0; i < endpoints.size(); i++) {
                String endpoint = endpoints.get(i).strip();
                if (!endpoint.contains("://")) {
                    throw CliException.usage("invalid instance: endpoints[" + i + "] '" + endpoint + "' has no scheme;"
                            + " write scheme://host:port, such as grpc://" + endpoint);
                }
                b.endpoint(endpoint);
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw CliException.usage("invalid instance: " + e.getMessage(), e);
        }
    }

    private Subscription listen(ServiceRegistry r, ExecutorService events) {
        try {
            return r.addRegistrationListener(events, this::print);
        } catch (UnsupportedOperationException e) {
            // A custom backend may not report states; registration works all the same.
            return () -> {};
        }
    }

    private void print(RegistrationEvent event) {
        if (event.state() == RegistrationEvent.State.REGISTERED) {
            return; // the command prints its own line once register returns
        }
        ServiceInstance i = event.instance();
        StringBuilder line = new StringBuilder(Commands.time(event.at()))
                .append(' ')
                .append(event.state())
                .append(' ')
                .append(i.name())
                .append('/')
                .append(i.id());
        switch (event.state()) {
            case LOST -> line.append(": the backend lost it; registering it again");
            case RETRYING -> line.append(": attempt ").append(event.attempt()).append(" failed; retrying");
            case RESTORED -> line.append(": registered again");
            default -> {}
        }
        Throwable cause = event.cause();
        if (cause != null) {
            line.append(" (")
                    .append(cause instanceof RegistryException r ? Errors.describe(r) : String.valueOf(cause))
                    .append(')');
        }
        PrintWriter out = cli.out();
        out.println(line);
        out.flush();
    }
}
