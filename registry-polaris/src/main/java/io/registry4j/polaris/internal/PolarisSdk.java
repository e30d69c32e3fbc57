package io.registry4j.polaris.internal;

import com.tencent.polaris.api.core.ConsumerAPI;
import com.tencent.polaris.api.core.ProviderAPI;
import com.tencent.polaris.client.api.SDKContext;
import com.tencent.polaris.factory.ConfigAPIFactory;
import com.tencent.polaris.factory.api.DiscoveryAPIFactory;
import com.tencent.polaris.factory.config.ConfigurationImpl;
import java.lang.System.Logger.Level;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * One Polaris SDK context with its provider and consumer APIs, configured for registry4j, and its complete shutdown.
 *
 * <p>Settings that differ from the SDK's defaults, and why: the call timeout bounds every SDK call
 * ({@code global.api.timeout}); the local cache is not persisted unless asked, and when it is, it goes under the
 * given directory, never the working directory ({@code consumer.localCache.persistDir}, default
 * {@code ./polaris/backup}); the Prometheus stat reporter is off, because it starts an HTTP server on
 * {@code 0.0.0.0:28080}; the SDK's log files (written only when Logback or Log4j 2 is on the class path) go under the
 * given directory through the system property {@code polaris.log.home}, set once per JVM unless the application set
 * it first.
 *
 * <p>Shutdown: {@code SDKContext.destroy()} stops every SDK thread but one: the watch flow's dispatch pool
 * ({@code polaris-service-watch-dispatch0-1}), which the SDK 2.0.0.0 never shuts down. {@link #close()} shuts it down
 * through reflection on the SDK's fields (consumer API → discovery flow → watch flow → its executors), pinned to this
 * SDK version and checked by the kit's leak check; if the fields move in another SDK version, the thread is left
 * running and a warning says so.
 *
 * <p>Not thread-safe to close concurrently; the registry closes it once.
 */
public final class PolarisSdk implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PolarisSdk.class.getName());

    /** The JVM-wide system property the SDK's logging reads for its log directory. */
    public static final String LOG_HOME_PROPERTY = "polaris.log.home";

    private final SDKContext context;
    private final ProviderAPI provider;
    private final ConsumerAPI consumer;

    private final boolean ownsContext;

    private PolarisSdk(SDKContext context, ProviderAPI provider, ConsumerAPI consumer, boolean ownsContext) {
        this.context = context;
        this.provider = provider;
        this.consumer = consumer;
        this.ownsContext = ownsContext;
    }

    /**
     * The provider and consumer APIs on a context the caller owns; {@link #close()} leaves that context alone.
     *
     * @param context the caller's context
     * @return the SDK
     */
    public static PolarisSdk on(SDKContext context) {
        return new PolarisSdk(
                context,
                DiscoveryAPIFactory.createProviderAPIByContext(context),
                DiscoveryAPIFactory.createConsumerAPIByContext(context),
                false);
    }

    /**
     * The SDK configuration registry4j uses.
     *
     * @param addresses {@code host:port} of the servers' gRPC port
     * @param callTimeout bound of every SDK call
     * @param directory where the SDK's cache backup and logs may go
     * @param persistCache whether the SDK backs its cache up to disk
     * @return the configuration
     */
    public static ConfigurationImpl configuration(
            List<String> addresses, Duration callTimeout, Path directory, boolean persistCache) {
        ConfigurationImpl cfg = (ConfigurationImpl) ConfigAPIFactory.defaultConfig();
        cfg.getGlobal().getServerConnector().setAddresses(List.copyOf(addresses));
        cfg.getGlobal().getAPI().setTimeout(callTimeout.toMillis());
        cfg.getGlobal().getStatReporter().setEnable(false);
        cfg.getConsumer().getLocalCache().setPersistEnable(persistCache);
        cfg.getConsumer()
                .getLocalCache()
                .setPersistDir(directory.resolve("backup").toString());
        cfg.getConfigFile()
                .getServerConnector()
                .setPersistDir(directory.resolve("backup").resolve("config").toString());
        cfg.getConfigFile().getServerConnector().setPersistEnable(false);
        return cfg;
    }

    /**
     * Creates the SDK context and its APIs.
     *
     * @param configuration the configuration
     * @param logDirectory the SDK's log directory, unless the application set {@value #LOG_HOME_PROPERTY}
     * @return the SDK
     * @throws com.tencent.polaris.api.exception.PolarisException if the SDK could not start
     */
    public static PolarisSdk create(ConfigurationImpl configuration, Path logDirectory) {
        synchronized (PolarisSdk.class) {
            if (System.getProperty(LOG_HOME_PROPERTY) == null) {
                System.setProperty(
                        LOG_HOME_PROPERTY, logDirectory.toAbsolutePath().toString());
            }
        }
        SDKContext context = SDKContext.initContextByConfig(configuration);
        try {
            ProviderAPI provider = DiscoveryAPIFactory.createProviderAPIByContext(context);
            ConsumerAPI consumer = DiscoveryAPIFactory.createConsumerAPIByContext(context);
            return new PolarisSdk(context, provider, consumer, true);
        } catch (RuntimeException e) {
            context.destroy();
            throw e;
        }
    }

    /**
     * The provider API (register, deregister, heartbeat).
     *
     * @return the API
     */
    public ProviderAPI provider() {
        return provider;
    }

    /**
     * The consumer API (instances, watches).
     *
     * @return the API
     */
    public ConsumerAPI consumer() {
        return consumer;
    }

    /**
     * The SDK context, for a caller that builds more APIs on it.
     *
     * @return the context
     */
    public SDKContext context() {
        return context;
    }

    @Override
    public void close() {
        if (ownsContext) {
            destroyContext();
        }
        // else the APIs belong to the caller's context, which destroys them with it
    }

    /**
     * Destroys the SDK context completely, whoever owns it: its APIs, the context, and the watch dispatch pool the SDK
     * leaves running. For an application (or a test) that built the context it gave a registry, once the registry is
     * closed.
     */
    public void destroyContext() {
        ExecutorService[] dispatch = watchDispatchPools(consumer);
        try {
            consumer.destroy();
            provider.destroy();
        } finally {
            context.destroy();
            for (ExecutorService pool : dispatch) {
                pool.shutdownNow();
            }
        }
    }

    /** The watch flow's dispatch pools of a consumer API; empty (with a warning) if the SDK's fields moved. */
    static ExecutorService[] watchDispatchPools(ConsumerAPI consumer) {
        try {
            Object discoveryFlow = field(consumer, "discoveryFlow");
            Object watchFlow = field(discoveryFlow, "watchFlow");
            Object executor = field(watchFlow, "executor");
            if (executor == null) {
                return new ExecutorService[0]; // no watch was ever made: no pool
            }
            Object[] executors = (Object[]) Objects.requireNonNull(field(executor, "executors"), "executors");
            ExecutorService[] out = new ExecutorService[executors.length];
            for (int i = 0; i < executors.length; i++) {
                out[i] = (ExecutorService) executors[i];
            }
            return out;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(
                    Level.WARNING,
                    "polaris: cannot reach the SDK's watch dispatch pool to stop it ("
                            + e
                            + "); its thread polaris-service-watch-dispatch0-1 stays running");
            return new ExecutorService[0];
        }
    }

    private static @Nullable Object field(@Nullable Object owner, String name) throws ReflectiveOperationException {
        if (owner == null) {
            throw new NoSuchFieldException(name + " of null");
        }
        for (Class<?> c = owner.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(owner);
            } catch (NoSuchFieldException e) {
                // look in the superclass
            }
        }
        throw new NoSuchFieldException(owner.getClass().getName() + "." + name);
    }
}
