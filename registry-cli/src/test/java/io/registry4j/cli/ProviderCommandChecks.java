package io.registry4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.registry4j.Registries;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import java.util.List;

/**
 * The checks a backend that joins the command line only through its provider (Consul, Eureka) runs without the whole
 * {@link CommandsContract}: {@code list}, {@code watch} and {@code services} see another client, and {@code doctor}
 * passes. Stateless.
 */
final class ProviderCommandChecks {
    private ProviderCommandChecks() {}

    /**
     * Runs {@code watch} on a new service while another client registers instance {@code id} and deregisters it;
     * {@code list} must print {@code listRow} for it and {@code services} must name the service.
     *
     * @return the lines {@code services} printed, for a backend's own checks
     */
    static List<String> listWatchAndServicesSeeWhatAnotherClientRegisters(
            String url, String servicePrefix, String id, String listRow) throws Exception {
        String service = CommandsContract.uniqueService(servicePrefix);
        var watch = CliRun.plain();
        var watching = watch.start("watch", service, "-r", url);
        await().atMost(CommandsContract.wait(CommandsContract.WAIT))
                .until(() -> watch.out().contains("INITIAL"));

        List<String> servicesLines;
        try (ServiceRegistry other = Registries.open(url)) {
            ServiceInstance one = CommandsContract.instance(service, id, "1.0", 9000);
            other.register(one);
            await().atMost(CommandsContract.wait(CommandsContract.WAIT))
                    .until(() -> watch.out().contains("+ " + id));

            var list = CliRun.plain();
            assertThat(list.execute("list", service, "-r", url)).as(list.all()).isZero();
            assertThat(list.out()).startsWith("ID   VERSION  ENDPOINTS").contains(listRow);

            var services = CliRun.plain();
            assertThat(services.execute("services", "-r", url))
                    .as(services.all())
                    .isZero();
            servicesLines = services.out().lines().toList();
            assertThat(servicesLines).contains(service);

            other.deregister(one);
            await().atMost(CommandsContract.wait(CommandsContract.WAIT))
                    .until(() -> watch.out().contains("- " + id));
        }
        watch.stop();
        assertThat(CliRun.exitCode(watching, CommandsContract.WAIT))
                .as(watch.all())
                .isZero();
        return servicesLines;
    }

    /**
     * Runs {@code doctor} on {@code url} and checks that every check passed.
     *
     * @return the run, for a backend's own checks of its output
     */
    static CliRun doctorPassesEveryCheck(String url) {
        var run = CliRun.plain();
        int code = run.execute("doctor", "-r", url, "--timeout", "10s", "--restore-timeout", "20s");
        assertThat(code).as(run.all()).isZero();
        assertThat(run.out())
                .as(run.all())
                .contains("  PASS  see added ")
                .contains("  PASS  round trip ")
                .contains("  PASS  re-register ")
                .contains("  PASS  see removed ")
                .doesNotContain("FAIL");
        return run;
    }
}
