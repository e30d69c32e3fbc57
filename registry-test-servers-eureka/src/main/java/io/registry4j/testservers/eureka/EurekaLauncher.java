package io.registry4j.testservers.eureka;

import com.netflix.appinfo.ApplicationInfoManager;
import com.netflix.appinfo.EurekaInstanceConfig;
import com.netflix.appinfo.MyDataCenterInstanceConfig;
import com.netflix.appinfo.providers.EurekaConfigBasedInstanceInfoProvider;
import com.netflix.discovery.DefaultEurekaClientConfig;
import com.netflix.discovery.DiscoveryClient;
import com.netflix.discovery.Jersey3DiscoveryClientOptionalArgs;
import com.netflix.discovery.provider.DiscoveryJerseyProvider;
import com.netflix.discovery.shared.transport.jersey3.Jersey3TransportClientFactories;
import com.netflix.eureka.Jersey3EurekaBootStrap;
import com.netflix.eureka.resources.EurekaServerContextBinder;
import jakarta.servlet.DispatcherType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.servlet.DefaultServlet;
import org.eclipse.jetty.servlet.FilterHolder;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.servlet.ServletContainer;

/**
 * Runs one real Netflix Eureka server (the classes of {@code eureka-core-jersey3}: {@code ApplicationsResource},
 * {@code InstanceResource}, {@code PeerAwareInstanceRegistryImpl}, {@code ResponseCacheImpl}, {@code Lease}) in
 * embedded Jetty on a loopback port, with the REST API at {@code http://127.0.0.1:<port>/eureka/apps}, the path a
 * Spring Cloud Netflix server uses.
 *
 * <p>Usage: {@code EurekaLauncher <port> [eureka.property=value ...]}. The settings make a standalone server that
 * answers at once and forgets quickly, as tests need (each can be overridden by an argument):
 *
 * <ul>
 *   <li>{@code eureka.waitTimeInMsWhenSyncEmpty=0}: else reads answer 403 for five minutes after a standalone start;
 *   <li>{@code eureka.shouldUseReadOnlyResponseCache=false}: else reads lag writes by up to 30 s;
 *   <li>{@code eureka.responseCacheAutoExpirationInSeconds=1}: the read-write cache behind every listing is a Guava
 *       cache that an invalidation does not protect from a load already under way, so a read that races a write can
 *       leave the listing before the write in the cache until it expires (180 s by default) or the app changes again;
 *       a one-second expiry bounds that staleness, which a real deployment has too;
 *   <li>{@code eureka.evictionIntervalTimerInMs=1000} and {@code eureka.enableSelfPreservation=false}: expired leases
 *       go within a second instead of a minute, and always;
 *   <li>no peers, and the embedded client neither registers nor fetches, so the server never calls out; its own
 *       service URL names its own port, never the standard 8761.
 * </ul>
 *
 * <p>Design: Eureka is configured through Archaius, which reads system properties, so the settings are system
 * properties set before any Eureka class loads. The server prints {@value #READY_LINE} and the port once Jetty
 * serves; it stops when the process is terminated (the harness stops it by PID).
 */
public final class EurekaLauncher {
    /** The line printed, followed by the port, once the server accepts requests. */
    public static final String READY_LINE = "registry4j-eureka-launcher: serving on port ";

    /** The system property naming the address to listen on instead of loopback (a network namespace's). */
    public static final String HOST_PROPERTY = "registry4j.eureka.host";

    private EurekaLauncher() {}

    /**
     * Starts the server and returns; Jetty's threads keep the JVM alive.
     *
     * @param args the port, then optional {@code eureka.property=value} overrides
     * @throws Exception if the server cannot start
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            throw new IllegalArgumentException("usage: EurekaLauncher <port> [eureka.property=value ...]");
        }
        // Before any class logs: SLF4J's simple logger reads its level once. Eureka is chatty at INFO.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        int port = Integer.parseInt(args[0]);
        // Loopback unless the harness runs the server inside a network namespace, on that namespace's address.
        InetAddress host = InetAddress.getByName(System.getProperty(
                HOST_PROPERTY, InetAddress.getLoopbackAddress().getHostAddress()));
        String self = "http://" + host.getHostAddress() + ":" + port + "/eureka/";
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("eureka.registration.enabled", "false");
        settings.put("eureka.shouldFetchRegistry", "false");
        settings.put("eureka.numberRegistrySyncRetries", "0");
        settings.put("eureka.waitTimeInMsWhenSyncEmpty", "0");
        settings.put("eureka.enableSelfPreservation", "false");
        settings.put("eureka.shouldUseReadOnlyResponseCache", "false");
        settings.put("eureka.responseCacheAutoExpirationInSeconds", "1");
        settings.put("eureka.evictionIntervalTimerInMs", "1000");
        settings.put("eureka.serviceUrl.default", self);
        settings.put("eureka.myUrl", self);
        settings.put("eureka.name", "registry4j-test-eureka");
        settings.put("eureka.port", Integer.toString(port));
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected eureka.property=value, got " + args[i]);
            }
            settings.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        settings.forEach(System::setProperty);

        EurekaInstanceConfig instanceConfig = new MyDataCenterInstanceConfig();
        ApplicationInfoManager infoManager = new ApplicationInfoManager(
                instanceConfig, new EurekaConfigBasedInstanceInfoProvider(instanceConfig).get());
        DiscoveryClient client = new DiscoveryClient(
                infoManager,
                new DefaultEurekaClientConfig(),
                Jersey3TransportClientFactories.getInstance(),
                new Jersey3DiscoveryClientOptionalArgs());

        Server jetty = new Server(new InetSocketAddress(host, port));
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addEventListener(new Jersey3EurekaBootStrap(client));
        // The resources are mapped at "/{version}/apps"; "eureka" fills {version}, which gives /eureka/apps.
        ResourceConfig resources =
                new ResourceConfig().packages("com.netflix.eureka.resources", "com.netflix.discovery.provider");
        resources.register(new EurekaServerContextBinder());
        resources.register(DiscoveryJerseyProvider.class);
        context.addFilter(new FilterHolder(new ServletContainer(resources)), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(DefaultServlet.class, "/");
        jetty.setHandler(context);
        jetty.setStopAtShutdown(true);
        jetty.start();
        System.out.println(READY_LINE + port);
        System.out.flush();
    }
}
