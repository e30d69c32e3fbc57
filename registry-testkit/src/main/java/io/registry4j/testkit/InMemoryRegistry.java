package io.registry4j.testkit;

import io.registry4j.RegistryException;
import io.registry4j.ServiceCatalog;
import io.registry4j.ServiceInstance;
import io.registry4j.spi.AbstractServiceRegistry;
import io.registry4j.spi.KratosJson;
import io.registry4j.spi.RegistryBuilder;
import io.registry4j.spi.ServiceViews;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The reference backend: a complete registry client on an {@link InMemoryServer}, for unit tests of code that uses
 * the registry API, and as the model for backend authors (it passes the whole {@link RegistryCompatibilityKit}).
 *
 * <pre>{@code
 * var server = new InMemoryServer("test");
 * try (var registry = InMemoryRegistry.builder().server(server).build()) {
 *     registry.register(instance);
 *     server.stop();  // every client now sees an outage
 * }
 * }</pre>
 *
 * <p>Design: like ZooKeeper, each client holds a session with the server and its instances are ephemeral entries of
 * that session, stored as Kratos JSON. When the server expires the session (or comes back wiped), the client opens a
 * new session and its {@link io.registry4j.spi.RegistrationKeeper} writes every instance again. A watch subscribes
 * to the service on the server and re-reads the full list on every change; a dropped watch (outage, cut stream) is
 * reported as failed, so the shared view goes stale and the watch is reopened with backoff. Entries that are not
 * valid instances are skipped and counted. Thread-safe; it starts one scheduler thread, named
 * {@code registry4j-memory-scheduler-1}, when it first needs it.
 */
public final class InMemoryRegistry extends AbstractServiceRegistry implements ServiceCatalog {

    /** The backend name, also the URL scheme: {@code memory://name}. */
    public static final String BACKEND = "memory";

    private final InMemoryServer server;
    private final boolean ownsServer;
    private volatile long session;

    private InMemoryRegistry(Builder b, InMemoryServer server, boolean ownsServer) {
        super(BACKEND, b.options());
        this.server = server;
        this.ownsServer = ownsServer;
        this.session = server.openSession(new Expiry(this));
    }

    /** Forwards session expiry without letting {@code this} escape the constructor through a lambda. */
    private static final class Expiry implements InMemoryServer.SessionListener {
        private final InMemoryRegistry registry;

        Expiry(InMemoryRegistry registry) {
            this.registry = registry;
        }

        @Override
        public void expired(long expired) {
            registry.sessionExpired(expired);
        }
    }

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The server this registry talks to.
     *
     * @return the server
     */
    public InMemoryServer server() {
        return server;
    }

    /**
     * The id of this client's current session on the server, for {@link InMemoryServer#expire(long)}.
     *
     * @return the session id
     */
    public long sessionId() {
        return session;
    }

    private void sessionExpired(long expired) {
        if (isClosed() || expired != session) {
            return;
        }
        var cause = new RegistryException(
                RegistryException.Kind.UNAVAILABLE, BACKEND, "session " + expired + " expired on " + server.name());
        try {
            session = server.openSession(new Expiry(this));
        } catch (RegistryException e) {
            // The server is down: writes reopen the session once it is back.
        }
        keeper().lostAll(cause);
    }

    private long liveSession() {
        long s = session;
        if (!server.isLive(s)) {
            synchronized (this) {
                if (!server.isLive(session)) {
                    session = server.openSession(new Expiry(this));
                }
                s = session;
            }
        }
        return s;
    }

    @Override
    protected void write(ServiceInstance instance) {
        server.put(liveSession(), instance.name(), instance.id(), KratosJson.encode(instance));
    }

    @Override
    protected void remove(ServiceInstance instance) {
        server.remove(session, instance.name(), instance.id());
    }

    @Override
    protected boolean verify(ServiceInstance instance) {
        return server.holds(session, instance.name(), instance.id());
    }

    @Override
    protected List<ServiceInstance> read(String service) {
        return decode(service, server.list(service));
    }

    private List<ServiceInstance> decode(String service, Map<String, String> raw) {
        List<ServiceInstance> out = new ArrayList<>(raw.size());
        raw.forEach((id, json) -> {
            try {
                ServiceInstance i = KratosJson.decode(json);
                if (!i.name().equals(service)) {
                    throw new IllegalArgumentException("entry holds service \"" + i.name() + "\"");
                }
                out.add(i);
            } catch (IllegalArgumentException e) {
                skip(service + "/" + id, e);
            }
        });
        return out;
    }

    @Override
    protected AutoCloseable openWatch(String service, ServiceViews.Sink sink) {
        var callback = new InMemoryServer.WatchCallback() {
            @Override
            public void changed() {
                try {
                    sink.update(read(service));
                } catch (RegistryException e) {
                    sink.failed(e);
                }
            }

            @Override
            public void changedTo(Map<String, String> entries) {
                sink.update(decode(service, entries));
            }

            @Override
            public void dropped(RegistryException cause) {
                sink.failed(cause);
            }
        };
        AutoCloseable handle = server.watch(session, service, callback);
        if (!server.realism().asyncNotifications()) {
            callback.changed(); // the first authoritative read, after subscribing so no change falls in between
        } // else the server cues the first read later, like a network answer
        return handle;
    }

    /**
     * How many watches of a service this client holds on the server right now; for tests of watch sharing.
     *
     * @param service the service
     * @return the count the server sees
     */
    public int serverWatches(String service) {
        return server.watchCount(session, service);
    }

    @Override
    public SortedSet<String> services() {
        return new TreeSet<>(server.serviceNames());
    }

    @Override
    protected void closeClient() {
        server.closeSession(session);
        if (ownsServer) {
            server.close();
        }
    }

    /** Builds an {@link InMemoryRegistry}. Not thread-safe. */
    public static final class Builder extends RegistryBuilder<Builder> {
        private @Nullable InMemoryServer server;
        private Duration callTimeout = Options.DEFAULT_CALL_TIMEOUT;
        private @Nullable Duration keepAlive;

        private Builder() {}

        /**
         * The server to talk to; the registry never closes it. If unset, the registry creates a private server and
         * closes it with itself.
         *
         * @param server the server
         * @return this builder
         */
        public Builder server(InMemoryServer server) {
            this.server = Objects.requireNonNull(server, "server");
            return this;
        }

        /**
         * Bound of every call; in memory, calls never wait, so this only matters to code that reads it. Defaults to
         * 10 s.
         *
         * @param timeout the bound
         * @return this builder
         */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Checks every interval that the server still holds each registered instance, and writes it again if not
         * (entries deleted behind the registry's back). Off by default.
         *
         * @param interval how often to check
         * @return this builder
         */
        public Builder keepAlive(Duration interval) {
            this.keepAlive = Objects.requireNonNull(interval, "interval");
            return this;
        }

        Options options() {
            return options(callTimeout, keepAlive);
        }

        /**
         * Connects to the server.
         *
         * @return the registry
         * @throws RegistryException of kind {@code UNAVAILABLE} if the server is down
         */
        public InMemoryRegistry build() {
            Options checked = options();
            Objects.requireNonNull(checked);
            InMemoryServer s = server;
            if (s == null) {
                return new InMemoryRegistry(this, new InMemoryServer("private"), true);
            }
            return new InMemoryRegistry(this, s, false);
        }
    }
}
