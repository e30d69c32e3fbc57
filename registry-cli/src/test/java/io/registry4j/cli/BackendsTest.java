package io.registry4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.registry4j.testservers.TestTime;
import org.junit.jupiter.api.Test;

/**
 * Every backend module joins the command line through the provider SPI; a backend that lacks an optional feature
 * says so. Runs without servers: nothing here needs one to answer.
 */
class BackendsTest {

    @Test
    void everyBackendModuleIsFoundByItsScheme() {
        var run = CliRun.plain();
        assertThat(run.execute("--version")).isZero();
        assertThat(run.out())
                .contains(
                        "consul://",
                        "consuls://",
                        "etcd://",
                        "etcds://",
                        "eureka://",
                        "eurekas://",
                        "kubernetes://",
                        "memory://",
                        "nacos://",
                        "polaris://",
                        "servicecomb://",
                        "servicecombs://",
                        "zookeeper://");
    }

    @Test
    void eachBackendChecksItsOwnOptionsBeforeConnecting() {
        for (String url : new String[] {
            "etcd://127.0.0.1:1?colour=blue",
            "zookeeper://127.0.0.1:1?colour=blue",
            "eureka://127.0.0.1:1/eureka?colour=blue",
            "nacos://127.0.0.1:1?colour=blue",
            "consul://127.0.0.1:1?colour=blue",
            "servicecomb://127.0.0.1:1?colour=blue",
            "polaris://127.0.0.1:1?colour=blue",
            "kubernetes://127.0.0.1:1?colour=blue"
        }) {
            var run = CliRun.plain();
            assertThat(run.execute("list", "orders", "-r", url))
                    .as(url + "\n" + run.all())
                    .isEqualTo(2);
            assertThat(run.err()).as(url).contains("unknown option [colour]").contains("options of ");
        }
    }

    @Test
    void servicesOnABackendWithoutCatalogSaysSo() {
        var run = CliRun.plain();
        assertThat(run.execute("services", "-r", "nocatalog://x")).isEqualTo(1);
        assertThat(run.err())
                .startsWith("registry4j services: the nocatalog backend cannot list services")
                .contains("ask for one by name with 'registry4j list SERVICE'");
    }

    @Test
    void watchAndListWorkOnABackendThatImplementsOnlyKratosMethods() throws Exception {
        var run = CliRun.plain();
        var exit = run.start("watch", "orders", "-r", "nocatalog://y");
        await().atMost(TestTime.scaled(CommandsContract.WAIT))
                .until(() -> run.out().contains("INITIAL"));
        var register = CliRun.plain();
        var registered = register.start(
                "register",
                "--name",
                "orders",
                "--id",
                "o-1",
                "--endpoint",
                "grpc://127.0.0.1:9000",
                "-r",
                "nocatalog://y");
        await().atMost(TestTime.scaled(CommandsContract.WAIT))
                .until(() -> run.out().contains("+ o-1"));
        register.stop();
        assertThat(CliRun.exitCode(registered, CommandsContract.WAIT))
                .as(register.all())
                .isZero();
        await().atMost(TestTime.scaled(CommandsContract.WAIT))
                .until(() -> run.out().contains("- o-1"));
        run.stop();
        assertThat(CliRun.exitCode(exit, CommandsContract.WAIT)).as(run.all()).isZero();
    }
}
