package io.registry4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every error is one line on standard error that says what was tried and what to do, with exit code 2 or 1. */
class CommandLineErrorsTest {

    private static void assertOneLineWithoutStackTrace(CliRun run) {
        // Also: without --verbose, no log line of the library or of a native client reaches the terminal.
        assertThat(run.out()).as(run.all()).isEmpty();
        assertThat(run.err().strip().lines()).as(run.all()).hasSize(1);
        assertThat(run.err()).as(run.all()).doesNotContain("\tat ").doesNotContain("Exception:");
    }

    @Test
    void anUnknownSchemeIsAUsageErrorThatListsTheKnownSchemes() {
        var run = CliRun.plain();
        assertThat(run.execute("list", "orders", "--registry", "foo://127.0.0.1:1"))
                .isEqualTo(2);
        assertThat(run.err())
                .startsWith("registry4j list: unknown registry scheme 'foo' in foo://127.0.0.1:1")
                .contains("memory://", "zookeeper://")
                .contains("for example etcd://127.0.0.1:2379");
        assertOneLineWithoutStackTrace(run);
    }

    @Test
    void aRegistryUrlThatIsNotAUrlIsAUsageErrorWithAnExample() {
        var run = CliRun.plain();
        assertThat(run.execute("list", "orders", "-r", "etcd://127.0.0.1 2379")).isEqualTo(2);
        assertThat(run.err())
                .contains("registry URL 'etcd://127.0.0.1 2379' is not a URL")
                .contains("write scheme://host:port, such as etcd://127.0.0.1:2379");
        assertOneLineWithoutStackTrace(run);
    }

    @Test
    void aRegistryUrlWithoutSchemeIsAUsageError() {
        var run = CliRun.plain();
        assertThat(run.execute("list", "orders", "-r", "localhost:2379")).isEqualTo(2);
        assertThat(run.err()).contains("registry URL 'localhost:2379' has no scheme://");
        assertOneLineWithoutStackTrace(run);
    }

    @Test
    void noRegistryIsAUsageErrorThatNamesTheOptionAndTheVariable() {
        var run = CliRun.plain();
        assertThat(run.execute("list", "orders")).isEqualTo(2);
        assertThat(run.err()).contains("no registry given: pass --registry URL", "REGISTRY4J_URL");
        assertOneLineWithoutStackTrace(run);
    }

    @Test
    void theRegistryComesFromRegistry4jUrlWhenNoOptionIsGiven() {
        var run = CliRun.withEnvironment(Map.of("REGISTRY4J_URL", "memory://errors-env"));
        assertThat(run.execute("list", "orders")).as(run.all()).isZero();
        assertThat(run.out()).contains("no instances of orders in memory://errors-env");
    }

    @Test
    void aMissingArgumentIsAUsageErrorPointingAtTheHelp() {
        var run = CliRun.plain();
        assertThat(run.execute("list", "-r", "memory://errors")).isEqualTo(2);
        assertThat(run.err())
                .contains("registry4j list: Missing required parameter: 'SERVICE'")
                .contains("(see 'registry4j list --help')");
        assertOneLineWithoutStackTrace(run);
    }

    @Test
    void aMissingRequiredOptionIsAUsageError() {
        var run = CliRun.plain();
        assertThat(run.execute("register", "--name", "orders", "-r", "memory://errors"))
                .isEqualTo(2);
        assertThat(run.err()).contains("registry4j register: Missing required option: '--endpoint=URL'");
        assertOneLineWithoutStackTrace(run);
    }

    @Test
    void anEndpointWithoutSchemeSaysTheSchemeIsMissing() {
        var run = CliRun.plain();
        assertThat(run.execute("register", "--name", "orders", "--endpoint", "10.0.0.7:9000", "-r", "memory://errors"))
                .isEqualTo(2);
        assertThat(run.err())
                .contains("endpoints[0] '10.0.0.7:9000' has no scheme", "grpc://10.0.0.7:9000")
                .doesNotContain("Illegal character");
    }

    @Test
    void aMetaWithoutEqualsNamesTheOptionOnce() {
        var run = CliRun.plain();
        assertThat(run.execute(
                        "register",
                        "--name",
                        "orders",
                        "--endpoint",
                        "grpc://10.0.0.7:9000",
                        "--meta",
                        "a",
                        "-r",
                        "memory://errors"))
                .isEqualTo(2);
        assertThat(run.err())
                .contains("option '--meta' takes KEY=VALUE, such as zone=eu-1a, got 'a'")
                .doesNotContain("option option");
        assertOneLineWithoutStackTrace(run);
    }

    @Test
    void aTooLongNameIsReportedWithItsLengthAndEchoedOnce() {
        String name = "a".repeat(200);
        var run = CliRun.plain();
        assertThat(run.execute("register", "--name", name, "--endpoint", "grpc://10.0.0.7:9000", "-r", "memory://x"))
                .isEqualTo(2);
        assertThat(run.err()).contains("1-63 characters", "(this one has 200)");
        assertThat(run.err().split(name, -1)).as(run.all()).hasSize(2);
        assertOneLineWithoutStackTrace(run);
    }

    @Test
    void aPortThatIsNotANumberIsNamedAsThePort() {
        var run = CliRun.plain();
        assertThat(run.execute("list", "orders", "-r", "etcd://127.0.0.1:abc")).isEqualTo(2);
        assertThat(run.err()).contains("port 'abc'").doesNotContain("no host");
        assertOneLineWithoutStackTrace(run);
    }

    @Test
    void aCommandWithSwappedLettersSuggestsTheRightOne() {
        var run = CliRun.plain();
        assertThat(run.execute("lsit", "orders")).isEqualTo(2);
        assertThat(run.err())
                .contains("unknown command 'lsit'; did you mean list?")
                .doesNotContain("Unmatched");
        assertOneLineWithoutStackTrace(run);
    }

    @Test
    void aMistypedCommandSuggestsTheRightOne() {
        var run = CliRun.plain();
        assertThat(run.execute("lst", "orders")).isEqualTo(2);
        assertThat(run.err())
                .contains("unknown command 'lst'", "did you mean list")
                .doesNotContain("Unmatched");
        assertOneLineWithoutStackTrace(run);
    }

    @Test
    void anInvalidServiceNameIsAUsageErrorNamingTheRule() {
        var run = CliRun.plain();
        assertThat(run.execute("list", "no such/name", "-r", "memory://errors")).isEqualTo(2);
        assertThat(run.err())
                .contains("'no such/name' is not a valid service name")
                .contains("[A-Za-z0-9._-]");
        assertOneLineWithoutStackTrace(run);
    }

    @Test
    void anInvalidEndpointIsAUsageErrorNamingTheFieldAndTheValue() {
        var run = CliRun.plain();
        int code = run.execute(
                "register", "--name", "orders", "--id", "o-1", "--endpoint", "localhost:9000", "-r", "memory://errors");
        assertThat(code).isEqualTo(2);
        assertThat(run.err()).contains("invalid instance", "endpoints[0]", "localhost:9000");
        assertOneLineWithoutStackTrace(run);
    }

    @Test
    void anUnknownBackendOptionIsAUsageErrorListingTheKnownOnes() {
        var run = CliRun.plain();
        assertThat(run.execute("list", "orders", "-r", "memory://errors?colour=blue"))
                .isEqualTo(2);
        assertThat(run.err())
                .contains("cannot open memory://errors?colour=blue", "unknown option [colour]", "keepAlive");
        assertOneLineWithoutStackTrace(run);
    }

    @Test
    void aPasswordInTheRegistryUrlIsNeverPrinted() {
        var run = CliRun.plain();
        assertThat(run.execute("list", "orders", "-r", "memory://errors?password=hunter2"))
                .isEqualTo(2);
        assertThat(run.err()).contains("password=***").doesNotContain("hunter2");

        var userInfo = CliRun.plain();
        assertThat(userInfo.execute("list", "orders", "-r", "eureka://admin:hunter2@127.0.0.1:1/eureka?x=1"))
                .isEqualTo(2);
        assertThat(userInfo.err())
                .contains("eureka://admin:***@127.0.0.1:1/eureka")
                .doesNotContain("hunter2");
    }

    @Test
    void aBadTimeoutIsAUsageError() {
        var run = CliRun.plain();
        assertThat(run.execute("list", "orders", "-r", "memory://errors", "--timeout", "soon"))
                .isEqualTo(2);
        assertThat(run.err()).contains("'soon' is not a duration; write it like 500ms, 10s, 2m or PT10S");
        assertOneLineWithoutStackTrace(run);
    }

    @Test
    void anUnreachableServerIsARuntimeErrorThatSaysWhatWasTriedAndWhatToDo() throws IOException {
        var run = CliRun.plain();
        String url = "zookeeper://127.0.0.1:" + closedPort();
        assertThat(run.execute("list", "orders", "-r", url, "--timeout", "1s")).isEqualTo(1);
        assertThat(run.err())
                .startsWith("registry4j list: ")
                .contains("listing orders in " + url)
                .contains("no answer within 1 s")
                .contains("check that the server runs and the address is right");
        assertOneLineWithoutStackTrace(run);
    }

    @Test
    void anUnreachableEtcdIsARuntimeErrorToo() throws IOException {
        var run = CliRun.plain();
        String url = "etcd://127.0.0.1:" + closedPort();
        assertThat(run.execute("list", "orders", "-r", url, "--timeout", "2s")).isEqualTo(1);
        assertThat(run.err())
                .startsWith("registry4j list: ")
                .contains(url)
                .contains("check that the server runs and the address is right");
        assertOneLineWithoutStackTrace(run);
    }

    @Test
    void verbosePrintsTheStackTraceOfAnError() throws IOException {
        var run = CliRun.plain();
        String url = "zookeeper://127.0.0.1:" + closedPort();
        assertThat(run.execute("--verbose", "list", "orders", "-r", url, "--timeout", "500ms"))
                .isEqualTo(1);
        // The library's and the native client's warnings reach standard error too, one line each.
        assertThat(run.err())
                .contains("no answer within 500 ms")
                .contains("\tat ")
                .contains(" WARNING ");
    }

    @Test
    void aWatchOfAnUnreachableServerFailsInsteadOfWaitingForever() throws IOException {
        var run = CliRun.plain();
        String url = "zookeeper://127.0.0.1:" + closedPort();
        assertThat(run.execute("watch", "orders", "-r", url, "--timeout", "1s")).isEqualTo(1);
        assertThat(run.err()).contains("cannot watch orders").contains("check that the server runs");
        assertOneLineWithoutStackTrace(run);
    }

    /** A loopback port nothing listens on. */
    static int closedPort() throws IOException {
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
