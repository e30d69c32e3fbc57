package io.registry4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code --help} lists everything with examples; every command has its own help. */
class HelpTest {

    @Test
    void helpListsEveryCommandWithExamples() {
        var run = CliRun.plain();
        assertThat(run.execute("--help")).isZero();
        assertThat(run.out())
                .startsWith("Usage: registry4j [-hvV] COMMAND")
                .contains("  demo ", "  list ", "  watch ", "  services ", "  register ", "  deregister ", "  doctor ")
                .contains("Examples:", "registry4j demo", "REGISTRY4J_URL", "Exit", "wrong usage");
        assertThat(run.out().lines())
                .allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));
    }

    @Test
    void noCommandPrintsTheHelp() {
        var run = CliRun.plain();
        assertThat(run.execute()).as("a usage error").isEqualTo(CliException.USAGE);
        assertThat(run.err()).startsWith("registry4j: no command given").contains("Usage: registry4j");
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo", "list", "watch", "services", "register", "deregister", "doctor"})
    void everyCommandHasHelpWithExamples(String command) {
        var run = CliRun.plain();
        assertThat(run.execute(command, "--help")).isZero();
        assertThat(run.out()).startsWith("Usage: registry4j " + command).contains("Examples:", "registry4j " + command);
        assertThat(run.out().lines())
                .allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));
    }

    @Test
    void versionNamesTheBackendsFound() {
        var run = CliRun.plain();
        assertThat(run.execute("--version")).isZero();
        assertThat(run.out()).startsWith("registry4j ").contains("Java ", "Backends: ", "memory://", "zookeeper://");
    }
}
