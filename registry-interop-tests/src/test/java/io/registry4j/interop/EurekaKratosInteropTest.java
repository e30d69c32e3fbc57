package io.registry4j.interop;

import io.registry4j.Backoff;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.eureka.EurekaRegistry;
import io.registry4j.spi.Scheduler;
import io.registry4j.testservers.EurekaServer;
import io.registry4j.testservers.KratosPeer;
import io.registry4j.testservers.KratosPeer.Instance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Eureka: registry4j's {@link EurekaRegistry} and Kratos' {@code contrib/registry/eureka} (its own HTTP client) on
 * Netflix's real Eureka server. Both sides write one Eureka instance per endpoint; Kratos reads each as one instance
 * with one endpoint ({@code Endpoints} in the metadata), registry4j groups Kratos' by {@code ID}.
 *
 * <p>What each side sees of the other:
 *
 * <ul>
 *   <li>Kratos lists a registry4j instance with two endpoints as two instances, one per endpoint, with the metadata
 *       Kratos gives its own: the user's pairs plus {@code ID}, {@code Name}, {@code Version}, {@code Endpoints} (that
 *       endpoint) and {@code agent}; registry4j's {@code registry4j.*} bookkeeping is there too and left out of the
 *       comparison. Kratos 2.8.3 cannot list its own such instance this well: it gives both of its Eureka instances one
 *       metadata map (go-kratos/kratos#3818), so both say {@code Endpoints: http://…} and its resolver finds no
 *       {@code grpc} endpoint; registry4j's per-endpoint maps do not have that defect.
 *   <li>registry4j reads that Kratos instance with both endpoints all the same, {@code grpc} kept, from each Eureka
 *       instance's own address and {@code homePageUrl}.
 * </ul>
 *
 * <p>Kratos refreshes every second and renews every second (the peer's options); registry4j refreshes and renews every
 * second with a 3 s lease. Kratos sends no lease, so the server keeps a dead Kratos process's instances for its default
 * 90 s, doubled by Netflix's server (it adds the duration on every renewal), plus its 1 s eviction timer: about
 * 3 minutes, which is what {@link #deathTimeout()} allows. registry4j's process death stops its scheduler, so no
 * renewal runs any more, and the server evicts its instances about 7 s later (twice the lease plus the timer).
 */
class EurekaKratosInteropTest extends KratosInteropContract {
    private static final Duration REFRESH = Duration.ofSeconds(1);
    private static final Duration RENEW = Duration.ofSeconds(1);
    private static final Duration LEASE = Duration.ofSeconds(3);

    /** Kratos registers without {@code leaseInfo}: Eureka's default lease. */
    private static final Duration KRATOS_LEASE = Duration.ofSeconds(90);

    private @Nullable EurekaServer eureka;

    @BeforeAll
    void startServer() {
        eureka = EurekaServer.start();
    }

    @AfterAll
    void stopServer() {
        EurekaServer server = eureka;
        eureka = null;
        if (server != null) {
            server.close();
        }
    }

    private EurekaServer eureka() {
        return Objects.requireNonNull(eureka, "eureka");
    }

    @Override
    protected KratosPeer.Backend kratosBackend() {
        return KratosPeer.Backend.eureka(
                eureka(), "--eureka-refresh", REFRESH.toMillis() + "ms", "--eureka-heartbeat", RENEW.toMillis() + "ms");
    }

    @Override
    protected Registry4jProcess openRegistry4j() {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "eureka-interop-scheduler");
            t.setDaemon(true);
            return t;
        });
        AtomicBoolean dead = new AtomicBoolean();
        // Process death: from then on no timer fires, so no renewal reaches the server and nothing is deregistered.
        Scheduler scheduler = (delay, task) -> {
            if (dead.get()) {
                return () -> {};
            }
            ScheduledFuture<?> f = executor.schedule(
                    () -> {
                        if (!dead.get()) {
                            task.run();
                        }
                    },
                    Math.max(0, delay.toNanos()),
                    TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        };
        EurekaRegistry registry = EurekaRegistry.builder()
                .server(eureka().baseUri())
                .refreshInterval(REFRESH)
                .renewInterval(RENEW)
                .leaseDuration(LEASE)
                .callTimeout(Duration.ofSeconds(3))
                .backoff(Backoff.exponential(Duration.ofMillis(50), Duration.ofMillis(500), 2.0))
                .scheduler(scheduler)
                .build();
        return new Registry4jProcess() {
            @Override
            public ServiceRegistry registry() {
                return registry;
            }

            @Override
            public void die() {
                dead.set(true);
            }

            @Override
            public void close() {
                try {
                    if (!dead.get()) {
                        registry.close();
                    }
                } finally {
                    executor.shutdownNow();
                }
            }
        };
    }

    @Override
    protected Duration deathTimeout() {
        return scaled(KRATOS_LEASE.multipliedBy(2).plusSeconds(60));
    }

    /**
     * Kratos lists one instance per Eureka instance, so per endpoint: that endpoint alone, the metadata with Kratos'
     * five keys, {@code Endpoints} being that endpoint.
     */
    @Override
    protected List<Instance> expectedInKratos(Instance registeredByRegistry4j) {
        List<Instance> out = new ArrayList<>();
        for (String endpoint : Objects.requireNonNull(registeredByRegistry4j.endpoints(), "endpoints")) {
            Map<String, String> metadata =
                    new LinkedHashMap<>(Objects.requireNonNullElse(registeredByRegistry4j.metadata(), Map.of()));
            metadata.put("ID", registeredByRegistry4j.id());
            metadata.put("Name", registeredByRegistry4j.name());
            metadata.put("Version", registeredByRegistry4j.version());
            metadata.put("Endpoints", endpoint);
            metadata.put("agent", "go-eureka-client");
            out.add(new Instance(
                    registeredByRegistry4j.id(),
                    registeredByRegistry4j.name(),
                    registeredByRegistry4j.version(),
                    metadata,
                    List.of(endpoint)));
        }
        return out;
    }

    /** registry4j's own keys ({@code registry4j.id}, {@code .rev}, …) are its bookkeeping, not part of the instance. */
    @Override
    protected Instance comparable(Instance returnedByKratos) {
        Map<String, String> metadata = returnedByKratos.metadata();
        if (metadata == null) {
            return returnedByKratos;
        }
        Map<String, String> kept = new LinkedHashMap<>();
        metadata.forEach((k, v) -> {
            if (!k.startsWith(ServiceInstance.RESERVED_PREFIX)) {
                kept.put(k, v);
            }
        });
        return new Instance(
                returnedByKratos.id(),
                returnedByKratos.name(),
                returnedByKratos.version(),
                kept,
                returnedByKratos.endpoints());
    }
}
