package io.registry4j.micrometer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.registry4j.RegistrationEvent;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.Subscription;
import io.registry4j.WatchEvent;
import io.registry4j.WatchListener;
import io.registry4j.spi.AbstractServiceRegistry;
import io.registry4j.spi.RegistryObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * Binds the meters of one registry4j registry to Micrometer. All meters are tagged {@code backend} (the registry's
 * backend name) plus the tags given.
 *
 * <ul>
 *   <li>{@code registry4j.registrations} (gauge, tag {@code state}: {@code registered}, {@code lost},
 *       {@code retrying}): how many instances the registry keeps, by their current state.
 *   <li>{@code registry4j.registration.transitions} (counter, tag {@code state}): registration state changes.
 *   <li>{@code registry4j.reregistrations} (counter): instances put back after the backend lost them.
 *   <li>{@code registry4j.watched.services} (gauge): services with an open backend watch.
 *   <li>{@code registry4j.skipped.entries} (function counter): backend entries that could not be read.
 *   <li>{@code registry4j.backend.calls} (timer, tags {@code operation}, {@code outcome}: {@code success} or the
 *       {@link RegistryException.Kind} in lower case): backend call latency and errors by kind.
 *   <li>{@code registry4j.watch.deliveries} (counter, tags {@code service}, {@code type}): watch events delivered to
 *       listeners.
 *   <li>{@code registry4j.watch.delivery.lag} (timer, tag {@code service}): from a change of the registry's view of
 *       a service (new list, stale, recovered) to its delivery to a listener.
 *   <li>{@code registry4j.watch.stale} (gauge): watched services whose last delivered event said the view is stale.
 *   <li>{@code registry4j.watch.delivery.time} (timer, tag {@code service}): how long listeners wrapped by
 *       {@link #instrument} took per event (how far they hold up later events of the same service).
 * </ul>
 *
 * <p>Watched services, skipped entries, backend calls and the lag come from an {@link AbstractServiceRegistry}
 * (every registry4j backend is one) through its {@link RegistryObserver}; with another registry, deliveries and
 * staleness are counted only for listeners wrapped by {@link #instrument}. The registration meters work with any
 * registry that reports registration state. {@link #close()} removes the hooks
 * from the registry (not the meters from the meter registry).
 */
public final class RegistryMetrics implements MeterBinder, AutoCloseable {
    private final ServiceRegistry registry;
    private final Tags tags;
    private final Clock clock;
    private final Map<String, RegistrationEvent.State> states = new ConcurrentHashMap<>();
    private final Set<String> stale = ConcurrentHashMap.newKeySet();
    private final List<Subscription> hooks = new CopyOnWriteArrayList<>();
    private final List<MeterRegistry> bound = new CopyOnWriteArrayList<>();

    /**
     * Meters of a registry, tagged with its backend name.
     *
     * @param registry the registry
     */
    public RegistryMetrics(ServiceRegistry registry) {
        this(registry, Tags.empty());
    }

    /**
     * Meters of a registry, tagged with its backend name and the given tags.
     *
     * @param registry the registry
     * @param tags added to every meter
     */
    public RegistryMetrics(ServiceRegistry registry, Iterable<Tag> tags) {
        this(registry, tags, Clock.systemUTC());
    }

    RegistryMetrics(ServiceRegistry registry, Iterable<Tag> tags, Clock clock) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags")).and("backend", registry.backend());
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void bindTo(MeterRegistry meters) {
        Objects.requireNonNull(meters, "meters");
        bound.add(meters);
        for (String state : List.of("registered", "lost", "retrying")) {
            Gauge.builder("registry4j.registrations", this, m -> m.countIn(state))
                    .description("Instances the registry keeps registered, by current state")
                    .tags(tags)
                    .tag("state", state)
                    .register(meters);
        }
        if (hooks.isEmpty()) {
            hook();
        }
        if (registry instanceof AbstractServiceRegistry r) {
            Gauge.builder("registry4j.watched.services", r, AbstractServiceRegistry::watchedServices)
                    .description("Services with an open backend watch")
                    .tags(tags)
                    .register(meters);
            FunctionCounter.builder("registry4j.skipped.entries", r, AbstractServiceRegistry::skippedEntries)
                    .description("Backend entries skipped because registry4j could not read them")
                    .tags(tags)
                    .register(meters);
        }
        Gauge.builder("registry4j.watch.stale", stale, Set::size)
                .description("Watched services whose view is stale (the backend watch is down)")
                .tags(tags)
                .register(meters);
    }

    private synchronized void hook() {
        if (!hooks.isEmpty()) {
            return;
        }
        try {
            hooks.add(registry.addRegistrationListener(Runnable::run, this::onRegistration));
        } catch (UnsupportedOperationException e) {
            // This registry does not report registration state: the state meters stay at their initial values.
        }
        if (registry instanceof AbstractServiceRegistry r) {
            hooks.add(r.addObserver(new RegistryObserver() {
                @Override
                public void call(
                        RegistryObserver.Operation operation,
                        Duration elapsed,
                        RegistryException.@Nullable Kind error) {
                    onCall(operation, elapsed, error);
                }

                @Override
                public void delivered(String service, WatchEvent.Type type, Duration lag) {
                    onDelivery(service, type, lag);
                }
            }));
        }
        if (hooks.isEmpty()) {
            hooks.add(() -> {});
        }
    }

    private double countIn(String state) {
        if (!(registry instanceof AbstractServiceRegistry r)) {
            long n = states.values().stream().filter(s -> name(s).equals(state)).count();
            return n;
        }
        if (r.isClosed()) {
            return 0;
        }
        int n = 0;
        for (ServiceInstance i : r.registeredInstances()) {
            RegistrationEvent.State s = states.getOrDefault(key(i), RegistrationEvent.State.REGISTERED);
            if (name(s).equals(state)) {
                n++;
            }
        }
        return n;
    }

    private static String name(RegistrationEvent.State s) {
        return s == RegistrationEvent.State.RESTORED ? "registered" : s.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String key(ServiceInstance i) {
        return i.name() + "/" + i.id();
    }

    private void onRegistration(RegistrationEvent e) {
        states.put(key(e.instance()), e.state());
        for (MeterRegistry m : bound) {
            Counter.builder("registry4j.registration.transitions")
                    .description("Registration state changes")
                    .tags(tags)
                    .tag("state", e.state().name().toLowerCase(java.util.Locale.ROOT))
                    .register(m)
                    .increment();
            Counter c = Counter.builder("registry4j.reregistrations")
                    .description("Instances put back after the backend lost them")
                    .tags(tags)
                    .register(m);
            if (e.state() == RegistrationEvent.State.RESTORED) {
                c.increment();
            }
        }
    }

    private void onCall(
            RegistryObserver.Operation operation, Duration elapsed, RegistryException.@Nullable Kind error) {
        String outcome = error == null ? "success" : error.name().toLowerCase(java.util.Locale.ROOT);
        for (MeterRegistry m : bound) {
            Timer.builder("registry4j.backend.calls")
                    .description("Backend calls: latency, and errors by kind")
                    .tags(tags)
                    .tag("operation", operation.name().toLowerCase(java.util.Locale.ROOT))
                    .tag("outcome", outcome)
                    .register(m)
                    .record(elapsed);
        }
    }

    private void onDelivery(String service, WatchEvent.Type type, Duration lag) {
        if (type == WatchEvent.Type.STALE) {
            stale.add(service);
        } else {
            stale.remove(service);
        }
        for (MeterRegistry m : bound) {
            Counter.builder("registry4j.watch.deliveries")
                    .description("Watch events delivered to listeners")
                    .tags(tags)
                    .tag("service", service)
                    .tag("type", type.name().toLowerCase(java.util.Locale.ROOT))
                    .register(m)
                    .increment();
            Timer.builder("registry4j.watch.delivery.lag")
                    .description("From a change of the view of a service to its delivery to a listener")
                    .tags(tags)
                    .tag("service", service)
                    .register(m)
                    .record(lag);
        }
    }

    /**
     * Wraps a watch listener so the time it takes is measured (and, with a registry that is not an
     * {@link AbstractServiceRegistry}, its deliveries and the service's staleness are counted).
     *
     * @param listener the listener
     * @return a listener that records, then delegates
     */
    public WatchListener instrument(WatchListener listener) {
        Objects.requireNonNull(listener, "listener");
        return event -> {
            long start = clock.millis();
            try {
                listener.onEvent(event);
            } finally {
                record(event, Duration.ofMillis(Math.max(0, clock.millis() - start)));
            }
        };
    }

    /**
     * Records one watch event delivered to a listener not wrapped by {@link #instrument}.
     *
     * @param event the event
     * @param time how long its listener took
     */
    public void record(WatchEvent event, Duration time) {
        if (!(registry instanceof AbstractServiceRegistry)) {
            // An AbstractServiceRegistry reports every delivery itself, with its lag.
            if (event.type() == WatchEvent.Type.STALE) {
                stale.add(event.service());
            } else {
                stale.remove(event.service());
            }
            for (MeterRegistry m : bound) {
                Counter.builder("registry4j.watch.deliveries")
                        .description("Watch events delivered to listeners")
                        .tags(tags)
                        .tag("service", event.service())
                        .tag("type", event.type().name().toLowerCase(java.util.Locale.ROOT))
                        .register(m)
                        .increment();
            }
        }
        for (MeterRegistry m : bound) {
            Timer.builder("registry4j.watch.delivery.time")
                    .description("Time a listener took to handle a watch event")
                    .tags(tags)
                    .tag("service", event.service())
                    .register(m)
                    .record(time);
        }
    }

    /** Removes the hooks from the registry; the meters stay in the meter registries they were bound to. */
    @Override
    public void close() {
        List<Subscription> all = new ArrayList<>(hooks);
        hooks.clear();
        all.forEach(Subscription::close);
    }
}
