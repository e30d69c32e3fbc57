package io.registry4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.registry4j.ServiceInstance;
import io.registry4j.spi.KratosJson;
import io.registry4j.testservers.EtcdServer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every subcommand against {@code etcd://}, on a real etcd server (a child process of the test); faults through a
 * plain jetcd client, as another process would make them.
 */
class EtcdCommandsTest extends CommandsContract {
    private static EtcdServer server;
    private static Client admin;

    @BeforeAll
    static void startEtcd() {
        server = EtcdServer.start();
        admin = Client.builder().endpoints(server.endpoints().split(",")).build();
    }

    @AfterAll
    static void stopEtcd() {
        if (admin != null) {
            admin.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Override
    String url() {
        // keyCheck: how soon the registry notices its key deleted behind its back (default a third of the TTL).
        return "etcd://" + server.clientEndpoint().getAuthority() + "?keyCheck=500ms";
    }

    @Override
    String reRegisterLine() {
        // doctor deletes behind the registry's back by taking the instance over from a second client; etcd now
        // refuses that for a live owner (CONFLICT), so the check is skipped with that reason.
        return "  SKIP  re-register   cannot delete it behind the registry's back: the etcd backend protects a live "
                + "owner's instance";
    }

    @Override
    void stopServer() {
        server.stop();
    }

    @Override
    void startServer() {
        server.restart();
    }

    @Test
    void listSaysInOneLineHowManyEntriesItSkippedAndWhy() throws Exception {
        String service = uniqueService("garbled");
        admin.getKVClient()
                .put(
                        ByteSequence.from("/microservices/" + service + "/bad", StandardCharsets.UTF_8),
                        ByteSequence.from("{not json", StandardCharsets.UTF_8))
                .get(10, TimeUnit.SECONDS);
        var run = CliRun.plain();
        assertThat(run.execute("list", service, "-r", url())).as(run.all()).isZero();
        assertThat(run.out()).as(run.all()).startsWith("no instances of " + service);
        assertThat(run.err().strip().lines().toList())
                .as(run.all())
                .containsExactly("note: skipped 1 entry of " + service + " that is not a valid instance (not Kratos' "
                        + "instance JSON, or of another service); run with -v to see each and why");
    }

    private static ByteSequence key(ServiceInstance instance) {
        return ByteSequence.from("/microservices/" + instance.name() + "/" + instance.id(), StandardCharsets.UTF_8);
    }

    @Override
    void deleteBehindBack(ServiceInstance instance) throws Exception {
        admin.getKVClient().delete(key(instance)).get(10, TimeUnit.SECONDS);
    }

    @Override
    boolean leaveBehind(ServiceInstance instance) throws Exception {
        // A key without a lease: what a process that crashed before its lease expired looks like, forever.
        admin.getKVClient()
                .put(key(instance), ByteSequence.from(KratosJson.encode(instance), StandardCharsets.UTF_8))
                .get(10, TimeUnit.SECONDS);
        return true;
    }
}
