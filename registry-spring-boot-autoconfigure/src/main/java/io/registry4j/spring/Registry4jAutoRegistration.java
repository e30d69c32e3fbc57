package io.registry4j.spring;

import io.registry4j.ServiceInstance;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;

/**
 * Registers the application once its web server listens (with its actual port) and deregisters it first thing on
 * shutdown: this lifecycle starts after the web server's and stops before the web server's graceful shutdown begins,
 * so callers stop picking the instance before it stops accepting requests.
 */
public final class Registry4jAutoRegistration
        implements SmartLifecycle, ApplicationListener<WebServerInitializedEvent> {
    /** Stops before {@link WebServerApplicationContext#GRACEFUL_SHUTDOWN_PHASE} and the web server. */
    public static final int PHASE = WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE + 1024;

    private static final System.Logger LOG = System.getLogger(Registry4jAutoRegistration.class.getName());

    private final Registry4jRegistrations registrations;
    private final Registry4jProperties.Instance settings;
    private final String defaultName;
    private final String defaultVersion;
    private final @Nullable Ssl ssl;
    private volatile int port = -1;
    private volatile @Nullable ServiceInstance registered;
    private volatile boolean running;

    /**
     * The registration of this application.
     *
     * @param registrations registers and tracks the instance
     * @param settings {@code registry4j.instance.*}
     * @param defaultName the service name if none is set ({@code spring.application.name})
     * @param defaultVersion the version if none is set (the build-info version, or empty)
     * @param ssl the web server's TLS settings, if any
     */
    public Registry4jAutoRegistration(
            Registry4jRegistrations registrations,
            Registry4jProperties.Instance settings,
            String defaultName,
            String defaultVersion,
            @Nullable Ssl ssl) {
        this.registrations = Objects.requireNonNull(registrations, "registrations");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.defaultName = Objects.requireNonNull(defaultName, "defaultName");
        this.defaultVersion = Objects.requireNonNull(defaultVersion, "defaultVersion");
        this.ssl = ssl;
    }

    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
        String namespace = event.getApplicationContext().getServerNamespace();
        if (namespace == null || namespace.isEmpty() || namespace.equals("server")) {
            port = event.getWebServer().getPort(); // the management server ("management") is not registered
        }
    }

    @Override
    public void start() {
        running = true;
        ServiceInstance instance = instance();
        if (instance != null) {
            registrations.register(instance);
            registered = instance;
        }
    }

    @Override
    public void stop() {
        running = false;
        ServiceInstance instance = registered;
        registered = null;
        if (instance != null) {
            try {
                registrations.deregister(instance);
            } catch (RuntimeException e) {
                // Shutdown goes on: the entry ends with its lease, session or heartbeat on the backend.
                LOG.log(
                        System.Logger.Level.WARNING,
                        "registry4j: deregistering " + instance.name() + "/" + instance.id() + " on shutdown failed: "
                                + e.getMessage());
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /**
     * The instance registered, if any.
     *
     * @return the instance, or null before start, after stop, or when there is nothing to register
     */
    public @Nullable ServiceInstance registered() {
        return registered;
    }

    /**
     * The instance this application registers, from the settings and the web server.
     *
     * @return the instance, or null if there is no web server and no endpoint is configured
     */
    @Nullable
    ServiceInstance instance() {
        List<String> endpoints = settings.getEndpoints();
        String host = settings.getHost() != null ? settings.getHost() : localHost();
        int port = this.port;
        if (endpoints.isEmpty() && port <= 0) {
            return null;
        }
        String name = settings.getName() != null ? settings.getName() : defaultName;
        ServiceInstance.Builder b = ServiceInstance.builder()
                .name(name)
                .version(settings.getVersion() != null ? settings.getVersion() : defaultVersion)
                .metadata(settings.getMetadata());
        if (endpoints.isEmpty()) {
            String scheme = Ssl.isEnabled(ssl) ? "https" : "http";
            b.endpoint(scheme + "://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port);
        } else {
            endpoints.forEach(b::endpoint);
        }
        String id = settings.getId();
        if (id == null) {
            id = name + "-" + host.replace(':', '_') + "-"
                    + (port > 0 ? String.valueOf(port) : Integer.toHexString(endpoints.hashCode()));
        }
        return b.id(id).build();
    }

    private static String localHost() {
        try {
            return InetAddress.getLocalHost().getHostAddress();
        } catch (UnknownHostException e) {
            return InetAddress.getLoopbackAddress().getHostAddress();
        }
    }
}
