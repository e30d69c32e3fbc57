package io.registry4j.testkit;

import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The server a compatibility test class runs on: started once before the class's tests and closed after them, with
 * what each registry the class made has registered (faults that remove an instance behind its registry's back need
 * it).
 *
 * <pre>{@code
 * @RegisterExtension
 * static final KitServer<ConsulServer> SERVER = new KitServer<>("Consul agent", ConsulTestSupport::startServer);
 *
 * @Override
 * protected ServiceRegistry newRegistry() {
 *     return SERVER.track(ConsulTestSupport.builder(SERVER.get()).build());
 * }
 * }</pre>
 *
 * <p>Its {@code @BeforeAll} part runs before the class's {@code @BeforeAll} methods, its {@code @AfterAll} part after
 * theirs. Thread-safe.
 *
 * @param <S> the server's type
 */
public final class KitServer<S extends AutoCloseable> implements BeforeAllCallback, AfterAllCallback {
    private final String name;
    private final Supplier<? extends S> start;
    private final RegisteredInstances registered = new RegisteredInstances();
    private volatile @Nullable S server;
    private int depth; // guarded by this: class contexts open, the outer one and its nested ones

    /**
     * Creates the extension; nothing starts until the class's tests do.
     *
     * @param name what the server is called in messages, such as {@code Consul agent}
     * @param start starts the server
     */
    public KitServer(String name, Supplier<? extends S> start) {
        this.name = Objects.requireNonNull(name, "name");
        this.start = Objects.requireNonNull(start, "start");
    }

    /**
     * Starts the server for the outermost class. JUnit also calls this for each {@code @Nested} class of it (the
     * kit's groups), which share the outer class's server.
     */
    @Override
    public synchronized void beforeAll(ExtensionContext context) {
        if (depth++ == 0) {
            server = start.get();
        }
    }

    /** Closes the server once the outermost class is done; a {@code @Nested} class leaves it running. */
    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        S s;
        synchronized (this) {
            if (--depth > 0) {
                return;
            }
            s = server;
            server = null;
        }
        registered.clear();
        if (s != null) {
            s.close();
        }
    }

    /**
     * The running server.
     *
     * @return the server
     * @throws IllegalStateException outside the class's tests
     */
    public S get() {
        S s = server;
        if (s == null) {
            throw new IllegalStateException(name + " is not running: it runs only during the test class");
        }
        return s;
    }

    /**
     * Records what a registry registers from now on, for {@link #registered}.
     *
     * @param registry the registry
     * @param <R> its type
     * @return the registry
     */
    public <R extends ServiceRegistry> R track(R registry) {
        return registered.track(registry);
    }

    /**
     * What a registry made by {@link #track} has registered so far.
     *
     * @param registry the registry
     * @return its instances, empty for a registry not tracked
     */
    public Set<ServiceInstance> registered(ServiceRegistry registry) {
        return registered.of(registry);
    }
}
