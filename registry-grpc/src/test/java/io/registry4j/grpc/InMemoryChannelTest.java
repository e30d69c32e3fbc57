package io.registry4j.grpc;

import io.registry4j.ServiceRegistry;
import io.registry4j.testkit.InMemoryRegistry;
import io.registry4j.testkit.InMemoryServer;

/** The channel contract on the in-memory reference backend (a server per test; it has no threads to stop). */
class InMemoryChannelTest extends ChannelFollowsInstancesContract {
    private final InMemoryServer server = new InMemoryServer("grpc-channel-test");

    @Override
    protected ServiceRegistry newRegistry() {
        return InMemoryRegistry.builder().server(server).build();
    }
}
