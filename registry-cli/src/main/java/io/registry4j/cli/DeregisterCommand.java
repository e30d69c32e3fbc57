package io.registry4j.cli;

import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code registry4j deregister}: removes an instance that an earlier run (or a crashed process) left in a backend
 * that keeps instances for a while after their owner is gone, such as Eureka (until its lease expires) or etcd
 * (until its lease's TTL).
 *
 * <p>Design: a registry only ever deregisters what it registered itself (never harm another process), and the API
 * has no "delete anything" call. So this command takes the instance over, as its owner would after a restart: it
 * reads it, registers the same name and id (every backend's register is create-or-replace), then deregisters it.
 * Where the backend protects a live owner (ZooKeeper's ephemeral node of a live session, Nacos' client-bound
 * instances) the takeover is refused with {@code CONFLICT}, and this command says so instead of removing it.
 */
@Command(
        name = "deregister",
        description = {
            "Remove an instance left behind by an earlier run.",
            "%nRemove an instance registered by an earlier run or by a process that died without "
                    + "deregistering. It takes the instance over (registers the same name and id) and then deregisters "
                    + "it. A backend that protects a live owner (ZooKeeper while the owner's session lives) refuses; "
                    + "stop the owner instead."
        },
        parameterListHeading = "%nParameters:%n",
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  registry4j deregister --name orders --id orders-1 -r eureka://127.0.0.1:8761/eureka",
            "  registry4j deregister --name orders --id orders-1 -r etcd://127.0.0.1:2379"
        })
final class DeregisterCommand implements Callable<Integer> {
    private final Cli cli;

    @Mixin
    HelpOption help = new HelpOption();

    @Mixin
    RegistryOptions registry = new RegistryOptions();

    @Option(names = "--name", required = true, paramLabel = "SERVICE", description = "The service name.")
    String name = "";

    @Option(names = "--id", required = true, paramLabel = "ID", description = "The instance id.")
    String id = "";

    DeregisterCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        String service = Commands.serviceName(name);
        String url = RegistryOptions.display(registry.url(cli));
        String what = service + "/" + id;
        PrintWriter out = cli.out();
        try (ServiceRegistry r = registry.open(cli)) {
            List<ServiceInstance> instances =
                    Bounded.call(registry.timeout, "listing " + service + " in " + url, () -> r.getService(service));
            Optional<ServiceInstance> found =
                    instances.stream().filter(i -> i.id().equals(id)).findFirst();
            if (found.isEmpty()) {
                throw CliException.runtime(what + " is not registered in " + url + " (" + service + " has "
                        + Table.count(instances.size()) + (instances.isEmpty() ? "" : ": " + Table.ids(instances))
                        + "); nothing to deregister");
            }
            ServiceInstance instance = found.get();
            try {
                Bounded.call(registry.timeout, "taking over " + what + " in " + url, () -> {
                    r.register(instance);
                    return null;
                });
            } catch (RegistryException e) {
                if (e.kind() == RegistryException.Kind.CONFLICT) {
                    throw CliException.runtime(
                            "the " + e.backend() + " backend refuses to remove " + what
                                    + ": it belongs to a live client (" + Errors.describe(e)
                                    + "); stop that process, or wait until its session ends",
                            e);
                }
                throw RegistryOptions.failure("cannot deregister " + what + " from " + url, e);
            }
            try {
                Bounded.call(registry.timeout, "deregistering " + what + " from " + url, () -> {
                    r.deregister(instance);
                    return null;
                });
            } catch (RegistryException e) {
                throw RegistryOptions.failure("cannot deregister " + what + " from " + url, e);
            }
        } catch (RegistryException e) {
            throw RegistryOptions.failure("cannot deregister " + what + " from " + url, e);
        }
        out.println("deregistered " + what + " from " + url);
        out.flush();
        return CliException.OK;
    }
}
