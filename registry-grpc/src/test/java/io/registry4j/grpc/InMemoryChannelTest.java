package io.registry4j.grpc;

import io.registry4j.ServiceRegistry;
import io.registry4j.testkit.InMemoryRegistry;
import io.registry4j.testkit.InMemoryServer;
import org.junit.jupiter.api.AfterEach;

/** The channel contract on the in-memory reference backend. */
class InMemoryChannelTest extends ChannelFollowsInstancesContract {
    private final InMemoryServer server = new InMemoryServer("grpc-channel-test");

    @Override
    protected ServiceRegistry newRegistry() {
        return InMemoryRegistry.builder().server(server).build();
    }

    @AfterEach
    void stopServer() {
        server.stop();
    }
}
