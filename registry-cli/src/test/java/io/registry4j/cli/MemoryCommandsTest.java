package io.registry4j.cli;

import io.registry4j.ServiceInstance;
import io.registry4j.spi.KratosJson;
import io.registry4j.testkit.InMemoryServer;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;

/** Every subcommand against {@code memory://}, the in-memory reference backend (a server in this JVM). */
class MemoryCommandsTest extends CommandsContract {
    private final String name = "cli-" + UUID.randomUUID();

    @Override
    String url() {
        // keepAlive: the in-memory client notices an entry deleted behind its back only by checking.
        return "memory://" + name + "?keepAlive=200ms";
    }

    private InMemoryServer server() {
        return InMemoryServer.named(name);
    }

    @AfterEach
    void closeServer() {
        server().close();
    }

    @Override
    void stopServer() {
        server().stop();
    }

    @Override
    void startServer() {
        server().start();
    }

    @Override
    void deleteBehindBack(ServiceInstance instance) {
        server().delete(instance.name(), instance.id());
    }

    @Override
    boolean leaveBehind(ServiceInstance instance) {
        server().putRaw(instance.name(), instance.id(), KratosJson.encode(instance));
        return true;
    }
}
