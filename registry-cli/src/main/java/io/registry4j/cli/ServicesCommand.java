package io.registry4j.cli;

import io.registry4j.RegistryException;
import io.registry4j.ServiceCatalog;
import io.registry4j.ServiceRegistry;
import java.io.PrintWriter;
import java.util.SortedSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code registry4j services}: the names of the services a registry knows, where the backend can list them (its
 * registry implements the optional {@link ServiceCatalog}); a backend that cannot says so.
 */
@Command(
        name = "services",
        description = {
            "Print the names of the services in the registry.",
            "%nPrint the names of the services in the registry, one per line, sorted. Works where the "
                    + "backend can list services (memory, etcd, ZooKeeper, Eureka, Nacos, Consul, ServiceComb); others say so."
        },
        parameterListHeading = "%nParameters:%n",
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  registry4j services -r zookeeper://127.0.0.1:2181",
            "  registry4j services -r etcd://127.0.0.1:2379 -o json"
        })
final class ServicesCommand implements Callable<Integer> {
    private final Cli cli;

    @Mixin
    HelpOption help = new HelpOption();

    @Mixin
    RegistryOptions registry = new RegistryOptions();

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FORMAT",
            description = "table (default: one name per line) or json (an array of names).")
    OutputFormat output = OutputFormat.TABLE;

    ServicesCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        String url = RegistryOptions.display(registry.url(cli));
        SortedSet<String> names;
        try (ServiceRegistry r = registry.open(cli)) {
            if (!(r instanceof ServiceCatalog catalog)) {
                throw CliException.runtime("the " + r.backend() + " backend cannot list services ("
                        + r.getClass().getSimpleName()
                        + " has no service catalog); ask for one by name with 'registry4j list SERVICE'");
            }
            names = Bounded.call(registry.timeout, "listing services in " + url, catalog::services);
        } catch (RegistryException e) {
            throw RegistryOptions.failure("cannot list services in " + url, e);
        }
        PrintWriter out = cli.out();
        if (output == OutputFormat.JSON) {
            out.println(Json.strings(names));
        } else if (names.isEmpty()) {
            out.println("no services in " + url);
        } else {
            names.forEach(out::println);
        }
        out.flush();
        return CliException.OK;
    }
}
