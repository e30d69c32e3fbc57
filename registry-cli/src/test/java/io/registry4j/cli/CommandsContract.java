package io.registry4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.registry4j.Registries;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.spi.KratosJson;
import io.registry4j.testservers.TestTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every subcommand, run in-process as the jar runs it, against one backend; a subclass per backend gives the URL
 * and the faults. Another client of the same registry, opened through {@link Registries}, plays the services that
 * the command observes or the callers that observe the command.
 */
abstract class CommandsContract {
    static final Duration WAIT = Duration.ofSeconds(15);
    private static final AtomicInteger SERVICES = new AtomicInteger();
    private static final Pattern TIME = Pattern.compile("(?m)^\\d{2}:\\d{2}:\\d{2}\\.\\d{3} ");

    private final List<AutoCloseable> toClose = new ArrayList<>();

    /** The registry URL the command line is given. */
    abstract String url();

    /** Takes the server down; clients see an outage. */
    abstract void stopServer() throws Exception;

    /** Brings the server back with its data. */
    abstract void startServer() throws Exception;

    /** Deletes an instance from the server without its owner knowing. */
    abstract void deleteBehindBack(ServiceInstance instance) throws Exception;

    /**
     * Leaves an instance in the server as a process that died without deregistering would, or returns false if the
     * backend cannot hold such a leftover (its instances end with their owner).
     */
    abstract boolean leaveBehind(ServiceInstance instance) throws Exception;

    @AfterEach
    void closeClients() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    /** Another client of the same registry. */
    ServiceRegistry client() {
        ServiceRegistry r = Registries.open(url());
        toClose.add(r);
        return r;
    }

    static String uniqueService(String prefix) {
        return prefix + "-" + SERVICES.incrementAndGet();
    }

    static ServiceInstance instance(String service, String id, String version, int port) {
        return ServiceInstance.builder()
                .name(service)
                .id(id)
                .version(version)
                .putMetadata("zone", "eu-1a")
                .putMetadata("text", "ünïcödé ✓")
                .endpoint("grpc://127.0.0.1:" + port)
                .endpoint("http://127.0.0.1:" + (port + 1))
                .build();
    }

    static Duration wait(Duration d) {
        return TestTime.scaled(d);
    }

    // ---- list ----

    @Test
    void listPrintsATableSortedById() {
        String service = uniqueService("list");
        ServiceRegistry other = client();
        other.register(instance(service, "b-2", "1.4.2", 9002));
        other.register(instance(service, "a-1", "", 9000));
        await().atMost(wait(WAIT)).until(() -> other.getService(service).size() == 2);

        var run = CliRun.plain();
        assertThat(run.execute("list", service, "--registry", url()))
                .as(run.all())
                .isZero();

        assertThat(run.out().lines().toList())
                .as(run.all())
                .containsExactly(
                        "ID   VERSION  ENDPOINTS                                     METADATA",
                        "a-1  -        grpc://127.0.0.1:9000, http://127.0.0.1:9001  text=ünïcödé ✓, zone=eu-1a",
                        "b-2  1.4.2    grpc://127.0.0.1:9002, http://127.0.0.1:9003  text=ünïcödé ✓, zone=eu-1a");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void listAsJsonPrintsKratosServiceInstances() {
        String service = uniqueService("json");
        ServiceRegistry other = client();
        ServiceInstance one = instance(service, "one", "2.0", 9100);
        ServiceInstance two = instance(service, "two", "2.1", 9200);
        other.register(two);
        other.register(one);
        await().atMost(wait(WAIT)).until(() -> other.getService(service).size() == 2);

        var run = CliRun.plain();
        assertThat(run.execute("list", service, "-r", url(), "-o", "json"))
                .as(run.all())
                .isZero();

        assertThat(run.out())
                .isEqualTo("[\n  " + KratosJson.encode(one) + ",\n  " + KratosJson.encode(two) + "\n]\n")
                .contains("\"id\":\"one\",\"name\":\"" + service + "\",\"version\":\"2.0\",\"metadata\":{")
                .contains("\"endpoints\":[\"grpc://127.0.0.1:9100\",\"http://127.0.0.1:9101\"]");
    }

    @Test
    void listOfAnUnknownServiceSaysItHasNoInstances() {
        var run = CliRun.plain();
        assertThat(run.execute("list", "nobody-here", "-r", url()))
                .as(run.all())
                .isZero();
        assertThat(run.out()).isEqualTo("no instances of nobody-here in " + url() + "\n");

        var json = CliRun.plain();
        assertThat(json.execute("list", "nobody-here", "-r", url(), "-o", "json"))
                .isZero();
        assertThat(json.out()).isEqualTo("[]\n");
    }

    // ---- watch ----

    @Test
    void watchPrintsEachChangeWithATimestampAsAnotherClientRegistersAndDeregisters() throws Exception {
        String service = uniqueService("watch");
        var run = CliRun.plain();
        var exit = run.start("watch", service, "-r", url());
        await().atMost(wait(WAIT)).until(() -> run.out().contains("INITIAL"));
        assertThat(run.out()).contains("INITIAL   " + service + ": 0 instances");

        ServiceRegistry other = client();
        ServiceInstance v1 = instance(service, "w-1", "1.0", 9300);
        other.register(v1);
        await().atMost(wait(WAIT)).until(() -> run.out().contains("+ w-1"));
        other.register(
                v1.toBuilder().version("1.1").putMetadata("zone", "eu-1b").build());
        await().atMost(wait(WAIT)).until(() -> run.out().contains("~ w-1"));
        other.deregister(v1);
        await().atMost(wait(WAIT)).until(() -> run.out().contains("- w-1"));

        run.stop();
        assertThat(CliRun.exitCode(exit, WAIT)).as(run.all()).isZero();
        assertThat(run.err()).isEmpty();
        List<String> lines = run.out().lines().toList();
        assertThat(lines)
                .as(run.all())
                .anySatisfy(l -> assertThat(l).endsWith("CHANGED   " + service + ": 1 instance"))
                .contains("             + w-1 v1.0 grpc://127.0.0.1:9300, http://127.0.0.1:9301")
                .contains("             ~ w-1: version 1.0 -> 1.1; metadata zone=eu-1a -> eu-1b")
                .anySatisfy(l -> assertThat(l).endsWith("CHANGED   " + service + ": 0 instances"))
                .contains("             - w-1");
        assertThat(TIME.matcher(run.out()).results().count()).isEqualTo(4);
    }

    @Test
    void watchAsJsonPrintsOneObjectPerLine() throws Exception {
        String service = uniqueService("watchjson");
        var run = CliRun.plain();
        var exit = run.start("watch", service, "-r", url(), "-o", "json");
        await().atMost(wait(WAIT)).until(() -> run.out().contains("\"INITIAL\""));

        ServiceRegistry other = client();
        ServiceInstance one = instance(service, "j-1", "3.0", 9400);
        other.register(one);
        await().atMost(wait(WAIT)).until(() -> run.out().contains("\"added\":[\"j-1\"]"));
        other.deregister(one);
        await().atMost(wait(WAIT)).until(() -> run.out().contains("\"removed\":[\"j-1\"]"));
        run.stop();
        assertThat(CliRun.exitCode(exit, WAIT)).isZero();

        List<String> lines = run.out().lines().toList();
        assertThat(lines)
                .as(run.all())
                .hasSize(3)
                .allSatisfy(l -> assertThat(l)
                        .startsWith("{\"time\":\"")
                        .contains("\"service\":\"" + service + "\"")
                        .endsWith("}"));
        assertThat(lines.get(0))
                .contains("\"event\":\"INITIAL\",\"stale\":false,\"added\":[],\"removed\":[],\"changed\":[]")
                .endsWith("\"instances\":[]}");
        assertThat(lines.get(1))
                .contains("\"event\":\"CHANGED\",\"stale\":false,\"added\":[\"j-1\"]")
                .endsWith("\"instances\":[" + KratosJson.encode(one) + "]}");
        assertThat(lines.get(2)).contains("\"removed\":[\"j-1\"]").endsWith("\"instances\":[]}");
    }

    @Test
    void watchShowsTheLastListAsStaleDuringAnOutageAndRecoversAfter() throws Exception {
        String service = uniqueService("stale");
        ServiceRegistry other = client();
        other.register(instance(service, "s-1", "1.0", 9500));
        var run = CliRun.plain();
        var exit = run.start("watch", service, "-r", url());
        await().atMost(wait(WAIT)).until(() -> run.out().contains("+ s-1"));
        try {
            stopServer();
            await().atMost(wait(WAIT)).until(() -> run.out().contains("STALE"));
        } finally {
            startServer();
        }
        await().atMost(wait(WAIT)).until(() -> run.out().contains("RECOVERED"));
        run.stop();
        assertThat(CliRun.exitCode(exit, WAIT)).isZero();
        assertThat(run.out())
                .as(run.all())
                .contains("STALE     " + service
                        + ": registry unreachable; keeping the last list (1 instance), which may be out of date")
                .contains("RECOVERED " + service + ": registry reachable again; ");
    }

    // ---- register ----

    @Test
    void registerKeepsTheInstanceRegisteredThroughALossAndDeregistersOnCtrlC() throws Exception {
        String service = uniqueService("register");
        var run = CliRun.plain();
        var exit = run.start(
                "register",
                "--name",
                service,
                "--id",
                "r-1",
                "--version",
                "2.0.0",
                "--endpoint",
                "grpc://127.0.0.1:9600",
                "--endpoint",
                "http://127.0.0.1:9601",
                "--meta",
                "zone=eu-1a",
                "--meta",
                "team=payments",
                "-r",
                url());
        await().atMost(wait(WAIT)).until(() -> run.out().contains("keeping it registered until Ctrl-C"));
        ServiceRegistry other = client();
        ServiceInstance expected = ServiceInstance.builder()
                .name(service)
                .id("r-1")
                .version("2.0.0")
                .putMetadata("zone", "eu-1a")
                .putMetadata("team", "payments")
                .endpoint("grpc://127.0.0.1:9600")
                .endpoint("http://127.0.0.1:9601")
                .build();
        await().atMost(wait(WAIT)).until(() -> other.getService(service).contains(expected));

        deleteBehindBack(expected);
        await().atMost(wait(WAIT)).until(() -> run.out().contains("RESTORED " + service + "/r-1"));
        await().atMost(wait(WAIT)).until(() -> other.getService(service).contains(expected));

        run.stop();
        assertThat(CliRun.exitCode(exit, WAIT)).as(run.all()).isZero();
        await().atMost(wait(WAIT)).until(() -> other.getService(service).isEmpty());
        assertThat(run.out())
                .as(run.all())
                .contains(" registered " + service + "/r-1 (version 2.0.0, grpc://127.0.0.1:9600,"
                        + " http://127.0.0.1:9601) in " + url())
                .contains("LOST " + service + "/r-1: the backend lost it; registering it again")
                .contains("RESTORED " + service + "/r-1: registered again")
                .contains(" deregistered " + service + "/r-1 from " + url());
        assertThat(TIME.matcher(run.out()).results().count()).isGreaterThanOrEqualTo(4);
    }

    // ---- deregister ----

    @Test
    void deregisterRemovesAnInstanceLeftBehindByAnEarlierRun() throws Exception {
        String service = uniqueService("leftover");
        ServiceInstance leftover = instance(service, "gone-1", "1.0", 9700);
        if (!leaveBehind(leftover)) {
            assertThat(leftoverNotPossibleReason()).isNotBlank();
            return;
        }
        ServiceRegistry other = client();
        await().atMost(wait(WAIT)).until(() -> other.getService(service).contains(leftover));

        var run = CliRun.plain();
        assertThat(run.execute("deregister", "--name", service, "--id", "gone-1", "-r", url()))
                .as(run.all())
                .isZero();
        assertThat(run.out()).isEqualTo("deregistered " + service + "/gone-1 from " + url() + "\n");
        await().atMost(wait(WAIT)).until(() -> other.getService(service).isEmpty());
    }

    /** Why {@link #leaveBehind} is not possible on this backend, if it is not. */
    String leftoverNotPossibleReason() {
        return "";
    }

    @Test
    void deregisterOfAnInstanceThatIsNotThereFailsAndSaysWhatIs() {
        String service = uniqueService("absent");
        ServiceRegistry other = client();
        other.register(instance(service, "here-1", "1.0", 9800));
        await().atMost(wait(WAIT)).until(() -> other.getService(service).size() == 1);

        var run = CliRun.plain();
        assertThat(run.execute("deregister", "--name", service, "--id", "not-here", "-r", url()))
                .isEqualTo(1);
        assertThat(run.err())
                .isEqualTo("registry4j deregister: " + service + "/not-here is not registered in " + url() + " ("
                        + service + " has 1 instance: here-1); nothing to deregister\n");
    }

    // ---- services ----

    @Test
    void servicesListsTheServiceNames() {
        String first = uniqueService("catalog-a");
        String second = uniqueService("catalog-b");
        ServiceRegistry other = client();
        other.register(instance(first, "c-1", "1.0", 9900));
        other.register(instance(second, "c-2", "1.0", 9910));
        await().atMost(wait(WAIT)).until(() -> other.getService(second).size() == 1);

        var run = CliRun.plain();
        assertThat(run.execute("services", "-r", url())).as(run.all()).isZero();
        assertThat(run.out().lines().toList()).contains(first, second).isSorted();

        var json = CliRun.plain();
        assertThat(json.execute("services", "-r", url(), "-o", "json")).isZero();
        assertThat(json.out()).startsWith("[").contains("\"" + first + "\",\"" + second + "\"");
    }

    // ---- doctor ----

    /** How doctor's re-register check ends on this backend. */
    String reRegisterLine() {
        return "  PASS  re-register   ";
    }

    @Test
    void doctorPassesEveryCheckOnAHealthyRegistry() {
        var run = CliRun.plain();
        int code = run.execute("doctor", "-r", url(), "--timeout", "10s", "--restore-timeout", "20s");
        assertThat(code).as(run.all()).isZero();
        assertThat(run.out())
                .as(run.all())
                .startsWith("registry4j doctor: " + url())
                .contains("  PASS  connect       opened two ")
                .contains("  PASS  read          ")
                .contains("  PASS  watch         ")
                .contains("  PASS  register      registered registry4j-doctor/probe-")
                .contains("  PASS  see added     the second client's watcher saw it ")
                .contains("  PASS  round trip    the second client reads it back unchanged")
                .contains(reRegisterLine())
                .contains("  PASS  deregister    ")
                .contains("  PASS  see removed   the second client's watcher saw it gone ")
                .doesNotContain("FAIL")
                .contains("doctor: all ");
    }
}
