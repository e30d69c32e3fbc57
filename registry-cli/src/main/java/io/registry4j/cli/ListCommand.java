package io.registry4j.cli;

import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.spi.AbstractServiceRegistry;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code registry4j list SERVICE}: the instances of a service, as a table or as Kratos JSON. */
@Command(
        name = "list",
        description = {
            "Print the instances of a service, as a table or as Kratos JSON.",
            "%nPrint the instances of a service: id, version, endpoints and metadata, sorted by id. With -o "
                    + "json, a JSON array of Kratos ServiceInstance objects (id, name, version, metadata, endpoints). "
                    + "Only instances the backend considers healthy are listed, as a registry4j client would see them."
        },
        parameterListHeading = "%nParameters:%n",
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  registry4j list orders -r etcd://127.0.0.1:2379",
            "  registry4j list orders -o json -r zookeeper://127.0.0.1:2181?root=/services",
            "  REGISTRY4J_URL=nacos://127.0.0.1:8848 registry4j list orders"
        })
final class ListCommand implements Callable<Integer> {
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
            description = "table (default) or json.")
    OutputFormat output = OutputFormat.TABLE;

    ListCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        String name = Commands.serviceName(service);
        String url = RegistryOptions.display(registry.url(cli));
        List<ServiceInstance> instances;
        long skipped = 0;
        try (ServiceRegistry r = registry.open(cli)) {
            instances = Bounded.call(registry.timeout, "listing " + name + " in " + url, () -> r.getService(name));
            if (r instanceof AbstractServiceRegistry a) {
                skipped = a.skippedEntries();
            }
        } catch (RegistryException e) {
            throw RegistryOptions.failure("cannot list " + name + " in " + url, e);
        }
        PrintWriter out = cli.out();
        if (output == OutputFormat.JSON) {
            out.println(Json.instancesPretty(instances));
        } else if (instances.isEmpty()) {
            out.println("no instances of " + name + " in " + url);
        } else {
            out.println(Table.of(instances));
        }
        out.flush();
        if (skipped > 0) {
            // On standard error, so that the table or JSON stays clean; without it "no instances" hides them.
            cli.err()
                    .println("note: skipped " + skipped + (skipped == 1 ? " entry" : " entries") + " of " + name
                            + " that " + (skipped == 1 ? "is" : "are")
                            + " not a valid instance (not Kratos' instance JSON, or "
                            + "of another service); run with -v to see each and why");
            cli.err().flush();
        }
        return CliException.OK;
    }
}
