package io.registry4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.testservers.ZooKeeperServer;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every subcommand against {@code zookeeper://}, on a real ZooKeeper server embedded in the test JVM. */
class ZooKeeperCommandsTest extends CommandsContract {
    private static ZooKeeperServer server;

    @BeforeAll
    static void startZooKeeper() {
        server = ZooKeeperServer.start();
    }

    @AfterAll
    static void stopZooKeeper() {
        server.close();
    }

    @Override
    String url() {
        return "zookeeper://" + server.connectString();
    }

    @Override
    void stopServer() {
        server.stop();
    }

    @Override
    void startServer() {
        server.restart();
    }

    @Override
    void deleteBehindBack(ServiceInstance instance) {
        var outcome = ZooKeeperNodes.delete(URI.create(url()), instance, Duration.ofSeconds(10));
        assertThat(outcome.deleted()).as(outcome.how()).isTrue();
    }

    @Override
    boolean leaveBehind(ServiceInstance instance) {
        return false;
    }

    @Override
    String leftoverNotPossibleReason() {
        return "a ZooKeeper instance is an ephemeral node: it ends with its owner's session";
    }

    @Test
    void deregisterRefusesToRemoveAnInstanceOfALiveOwner() {
        String service = uniqueService("owned");
        ServiceRegistry owner = client();
        ServiceInstance owned = instance(service, "owned-1", "1.0", 9950);
        owner.register(owned);
        await().atMost(wait(WAIT)).until(() -> owner.getService(service).contains(owned));

        var run = CliRun.plain();
        assertThat(run.execute("deregister", "--name", service, "--id", "owned-1", "-r", url()))
                .as(run.all())
                .isEqualTo(1);
        assertThat(run.err())
                .startsWith("registry4j deregister: the zookeeper backend refuses to remove " + service + "/owned-1:"
                        + " it belongs to a live client")
                .contains("stop that process, or wait until its session ends");
        assertThat(owner.getService(service)).containsExactly(owned);
    }
}
