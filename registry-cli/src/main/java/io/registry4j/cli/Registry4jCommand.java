package io.registry4j.cli;

import io.registry4j.Registries;
import io.registry4j.spi.RegistryProvider;
import java.lang.reflect.Constructor;
import java.util.Arrays;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code registry4j} command: its global options, its subcommands and how a run is set up (writers, logging,
 * error handling).
 *
 * <p>Design: subcommands are created by a factory that hands each the run's {@link Cli}, so none of them reaches for
 * globals; every failure goes through {@link Errors}, so every error is one line with an exit code.
 */
@Command(
        name = "registry4j",
        mixinStandardHelpOptions = true,
        versionProvider = Registry4jCommand.Version.class,
        synopsisSubcommandLabel = "COMMAND",
        description = {
            "Register, discover and watch services in etcd, ZooKeeper, Eureka, Nacos, Consul and the other"
                    + " registry4j"
                    + " backends, the way a registry4j (or Kratos) service does."
        },
        optionListHeading = "%nOptions:%n",
        commandListHeading = "%nCommands:%n",
        subcommands = {
            DemoCommand.class,
            ListCommand.class,
            WatchCommand.class,
            ServicesCommand.class,
            RegisterCommand.class,
            DeregisterCommand.class,
            DoctorCommand.class,
            CommandLine.HelpCommand.class
        },
        footerHeading = "%n",
        footer = {
            "The registry is a URL: --registry URL on each command, or REGISTRY4J_URL. Backend options go in the"
                    + " query, such as etcd://127.0.0.1:2379?ttl=10s. Exit codes: 0 done, 1 failed (such as an"
                    + " unreachable server or a failed check), 2 wrong usage, 3 quit by a second Ctrl-C, 130 stopped by Ctrl-C.",
            "",
            "Examples:",
            "  registry4j demo                  see it work: a real ZooKeeper in this process",
            "  registry4j list orders -r etcd://127.0.0.1:2379",
            "  registry4j list orders -r zookeeper://127.0.0.1:2181 -o json",
            "  registry4j watch orders -r nacos://127.0.0.1:8848",
            "  registry4j services -r eureka://127.0.0.1:8761/eureka",
            "  registry4j register --name orders --id orders-1 --version 1.4.2 \\",
            "      --endpoint grpc://10.0.0.7:9000 --meta zone=eu-1a -r etcd://127.0.0.1:2379",
            "  registry4j deregister --name orders --id orders-1 \\",
            "      -r eureka://127.0.0.1:8761/eureka",
            "  registry4j doctor -r etcd://127.0.0.1:2379",
            "",
            "Run 'registry4j COMMAND --help' for a command's options."
        })
final class Registry4jCommand implements Callable<Integer> {
    private final Cli cli;

    @Option(
            names = {"-v", "--verbose"},
            scope = ScopeType.INHERIT,
            description = "Show the library's log (warnings, debug lines) and the stack trace of an error.")
    boolean verbose;

    private @Nullable CommandLine self;

    Registry4jCommand(Cli cli) {
        this.cli = cli;
    }

    /** With no command: a usage error, with the help on standard error. */
    @Override
    public Integer call() {
        cli.err().println("registry4j: no command given; run 'registry4j demo' to see it work, or one of:");
        CommandLine commandLine = self;
        if (commandLine != null) {
            commandLine.usage(cli.err());
        }
        return CliException.USAGE;
    }

    /** Builds the command line for one run: writers, factory, error handlers, logging set up before execution. */
    static CommandLine commandLine(Cli cli) {
        var root = new Registry4jCommand(cli);
        var commandLine = new CommandLine(root, new Factory(cli));
        root.self = commandLine;
        var errors = new Errors(cli);
        commandLine.setOut(cli.out());
        commandLine.setErr(cli.err());
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setExecutionExceptionHandler(errors);
        commandLine.setParameterExceptionHandler((e, args) -> {
            cli.verbose(Arrays.asList(args).contains("--verbose")
                    || Arrays.asList(args).contains("-v"));
            return errors.handleParseException(e, args);
        });
        commandLine.setExecutionStrategy(parseResult -> {
            cli.verbose(root.verbose);
            Logging.configure(cli);
            return new CommandLine.RunLast().execute(parseResult);
        });
        return commandLine;
    }

    /**
     * Runs the command line once.
     *
     * @return the exit code
     */
    static int run(Cli cli, String... args) {
        try {
            return commandLine(cli).execute(args);
        } finally {
            cli.out().flush();
            cli.err().flush();
        }
    }

    /** Creates commands with the run's {@link Cli}; everything else (mixins, converters) as picocli would. */
    private static final class Factory implements CommandLine.IFactory {
        private final Cli cli;

        Factory(Cli cli) {
            this.cli = cli;
        }

        @Override
        public <K> K create(Class<K> type) throws Exception {
            Constructor<K> withCli;
            try {
                withCli = type.getDeclaredConstructor(Cli.class);
            } catch (NoSuchMethodException e) {
                return CommandLine.defaultFactory().create(type);
            }
            return withCli.newInstance(cli);
        }
    }

    /** {@code --version}: this build, the JVM, and the backends found on the class path. */
    static final class Version implements CommandLine.IVersionProvider {
        Version() {}

        @Override
        public String[] getVersion() {
            String version = Registry4jCommand.class.getPackage().getImplementationVersion();
            SortedSet<String> backends = new TreeSet<>();
            for (RegistryProvider p : Registries.providers()) {
                backends.addAll(p.schemes());
            }
            return new String[] {
                "registry4j " + (version == null ? "(development build)" : version),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")",
                "Backends: " + RegistryOptions.schemeList(backends)
            };
        }
    }
}
