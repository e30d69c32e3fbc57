package io.registry4j.nacos;

import com.alibaba.nacos.api.PropertyKeyConst;
import com.alibaba.nacos.api.exception.NacosException;
import com.alibaba.nacos.api.naming.NamingFactory;
import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.pojo.Instance;
import com.alibaba.nacos.api.naming.pojo.ListView;
import io.registry4j.RegistryException;
import io.registry4j.RegistryException.Kind;
import io.registry4j.ServiceCatalog;
import io.registry4j.ServiceInstance;
import io.registry4j.nacos.internal.NacosConnectionMonitor;
import io.registry4j.nacos.internal.NacosErrors;
import io.registry4j.nacos.internal.NacosInstanceCodec;
import io.registry4j.nacos.internal.NacosPublications;
import io.registry4j.nacos.internal.NacosServiceWatch;
import io.registry4j.spi.AbstractServiceRegistry;
import io.registry4j.spi.AuthFailures;
import io.registry4j.spi.RegistryBuilder;
import io.registry4j.spi.ServiceViews;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A registry on Nacos 2.x/3.x, through the official {@code nacos-client} (gRPC): each endpoint of an instance is an
 * ephemeral Nacos instance, by default in Kratos' service {@code <name>.<scheme>} with Kratos' metadata keys, so that
 * Go Kratos services see it; with the {@linkplain NacosLayout#PLAIN plain layout} in the service {@code <name>}, as
 * Spring Cloud Alibaba writes. Discovery reads both layouts at once ({@code <name>} and {@code <name>.<scheme>} for
 * each {@linkplain Builder#kratosSchemes read scheme}), merged on the instance id, so the registered
 * {@link ServiceInstance} comes back exactly, once, and Kratos' and Spring Cloud Alibaba's instances are visible too.
 *
 * <pre>{@code
 * try (NacosRegistry registry = NacosRegistry.builder().serverAddresses("10.0.0.5:8848").namespace("dev").build()) {
 *     registry.register(instance);
 *     Watcher watcher = registry.watch("orders");
 * }
 * }</pre>
 *
 * <p>Design. Registration: Nacos keeps one publication per service per client connection, so the registry publishes
 * every change as the full set of its Nacos instances in that service ({@code registerInstance} for one,
 * {@code batchRegisterInstance} for several). Liveness is the SDK's gRPC connection: the server drops a connection's
 * instances when it closes, and the SDK registers them again on reconnect ("redo"). The registry watches that
 * connection: on a drop it reports its instances {@code LOST} and writes them again once the server answers
 * ({@code RESTORED}); every {@link Builder#instanceCheckInterval check interval} it also checks that the SDK still
 * holds each instance for redo (someone may have deregistered it through a shared client) and puts it back if not.
 * Discovery: one set of SDK push subscriptions per watched service (its Nacos services of both layouts), shared by
 * all its watchers and dropped with the last one; the first list, and the list after a reconnect, are read through the SDK (whose cache its pushes are relative
 * to); {@code getService} without a watch queries the server. Only healthy, enabled instances of
 * weight above 0 are returned, by {@code getService} and watchers alike, unless {@link Builder#includeUnhealthy}.
 * Instances written by other clients are returned as their writers read them: Kratos' with the Nacos instance id,
 * Spring Cloud Alibaba's and other plain ones with the id {@code ip:port}. The server batches pushes for
 * about half a second, so a change takes that long to reach watchers.
 *
 * <p>Threads: one {@code registry4j-nacos-scheduler-1} runs subscriptions, re-registration, checks and the
 * connection poll; it ends on {@link #close()}. The SDK itself starts 11 threads per {@link NamingService} (gRPC
 * executor, connection worker, redo, failover, security, fuzzy watch, credential watcher) plus a few shared by the
 * JVM (its event publishers, gRPC's event loop); a registry builds one {@link NamingService}, never one per watcher.
 * The module README lists them as measured. Thread-safe.
 */
public final class NacosRegistry extends AbstractServiceRegistry implements ServiceCatalog {

    /** The backend name, also the URL scheme: {@code nacos://host:8848}. */
    public static final String BACKEND = "nacos";

    /** The default namespace: empty, Nacos' {@code public}. */
    public static final String DEFAULT_NAMESPACE = "";

    /** The default group: {@code DEFAULT_GROUP}. */
    public static final String DEFAULT_GROUP = "DEFAULT_GROUP";

    /** The default cluster instances are registered in: {@code DEFAULT}. */
    public static final String DEFAULT_CLUSTER = "DEFAULT";

    /** The default weight of registered instances, Kratos' default: 100. */
    public static final double DEFAULT_WEIGHT = 100;

    /** The largest weight Nacos accepts: 10000. */
    public static final double MAX_WEIGHT = 10_000;

    /** The default bound of every call: 10 s. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Options.DEFAULT_CALL_TIMEOUT;

    /** How often, by default, the registry checks that the SDK still holds its instances: 5 s. */
    public static final Duration DEFAULT_INSTANCE_CHECK_INTERVAL = Duration.ofSeconds(5);

    /** The scheme of an instance written by another Nacos client that names none: {@code http}. */
    public static final String DEFAULT_SCHEME = "http";

    /** The default layout instances are written in: Kratos'. */
    public static final NacosLayout DEFAULT_LAYOUT = NacosLayout.KRATOS;

    /** The schemes whose {@code <name>.<scheme>} services discovery reads by default: Kratos' transports. */
    public static final List<String> DEFAULT_KRATOS_SCHEMES = List.of("grpc", "grpcs", "http", "https");

    /** The port of a server address given without one: Nacos' HTTP port, 8848. */
    public static final int DEFAULT_PORT = 8848;

    /** The default directory of the SDK's cache: {@code registry4j-nacos} in the system's temporary directory. */
    public static final Path DEFAULT_SDK_DIRECTORY = Path.of(System.getProperty("java.io.tmpdir"), "registry4j-nacos");

    private static final System.Logger LOG = System.getLogger(NacosRegistry.class.getName());
    private static final Duration STATUS_POLL_INTERVAL = Duration.ofSeconds(1);
    /** How long close() waits for the SDK's reconnect thread (its connect timeout is 3 s). */
    private static final Duration LATE_CONNECTION_WAIT = Duration.ofSeconds(5);

    private final NamingService naming;
    private final boolean ownsClient;
    private final String namespace;
    private final String group;
    private final String cluster;
    private final NacosLayout layout;
    private final NacosInstanceCodec codec;
    private final NacosPublications publications;
    private final Set<NacosServiceWatch> watches = ConcurrentHashMap.newKeySet();
    private final NacosConnectionMonitor connection;

    /** The Nacos user this registry logs in as; null without credentials or with a client given by the caller. */
    private final @Nullable String user;

    private NacosRegistry(Builder b, NamingService naming, boolean ownsClient) {
        super(BACKEND, b.options());
        this.naming = naming;
        this.ownsClient = ownsClient;
        this.user = b.username;
        this.namespace = b.namespace;
        this.group = b.group;
        this.cluster = b.cluster;
        this.layout = b.layout;
        this.codec = new NacosInstanceCodec(
                b.layout,
                b.kratosSchemes,
                b.defaultScheme,
                b.cluster,
                b.weight,
                b.includeUnhealthy,
                b.discoveryClusters);
        this.publications = new NacosPublications(naming, b.group, codec);
        // Last: from here on the SDK may call back.
        this.connection =
                NacosConnectionMonitor.start(naming, new ConnectionEvents(this), scheduler(), STATUS_POLL_INTERVAL);
    }

    /**
     * Starts a builder.
     *
     * @return a new builder with the defaults
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The Nacos namespace (id) of this registry.
     *
     * @return the namespace, empty for {@code public}
     */
    public String namespace() {
        return namespace;
    }

    /**
     * The group every service of this registry is in.
     *
     * @return the group
     */
    public String group() {
        return group;
    }

    /**
     * The cluster instances are registered in.
     *
     * @return the cluster
     */
    public String cluster() {
        return cluster;
    }

    /**
     * The layout this registry writes instances in (it reads both).
     *
     * @return the layout
     */
    public NacosLayout layout() {
        return layout;
    }

    /** The SDK client, for tests that act behind the registry's back. */
    NamingService namingService() {
        return naming;
    }

    /** The server's id of the SDK's current connection, for tests that make the server close it. */
    @Nullable
    String connectionId() {
        return connection.connectionId();
    }

    @Override
    protected void write(ServiceInstance instance) {
        try {
            codec.checkWritable(instance);
        } catch (IllegalArgumentException e) {
            throw new RegistryException(Kind.INVALID_ARGUMENT, BACKEND, String.valueOf(e.getMessage()), e);
        }
        try {
            publications.write(instance);
        } catch (RegistryException e) {
            throw AuthFailures.named(user, e);
        }
    }

    @Override
    protected void remove(ServiceInstance instance) {
        try {
            publications.remove(instance);
        } catch (RegistryException e) {
            throw AuthFailures.named(user, e);
        }
    }

    @Override
    protected boolean verify(ServiceInstance instance) {
        Map<String, List<Instance>> published = publications.published(instance);
        for (Map.Entry<String, List<Instance>> e : published.entrySet()) {
            Boolean held = connection.sdkHolds(e.getKey(), group, e.getValue());
            if (held == null) {
                held = NacosInstanceCodec.containsAll(query(e.getKey()), e.getValue());
            }
            if (!held) {
                return false;
            }
        }
        return !published.isEmpty();
    }

    @Override
    protected List<ServiceInstance> read(String service) {
        Map<String, List<Instance>> byService = new LinkedHashMap<>();
        for (String nacosService : codec.servicesOf(service)) {
            byService.put(nacosService, query(nacosService));
        }
        return codec.decode(service, byService, group, this::skip);
    }

    private List<Instance> query(String nacosService) {
        try {
            return naming.getAllInstances(nacosService, group, List.of(), false);
        } catch (NacosException | RuntimeException e) {
            throw AuthFailures.named(user, NacosErrors.wrap("read " + group + "@@" + nacosService, e));
        }
    }

    @Override
    protected AutoCloseable openWatch(String service, ServiceViews.Sink sink) {
        NacosServiceWatch watch = NacosServiceWatch.open(naming, group, service, codec, sink, this::skip, scheduler());
        watches.add(watch);
        return () -> {
            watches.remove(watch);
            watch.close();
        };
    }

    /**
     * Lists the services of this registry's group that have instances or that the server still keeps, by logical
     * name: a Nacos service {@code <name>.<scheme>} of a {@linkplain Builder#kratosSchemes read scheme} is listed as
     * {@code <name>}, any other under its own name.
     *
     * @return the service names, sorted
     * @throws RegistryException if Nacos could not be reached in time, or of kind {@code CLOSED} after {@link #close()}
     */
    @Override
    public SortedSet<String> services() {
        if (isClosed()) {
            throw new RegistryException(Kind.CLOSED, BACKEND, "registry is closed");
        }
        SortedSet<String> out = new TreeSet<>();
        int pageSize = 500;
        for (int page = 1; ; page++) {
            ListView<String> view;
            try {
                view = naming.getServicesOfServer(page, pageSize, group);
            } catch (NacosException | RuntimeException e) {
                throw AuthFailures.named(user, NacosErrors.wrap("list the services of " + group, e));
            }
            List<String> names = view.getData() == null ? List.of() : view.getData();
            for (String nacosService : names) {
                String logical = codec.logicalName(nacosService);
                if (isValidName(logical)) {
                    out.add(logical);
                }
            }
            if (names.size() < pageSize || (long) page * pageSize >= view.getCount()) {
                return out;
            }
        }
    }

    private static boolean isValidName(String name) {
        try {
            ServiceInstance.checkName(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    protected void closeClient() {
        connection.close();
        if (ownsClient) {
            try {
                naming.shutDown();
            } catch (NacosException | RuntimeException e) {
                LOG.log(Level.WARNING, "nacos: shutting the naming client down failed", e);
            }
            connection.closeLateConnection(LATE_CONNECTION_WAIT);
        }
    }

    /** Forwards the SDK's connection events; runs on the SDK's event thread, so it only hands work over. */
    private static final class ConnectionEvents implements NacosConnectionMonitor.Listener {
        private final NacosRegistry r;

        ConnectionEvents(NacosRegistry r) {
            this.r = r;
        }

        @Override
        public void disconnected(RegistryException cause, boolean sessionLost) {
            if (r.isClosed()) {
                return;
            }
            r.watches.forEach(w -> w.stale(cause));
            if (sessionLost) {
                // The server has dropped the closed connection's ephemeral instances; the keeper writes them again
                // (retrying until the server answers), alongside the SDK's own redo.
                r.keeper().lostAll(cause);
            }
        }

        @Override
        public void reconnected() {
            if (!r.isClosed()) {
                r.watches.forEach(NacosServiceWatch::scheduleRefresh);
                // Re-registrations waiting out a backoff (writes that failed while the server was away) go now.
                r.keeper().retryNow();
            }
        }
    }

    /**
     * Builds a {@link NacosRegistry}. Give either {@linkplain #serverAddresses(String...) server addresses}, and the
     * registry builds (and on close shuts down) its own {@link NamingService}, or an existing
     * {@linkplain #namingService(NamingService) naming service}, which is never shut down. Not thread-safe.
     */
    public static final class Builder extends RegistryBuilder<Builder> {
        private static final Pattern CLUSTER = Pattern.compile("[0-9a-zA-Z-]+");
        private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*");

        private final List<String> serverAddresses = new ArrayList<>();
        private @Nullable NamingService namingService;
        private String namespace = DEFAULT_NAMESPACE;
        private String group = DEFAULT_GROUP;
        private String cluster = DEFAULT_CLUSTER;
        private Set<String> discoveryClusters = Set.of();
        private double weight = DEFAULT_WEIGHT;
        private @Nullable String username;
        private @Nullable String password;
        private Path sdkDirectory = DEFAULT_SDK_DIRECTORY;
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private Duration instanceCheckInterval = DEFAULT_INSTANCE_CHECK_INTERVAL;
        private NacosLayout layout = DEFAULT_LAYOUT;
        private List<String> kratosSchemes = DEFAULT_KRATOS_SCHEMES;
        private String defaultScheme = DEFAULT_SCHEME;
        private boolean includeUnhealthy;
        private final Map<String, String> properties = new LinkedHashMap<>();

        private Builder() {}

        /**
         * The Nacos servers, each {@code host[:port]} (the HTTP port, default {@value NacosRegistry#DEFAULT_PORT};
         * the SDK adds 1000 for gRPC) or {@code http(s)://host:port}. Adds to the addresses given before.
         *
         * @param addresses one or more addresses
         * @return this builder
         * @throws IllegalArgumentException if an address has no host or a bad port
         */
        public Builder serverAddresses(String... addresses) {
            for (String a : addresses) {
                Objects.requireNonNull(a, "serverAddresses");
                serverAddresses.add(checkAddress(a.strip()));
            }
            return this;
        }

        private static String checkAddress(String address) {
            String text = address.contains("://") ? address : "nacos://" + address;
            URI uri;
            try {
                uri = new URI(text);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(
                        "serverAddresses: '" + address + "' is not host:port (" + e.getReason() + ")", e);
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException(
                        "serverAddresses: '" + address + "' has no host; use host:port such as 127.0.0.1:8848");
            }
            int port = uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort();
            if (port == 0 || port > 65535) {
                throw new IllegalArgumentException(
                        "serverAddresses: '" + address + "' has port " + port + ", not 1-65535");
            }
            String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
            String hostPort = uri.getHost() + ":" + port;
            return scheme.equals("http") || scheme.equals("https") ? scheme + "://" + hostPort : hostPort;
        }

        /**
         * Uses a naming service built by the caller instead of building one; it is never shut down by the registry,
         * and its own settings (servers, namespace, credentials, timeouts, cache directory) apply. Exclusive with
         * server addresses, namespace, credentials, the SDK directory and raw properties.
         *
         * @param namingService the client
         * @return this builder
         */
        public Builder namingService(NamingService namingService) {
            this.namingService = Objects.requireNonNull(namingService, "namingService");
            return this;
        }

        /**
         * The Nacos namespace id. Defaults to empty: Nacos' {@code public} namespace.
         *
         * @param namespace the namespace id, such as {@code dev}
         * @return this builder
         */
        public Builder namespace(String namespace) {
            this.namespace = Objects.requireNonNull(namespace, "namespace").strip();
            return this;
        }

        /**
         * The group of every service, for registration and discovery alike. Defaults to
         * {@value NacosRegistry#DEFAULT_GROUP}.
         *
         * @param group the group
         * @return this builder
         * @throws IllegalArgumentException if it is blank or contains {@code @@}
         */
        public Builder group(String group) {
            Objects.requireNonNull(group, "group");
            if (group.isBlank() || group.contains("@@")) {
                throw new IllegalArgumentException(
                        "group must be a non-blank Nacos group without '@@', got '" + group + "'");
            }
            this.group = group;
            return this;
        }

        /**
         * The cluster instances are registered in. Defaults to {@value NacosRegistry#DEFAULT_CLUSTER}.
         *
         * @param cluster letters, digits and {@code -}
         * @return this builder
         * @throws IllegalArgumentException if it has other characters
         */
        public Builder cluster(String cluster) {
            Objects.requireNonNull(cluster, "cluster");
            if (!CLUSTER.matcher(cluster).matches()) {
                throw new IllegalArgumentException(
                        "cluster must be letters, digits and '-' (Nacos' rule), got '" + cluster + "'");
            }
            this.cluster = cluster;
            return this;
        }

        /**
         * The clusters discovery reads, in {@code getService} and watchers alike. Defaults to none: every cluster.
         *
         * @param clusters cluster names; none for every cluster
         * @return this builder
         * @throws IllegalArgumentException if a name has characters other than letters, digits and {@code -}
         */
        public Builder discoveryClusters(String... clusters) {
            Set<String> out = new LinkedHashSet<>();
            for (String c : clusters) {
                Objects.requireNonNull(c, "discoveryClusters");
                if (!CLUSTER.matcher(c).matches()) {
                    throw new IllegalArgumentException(
                            "discoveryClusters: '" + c + "' is not a cluster name (letters, digits and '-')");
                }
                out.add(c);
            }
            this.discoveryClusters = Set.copyOf(out);
            return this;
        }

        /**
         * The weight instances are registered with. Defaults to {@value NacosRegistry#DEFAULT_WEIGHT}.
         *
         * @param weight above 0, at most {@value NacosRegistry#MAX_WEIGHT}
         * @return this builder
         * @throws IllegalArgumentException if it is out of range (a weight of 0 would hide the instance from every
         *     healthy-only reader)
         */
        public Builder weight(double weight) {
            if (!(weight > 0 && weight <= MAX_WEIGHT)) {
                throw new IllegalArgumentException(
                        "weight must be above 0 and at most " + MAX_WEIGHT + ", got " + weight);
            }
            this.weight = weight;
            return this;
        }

        /**
         * The credentials of a server with authentication on. Default none.
         *
         * @param username the user
         * @param password the password
         * @return this builder
         */
        public Builder credentials(String username, String password) {
            this.username = Objects.requireNonNull(username, "username");
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        /**
         * Where the SDK keeps its service cache and failover files ({@code JM.SNAPSHOT.PATH} of the client this
         * registry builds). Defaults to {@code registry4j-nacos} in {@code java.io.tmpdir}; never the user's home.
         * The SDK writes no log file: this module leaves out its logging adapters, so it logs through the
         * application's SLF4J.
         *
         * @param directory the directory; created by the SDK when needed
         * @return this builder
         */
        public Builder sdkDirectory(Path directory) {
            this.sdkDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /**
         * The bound of every call to Nacos (the SDK's {@code namingRequestTimeout} of a client this registry builds).
         * Defaults to 10 s.
         *
         * @param timeout a positive duration
         * @return this builder
         * @throws IllegalArgumentException if it is not positive
         */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = requirePositive("callTimeout", timeout);
            return this;
        }

        /**
         * How often the registry checks that the SDK still holds each registered instance for re-registration, and
         * puts back one that someone deregistered through the same client. Defaults to 5 s.
         *
         * @param interval a positive duration
         * @return this builder
         * @throws IllegalArgumentException if it is not positive
         */
        public Builder instanceCheckInterval(Duration interval) {
            this.instanceCheckInterval = requirePositive("instanceCheckInterval", interval);
            return this;
        }

        /**
         * The layout instances are written in; discovery reads both either way. Defaults to
         * {@link NacosLayout#KRATOS}: each endpoint in Kratos' {@code <name>.<scheme>} with its keys {@code kind} and
         * {@code version} (then reserved in the user metadata), so that Go Kratos services see this registry's
         * instances. {@link NacosLayout#PLAIN} writes the service {@code <name>}, as Spring Cloud Alibaba does.
         *
         * @param layout the layout
         * @return this builder
         */
        public Builder layout(NacosLayout layout) {
            this.layout = Objects.requireNonNull(layout, "layout");
            return this;
        }

        /**
         * The schemes whose {@code <name>.<scheme>} services discovery reads next to {@code <name>}, by
         * {@code getService} and watchers alike (a watch subscribes to each). Defaults to {@code grpc}, {@code grpcs},
         * {@code http}, {@code https}: Kratos' transports. Instances this registry writes in the Kratos layout with
         * another scheme are only seen by readers that list it here.
         *
         * @param schemes one or more URI schemes
         * @return this builder
         * @throws IllegalArgumentException if none is given or one is not a URI scheme
         */
        public Builder kratosSchemes(String... schemes) {
            if (schemes.length == 0) {
                throw new IllegalArgumentException("kratosSchemes needs at least one scheme");
            }
            Set<String> out = new LinkedHashSet<>();
            for (String s : schemes) {
                out.add(checkScheme("kratosSchemes", s).toLowerCase(Locale.ROOT));
            }
            this.kratosSchemes = List.copyOf(out);
            return this;
        }

        /**
         * The scheme of an instance in the plain service {@code <name>} written by another Nacos client whose metadata
         * names none (Kratos' key {@code kind}); with the metadata {@code secure=true} (Spring Cloud's TLS flag)
         * {@code http} becomes {@code https} and {@code grpc} {@code grpcs}. Defaults to
         * {@value NacosRegistry#DEFAULT_SCHEME}.
         *
         * @param scheme a URI scheme
         * @return this builder
         * @throws IllegalArgumentException if it is not a URI scheme
         */
        public Builder defaultScheme(String scheme) {
            this.defaultScheme = checkScheme("defaultScheme", scheme);
            return this;
        }

        private static String checkScheme(String option, @Nullable String scheme) {
            Objects.requireNonNull(scheme, option);
            if (!SCHEME.matcher(scheme).matches()) {
                throw new IllegalArgumentException(option + ": '" + scheme + "' is not a URI scheme such as grpc");
            }
            return scheme;
        }

        /**
         * Makes discovery return unhealthy, disabled and zero-weight instances too, in {@code getService} and
         * watchers alike. Defaults to false: only healthy, enabled instances of weight above 0. (A Nacos server
         * never sends disabled instances to clients, so those stay out either way.)
         *
         * @param includeUnhealthy true to include them
         * @return this builder
         */
        public Builder includeUnhealthy(boolean includeUnhealthy) {
            this.includeUnhealthy = includeUnhealthy;
            return this;
        }

        /**
         * Sets a raw {@code nacos-client} property of the client this registry builds, such as
         * {@code accessKey}, {@code secretKey} or {@code endpoint}; the settings of this builder take precedence.
         *
         * @param key the property
         * @param value its value
         * @return this builder
         */
        public Builder property(String key, String value) {
            properties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        Options options() {
            return options(callTimeout, instanceCheckInterval);
        }

        /**
         * The properties of the {@link NamingService} this builder would create; for tests.
         *
         * @return the properties
         */
        Properties clientProperties() {
            Properties p = new Properties();
            p.putAll(properties);
            p.setProperty(PropertyKeyConst.SERVER_ADDR, String.join(",", serverAddresses));
            if (!namespace.isEmpty()) {
                p.setProperty(PropertyKeyConst.NAMESPACE, namespace);
            }
            if (username != null && password != null) {
                p.setProperty(PropertyKeyConst.USERNAME, username);
                p.setProperty(PropertyKeyConst.PASSWORD, password);
            }
            p.setProperty("namingRequestTimeout", Long.toString(callTimeout.toMillis()));
            p.setProperty("JM.SNAPSHOT.PATH", sdkDirectory.toAbsolutePath().toString());
            // An empty push is a real state (everything deregistered); the SDK must not swallow it.
            p.setProperty(PropertyKeyConst.NAMING_PUSH_EMPTY_PROTECTION, "false");
            return p;
        }

        /**
         * Builds the registry; with server addresses, it creates and connects its naming service first.
         *
         * @return an open registry
         * @throws IllegalStateException if neither or both of server addresses and a naming service were given, or
         *     a naming service was given with options that only a client this registry builds can use
         * @throws RegistryException if the naming service could not be created
         */
        public NacosRegistry build() {
            NamingService given = namingService;
            if (given != null) {
                if (!serverAddresses.isEmpty()
                        || !namespace.isEmpty()
                        || username != null
                        || !properties.isEmpty()
                        || !sdkDirectory.equals(DEFAULT_SDK_DIRECTORY)) {
                    throw new IllegalStateException("a namingService was given: serverAddresses, namespace, "
                            + "credentials, sdkDirectory and properties belong to that client, not to the builder");
                }
                return new NacosRegistry(this, given, false);
            }
            if (serverAddresses.isEmpty()) {
                throw new IllegalStateException(
                        "give serverAddresses (such as 127.0.0.1:8848) or an existing namingService");
            }
            NamingService created;
            try {
                created = NamingFactory.createNamingService(clientProperties());
            } catch (NacosException | RuntimeException e) {
                throw NacosErrors.wrap("create a naming client for " + String.join(",", serverAddresses), e);
            }
            try {
                return new NacosRegistry(this, created, true);
            } catch (RuntimeException e) {
                try {
                    created.shutDown();
                } catch (NacosException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        }
    }
}
