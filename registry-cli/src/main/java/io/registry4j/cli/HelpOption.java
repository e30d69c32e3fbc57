package io.registry4j.cli;

import picocli.CommandLine.Option;

/** {@code -h, --help} on every command (the standard mixin would also add {@code --version}, which clashes). */
final class HelpOption {
    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help message and exit.")
    boolean help;

    HelpOption() {}
}
