package io.registry4j.nacos;

import static org.assertj.core.api.Assertions.assertThat;

import com.alibaba.nacos.api.naming.NamingService;
import io.registry4j.RegistrationEvent;
import io.registry4j.ServiceInstance;
import io.registry4j.Watcher;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A registry on a {@link NamingService} that is not the SDK's own class (here a delegating proxy, as a wrapper for
 * metrics would be): the registry cannot reach the SDK's connection and redo book-keeping, so it polls the server
 * status and checks its instances on the server instead.
 */
@DisplayName("NacosRegistry on a wrapped NamingService, on a real Nacos 3.1 server")
@ExtendWith(SharedNacosServer.class)
class NacosOtherClientTest {

    private static NamingService wrap(NamingService real) {
        return (NamingService) Proxy.newProxyInstance(
                NamingService.class.getClassLoader(), new Class<?>[] {NamingService.class}, (proxy, method, args) -> {
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    @DisplayName("registration, discovery and putting back an instance deregistered behind its back still work")
    void worksWithoutTheSdkInternals() throws Exception {
        NamingService real = SharedNacosServer.plainClient();
        String s = "wrapped-" + ProcessHandle.current().pid();
        ServiceInstance x = ServiceInstance.builder()
                .id("x1")
                .name(s)
                .version("1")
                .endpoint("grpc://127.0.0.1:10001")
                .build();
        List<RegistrationEvent> events = new CopyOnWriteArrayList<>();
        try (NacosRegistry a = NacosRegistry.builder()
                        .namingService(wrap(real))
                        .instanceCheckInterval(Duration.ofSeconds(1))
                        .build();
                NacosRegistry b = SharedNacosServer.registry().build()) {
            assertThat(a.connectionId()).as("no access to the SDK's connection").isNull();
            a.addRegistrationListener(Runnable::run, events::add);
            a.register(x);
            Awaitility.await("the other registry to see it")
                    .atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(b.getService(s)).containsExactly(x));
            try (Watcher w = a.watch(s)) {
                assertThat(w.next()).containsExactly(x);
            }

            // In Kratos' layout, the default, the grpc endpoint lives in the Nacos service <name>.grpc.
            real.deregisterInstance(
                    s + ".grpc", NacosRegistry.DEFAULT_GROUP, "127.0.0.1", 10001, NacosRegistry.DEFAULT_CLUSTER);

            Awaitility.await("LOST then RESTORED")
                    .atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(events)
                            .extracting(RegistrationEvent::state)
                            .containsSubsequence(RegistrationEvent.State.LOST, RegistrationEvent.State.RESTORED));
            Awaitility.await("the instance to be back")
                    .atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(b.getService(s)).containsExactly(x));
        } finally {
            real.shutDown();
        }
    }
}
