package io.registry4j.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.testkit.RegistryLeakCheck;
import io.registry4j.testservers.TestTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a gRPC channel through the resolver does on a real backend: it follows instances being added, changed and
 * removed. Real gRPC servers on loopback answer the calls; one registry client registers, another resolves, as two
 * processes would. Subclasses say how to make a registry client of their backend.
 */
@ExtendWith(RegistryLeakCheck.class)
abstract class ChannelFollowsInstancesContract {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final List<RegistryNameResolverProvider> providers = new ArrayList<>();
    private ServiceRegistry registrar;
    private ServiceRegistry discovery;
    private String service;

    /** A new client of the backend's test server; the test closes it. */
    protected abstract ServiceRegistry newRegistry();

    /** How long a change may take to reach a watcher of this backend, unscaled. */
    protected Duration propagation() {
        return Duration.ofSeconds(10);
    }

    private Duration patience() {
        return TestTime.scaled(propagation().plusSeconds(10));
    }

    @BeforeEach
    void openClients() {
        registrar = newRegistry();
        discovery = newRegistry();
        service = "orders-" + COUNTER.incrementAndGet();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (RegistryNameResolverProvider p : providers) {
            NameResolverRegistry.getDefaultRegistry().deregister(p);
        }
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        discovery.close();
        registrar.close();
    }

    private LoopbackGrpcServer server(String name) {
        LoopbackGrpcServer s = LoopbackGrpcServer.start(name);
        resources.add(s);
        return s;
    }

    /** A channel through a provider around {@code discovery}, under a scheme of its own. */
    private ManagedChannel channel(String query, String policy) {
        String scheme = "r4j-test-" + COUNTER.incrementAndGet();
        RegistryNameResolverProvider provider =
                RegistryNameResolverProvider.builder(discovery).scheme(scheme).build();
        NameResolverRegistry.getDefaultRegistry().register(provider);
        providers.add(provider);
        ManagedChannel channel = Grpc.newChannelBuilder(
                        scheme + ":///" + service + query, InsecureChannelCredentials.create())
                .defaultLoadBalancingPolicy(policy)
                .build();
        resources.add(() -> {
            channel.shutdownNow();
            channel.awaitTermination(10, TimeUnit.SECONDS);
        });
        return channel;
    }

    /** The servers that answer a round of calls; round-robin reaches each backend within a few rounds. */
    private static Set<String> answering(ManagedChannel channel, int calls) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < calls; i++) {
            names.add(LoopbackGrpcServer.whoami(channel));
        }
        return names;
    }

    @Test
    void channelFollowsInstancesAddedChangedAndRemoved() {
        LoopbackGrpcServer a = server("a");
        LoopbackGrpcServer b = server("b");
        LoopbackGrpcServer c = server("c");
        registrar.register(a.instance(service, "i1"));
        ManagedChannel channel = channel("", "round_robin");

        await().atMost(patience())
                .untilAsserted(() -> assertThat(answering(channel, 6)).containsExactly("a"));

        registrar.register(b.instance(service, "i2"));
        await().atMost(patience())
                .untilAsserted(() -> assertThat(answering(channel, 6)).containsExactlyInAnyOrder("a", "b"));

        // i1 moves from server a to server c: a is not called any more.
        registrar.register(c.instance(service, "i1"));
        await().atMost(patience())
                .untilAsserted(() -> assertThat(answering(channel, 6)).containsExactlyInAnyOrder("b", "c"));

        registrar.deregister(b.instance(service, "i2"));
        await().atMost(patience())
                .untilAsserted(() -> assertThat(answering(channel, 6)).containsExactly("c"));

        // The standard health service of the remaining instance answers through the same channel.
        int health = LoopbackGrpcServer.health(channel, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS));
        assertThat(health).as("health check status").isEqualTo(LoopbackGrpcServer.SERVING);
    }

    @Test
    void callsFailWithTheServiceNameOnceTheLastInstanceIsGone() {
        LoopbackGrpcServer a = server("a");
        ServiceInstance only = a.instance(service, "i1");
        registrar.register(only);
        ManagedChannel channel = channel("", "pick_first");
        await().atMost(patience()).until(() -> LoopbackGrpcServer.whoami(channel), "a"::equals);

        // Kratos keeps dialing the last addresses of an emptied service; here the server is still up, so a call
        // that fails can only fail because the resolver reported the service empty.
        registrar.deregister(only);
        await().atMost(patience()).untilAsserted(() -> {
            StatusRuntimeException e =
                    catchThrowableOfType(StatusRuntimeException.class, () -> LoopbackGrpcServer.whoami(channel));
            assertThat(e).isNotNull();
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.getStatus().getDescription()).contains("'" + service + "'");
        });

        registrar.register(only);
        await().atMost(patience()).until(() -> LoopbackGrpcServer.whoami(channel), "a"::equals);
    }

    @Test
    void versionFilterInTheTargetKeepsOnlyThatVersion() {
        LoopbackGrpcServer v1 = server("v1");
        LoopbackGrpcServer v2 = server("v2");
        registrar.register(v1.instance(service, "i1"));
        registrar.register(v2.instance(service, "i2").toBuilder().version("v2").build());
        ManagedChannel channel = channel("?version=v2", "round_robin");

        await().atMost(patience())
                .untilAsserted(() -> assertThat(answering(channel, 6)).containsExactly("v2"));
    }
}
