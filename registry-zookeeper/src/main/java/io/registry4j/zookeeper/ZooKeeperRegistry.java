package io.registry4j.zookeeper;

import io.registry4j.RegistryException;
import io.registry4j.ServiceCatalog;
import io.registry4j.ServiceInstance;
import io.registry4j.spi.AbstractServiceRegistry;
import io.registry4j.spi.AuthFailures;
import io.registry4j.spi.RegistryBuilder;
import io.registry4j.spi.RegistryThreads;
import io.registry4j.spi.ServiceViews;
import io.registry4j.zookeeper.internal.NamedZooKeeperFactory;
import io.registry4j.zookeeper.internal.ZooKeeperCalls;
import io.registry4j.zookeeper.internal.ZooKeeperCalls.Deadline;
import io.registry4j.zookeeper.internal.ZooKeeperInstanceCodec;
import io.registry4j.zookeeper.internal.ZooKeeperRegistrations;
import io.registry4j.zookeeper.internal.ZooKeeperServiceWatch;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.curator.RetryPolicy;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.common.PathUtils;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.jspecify.annotations.Nullable;

/**
 * A registry on Apache ZooKeeper, through Apache Curator, in the layout of Kratos' ZooKeeper registry: each instance
 * is the <em>ephemeral</em> node {@code <root>/<name>/<id>} holding Kratos' JSON, under persistent parents, so Go
 * services using Kratos and Java services using registry4j see each other.
 *
 * <pre>{@code
 * try (ZooKeeperRegistry registry = ZooKeeperRegistry.builder()
 *         .connectString("zk1:2181,zk2:2181,zk3:2181")
 *         .sessionTimeout(Duration.ofSeconds(15))
 *         .build()) {
 *     registry.addRegistrationListener(Runnable::run, e -> log.info("{} {}", e.state(), e.instance().id()));
 *     registry.register(instance);
 *     Watcher orders = registry.watch("orders");
 *     List<ServiceInstance> current = orders.next();
 * }
 * }</pre>
 *
 * <p>Liveness is the ZooKeeper session: when this process dies, the server deletes its nodes one session timeout
 * later. Registration is desired state: after the session expires, the registry writes its instances again in the new
 * session; a node deleted behind its back is written again; a node with the same id held by another live session is
 * never touched ({@code register} fails with {@link RegistryException.Kind#CONFLICT}), while a leftover node of this
 * registry's own expired session is replaced; after {@code deregister}, nothing brings the instance back.
 *
 * <p>Discovery keeps one persistent recursive watch (ZooKeeper 3.6 or later) and one cache per watched service,
 * shared by all its watchers. When the connection is suspended or lost, watchers keep their list and report stale
 * state; on reconnection the service is read again. A service whose node does not exist yet has no instances, and a
 * watcher started before its first provider sees it appear. Node data that is not a valid instance is skipped with a
 * warning.
 *
 * <p>Design: the registry's own nodes are handled by {@code ZooKeeperRegistrations} and each watched service by a
 * {@code ZooKeeperServiceWatch}; one Curator connection listener fans connection states out to both ({@code
 * SUSPENDED}/{@code LOST}: watchers go stale, and on {@code LOST} every instance is reported lost; {@code
 * RECONNECTED}: every watch syncs again and every node is checked). Every ZooKeeper operation runs in Curator's
 * background mode and is awaited with the call timeout, so no call blocks longer, whatever Curator's retry policy.
 *
 * <p>Thread-safe. Threads: one scheduler ({@code registry4j-zookeeper-scheduler-1}) and, when the registry creates its
 * Curator client, Curator's and ZooKeeper's threads, named {@code registry4j-zookeeper-curator-<n>},
 * {@code registry4j-zookeeper-notify-<n>} (only if Curator needs it) and
 * {@code registry4j-zookeeper-client-<n>-SendThread(…)}/{@code -EventThread}; none per watcher or instance, all daemon,
 * and all end when the registry is closed. A Curator client passed to {@link Builder#client} is never closed by the
 * registry.
 */
public final class ZooKeeperRegistry extends AbstractServiceRegistry implements ServiceCatalog {

    /** The backend name, also the URL scheme: {@code zookeeper://host:2181}. */
    public static final String BACKEND = ZooKeeperCalls.BACKEND;

    /** The default root path: {@code /microservices}, as in Kratos. */
    public static final String DEFAULT_ROOT_PATH = "/microservices";

    /**
     * The default session timeout: 15 s, the bound on how long a crashed process stays listed (the server may grant
     * another value within its {@code minSessionTimeout} and {@code maxSessionTimeout}).
     */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(15);

    /** The default connection timeout of the registry's own Curator client: 10 s. */
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(10);

    /** The default call timeout: 10 s, the bound of every registry call. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Options.DEFAULT_CALL_TIMEOUT;

    /**
     * The default retry policy of the registry's own Curator client: up to 3 retries of an operation that lost its
     * connection, 100 ms apart at first, doubling, at most 1 s. Immutable, so it is safe to share.
     */
    public static final RetryPolicy DEFAULT_RETRY_POLICY = new BoundedExponentialBackoffRetry(100, 1000, 3);

    private final CuratorFramework client;
    private final boolean ownsClient;
    private final @Nullable ExecutorService curatorSafeService;
    private final ZooKeeperInstanceCodec codec;
    private final ZooKeeperCalls calls;
    private final ZooKeeperRegistrations registrations;
    private final Set<ZooKeeperServiceWatch> watches = ConcurrentHashMap.newKeySet();
    private final ConnectionStateListener connectionListener;
    /** The user of the digest ACL this registry writes and authenticates with, or null without one. */
    private final @Nullable String digestUser;

    private ZooKeeperRegistry(
            Options options,
            CuratorFramework client,
            boolean ownsClient,
            @Nullable ExecutorService curatorSafeService,
            String root,
            List<ACL> acl) {
        super(BACKEND, options);
        this.client = client;
        this.ownsClient = ownsClient;
        this.curatorSafeService = curatorSafeService;
        this.codec = new ZooKeeperInstanceCodec(root);
        this.calls = new ZooKeeperCalls(client, options.callTimeout());
        this.registrations = new ZooKeeperRegistrations(client, calls, codec, acl, scheduler(), new KeeperBridge(this));
        this.connectionListener = (c, state) -> connectionChanged(state);
        this.digestUser = digestUser(acl);
        client.getConnectionStateListenable().addListener(connectionListener);
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
     * The root path under which services are stored.
     *
     * @return the root, such as {@code /microservices}
     */
    public String rootPath() {
        return codec.root();
    }

    /** The Curator client, for tests in this package that break its session or connection. */
    CuratorFramework client() {
        return client;
    }

    // ---- the keeper, as the registrations see it ----

    private static final class KeeperBridge implements ZooKeeperRegistrations.Keeper {
        private final ZooKeeperRegistry registry;

        KeeperBridge(ZooKeeperRegistry registry) {
            this.registry = registry;
        }

        @Override
        public @Nullable ServiceInstance kept(String name, String id) {
            for (ServiceInstance i : registry.keeper().registered()) {
                if (i.name().equals(name) && i.id().equals(id)) {
                    return i;
                }
            }
            return null;
        }

        @Override
        public void lost(ServiceInstance instance, Throwable cause) {
            registry.keeper().lost(instance, cause);
        }

        @Override
        public void lostAll(Throwable cause) {
            registry.keeper().lostAll(cause);
        }
    }

    private void connectionChanged(ConnectionState state) {
        if (isClosed()) {
            return;
        }
        switch (state) {
            case SUSPENDED, LOST -> {
                var cause = new RegistryException(
                        RegistryException.Kind.UNAVAILABLE,
                        BACKEND,
                        state == ConnectionState.LOST
                                ? "the ZooKeeper session expired (connection to " + calls.servers() + " lost)"
                                : "the connection to ZooKeeper at " + calls.servers() + " is suspended");
                watches.forEach(w -> w.outage(cause));
                if (state == ConnectionState.LOST) {
                    registrations.sessionLost(cause);
                }
            }
            case CONNECTED, RECONNECTED -> {
                watches.forEach(ZooKeeperServiceWatch::sync);
                registrations.reconnected();
                keeper().retryNow(); // lost instances need not wait out their backoff
            }
            case READ_ONLY -> {
                // Only with canBeReadOnly clients; reads go on, writes wait for a read-write server.
            }
        }
    }

    // ---- the backend ----

    @Override
    protected void write(ServiceInstance instance) {
        try {
            registrations.write(instance);
        } catch (RegistryException e) {
            throw named(e);
        }
    }

    @Override
    protected void remove(ServiceInstance instance) {
        try {
            registrations.remove(instance);
        } catch (RegistryException e) {
            throw named(e);
        }
    }

    /**
     * ZooKeeper answers a digest login that does not match a node's ACL (a wrong password, another user, or none)
     * with NOAUTH on that node, not at login: reported as the failed authentication it nearly always is.
     */
    private RegistryException named(RegistryException e) {
        if (e.kind() != RegistryException.Kind.PERMISSION_DENIED) {
            return e;
        }
        String prefix = BACKEND + " " + e.kind() + ": ";
        String message = String.valueOf(e.getMessage());
        String what = (message.startsWith(prefix) ? message.substring(prefix.length()) : message)
                + " (the node's digest ACL does not grant this login)";
        return AuthFailures.of(BACKEND, digestUser, what, e.getCause() != null ? e.getCause() : e);
    }

    private static @Nullable String digestUser(List<ACL> acl) {
        for (ACL a : acl) {
            if ("digest".equals(a.getId().getScheme())) {
                String id = a.getId().getId();
                int colon = id.indexOf(':');
                return colon < 0 ? id : id.substring(0, colon);
            }
        }
        return null;
    }

    @Override
    protected List<ServiceInstance> read(String service) {
        try {
            return readService(service);
        } catch (RegistryException e) {
            throw named(e);
        }
    }

    private List<ServiceInstance> readService(String service) {
        String path = codec.servicePath(service);
        Deadline deadline = calls.deadline();
        calls.awaitConnected(deadline, "getService(" + service + ")");
        CuratorEvent listed = calls.call(
                deadline,
                "list " + path,
                cb -> client.getChildren().inBackground(cb).forPath(path));
        Code code = ZooKeeperCalls.code(listed);
        if (code == Code.NONODE) {
            return List.of();
        }
        if (code != Code.OK) {
            throw ZooKeeperCalls.failure("list " + path, code);
        }
        List<String> children = listed.getChildren();
        List<CompletableFuture<CuratorEvent>> reads = new ArrayList<>(children.size());
        for (String child : children) {
            String childPath = ZKPaths.makePath(path, child);
            reads.add(calls.start(
                    "read " + childPath, cb -> client.getData().inBackground(cb).forPath(childPath)));
        }
        List<ServiceInstance> out = new ArrayList<>(children.size());
        for (int i = 0; i < children.size(); i++) {
            String child = children.get(i);
            String childPath = ZKPaths.makePath(path, child);
            CuratorEvent read = calls.await(deadline, "read " + childPath, reads.get(i));
            Code c = ZooKeeperCalls.code(read);
            if (c == Code.NONODE) {
                continue; // deleted since the listing
            }
            if (c != Code.OK) {
                throw ZooKeeperCalls.failure("read " + childPath, c);
            }
            try {
                out.add(ZooKeeperInstanceCodec.decode(service, child, read.getData()));
            } catch (IllegalArgumentException e) {
                skip(childPath, e);
            }
        }
        return out;
    }

    @Override
    protected AutoCloseable openWatch(String service, ServiceViews.Sink sink) {
        var watch =
                new ZooKeeperServiceWatch(client, codec, service, sink, (path, e) -> skip(path, e), watches::remove);
        watches.add(watch);
        watch.sync();
        return watch;
    }

    /**
     * The services under the root path: every child node with a valid service name, including services whose
     * instances are all gone (ZooKeeper keeps their persistent node).
     *
     * @return the service names, sorted
     * @throws RegistryException if ZooKeeper cannot be reached in time, or {@code CLOSED}
     */
    @Override
    public SortedSet<String> services() {
        if (isClosed()) {
            throw new RegistryException(RegistryException.Kind.CLOSED, BACKEND, "registry is closed");
        }
        try {
            return listServices();
        } catch (RegistryException e) {
            throw named(e);
        }
    }

    private SortedSet<String> listServices() {
        String root = codec.root();
        Deadline deadline = calls.deadline();
        calls.awaitConnected(deadline, "services()");
        CuratorEvent listed = calls.call(
                deadline,
                "list " + root,
                cb -> client.getChildren().inBackground(cb).forPath(root));
        Code code = ZooKeeperCalls.code(listed);
        if (code == Code.NONODE) {
            return new TreeSet<>();
        }
        if (code != Code.OK) {
            throw ZooKeeperCalls.failure("list " + root, code);
        }
        var out = new TreeSet<String>();
        for (String child : listed.getChildren()) {
            try {
                out.add(ServiceInstance.checkName(child));
            } catch (IllegalArgumentException e) {
                // Not a registry4j or Kratos service: some other tool's node under the same root.
            }
        }
        return out;
    }

    @Override
    protected void closeClient() {
        client.getConnectionStateListenable().removeListener(connectionListener);
        registrations.close(!ownsClient);
        if (ownsClient) {
            client.close();
            if (curatorSafeService != null) {
                curatorSafeService.shutdownNow();
                try {
                    if (!curatorSafeService.awaitTermination(
                            options().callTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                        System.getLogger(ZooKeeperRegistry.class.getName())
                                .log(Level.WARNING, "zookeeper: a Curator notification thread did not stop");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @Override
    public String toString() {
        return "ZooKeeperRegistry[" + calls.servers() + codec.root() + (isClosed() ? ", closed" : "") + "]";
    }

    /**
     * Builds a {@link ZooKeeperRegistry}. Give either a {@linkplain #connectString connect string} (the registry creates
     * and owns its Curator client) or a started {@linkplain #client Curator client} (the registry uses it and never
     * closes it). Not thread-safe.
     */
    public static final class Builder extends RegistryBuilder<Builder> {
        private @Nullable String connectString;
        private @Nullable CuratorFramework client;
        private String rootPath = DEFAULT_ROOT_PATH;
        private @Nullable Duration sessionTimeout;
        private @Nullable Duration connectionTimeout;
        private @Nullable RetryPolicy retryPolicy;
        private @Nullable String digestUser;
        private @Nullable String digestPassword;
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;

        private Builder() {}

        /**
         * The ZooKeeper servers, as {@code host:port[,host:port…][/chroot]}; the registry creates its own Curator client
         * and closes it on {@link ZooKeeperRegistry#close()}. Either this or {@link #client} is required.
         *
         * @param connectString the servers, such as {@code 127.0.0.1:2181}
         * @return this builder
         * @throws IllegalArgumentException if it is blank
         */
        public Builder connectString(String connectString) {
            Objects.requireNonNull(connectString, "connectString");
            if (connectString.isBlank()) {
                throw new IllegalArgumentException("connectString must not be blank, got \"" + connectString + "\"");
            }
            this.connectString = connectString.strip();
            return this;
        }

        /**
         * An existing, started Curator client to use; the registry never closes it, and removes its own listener and
         * watches from it on {@link ZooKeeperRegistry#close()}. Session and connection settings belong to that client, so
         * {@link #sessionTimeout}, {@link #connectionTimeout} and {@link #retryPolicy} cannot be combined with it;
         * with {@link #digestAcl}, the client must already be authenticated as that user. Either this or
         * {@link #connectString} is required.
         *
         * @param client the client
         * @return this builder
         */
        public Builder client(CuratorFramework client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * The root path of the layout. Defaults to {@value ZooKeeperRegistry#DEFAULT_ROOT_PATH}.
         *
         * @param rootPath an absolute ZooKeeper path other than {@code /}, without a trailing slash
         * @return this builder
         * @throws IllegalArgumentException if it is not such a path, naming it
         */
        public Builder rootPath(String rootPath) {
            this.rootPath = checkRootPath(rootPath);
            return this;
        }

        /**
         * The session timeout of the registry's own client: how long after this process dies its instances stay
         * listed. Defaults to {@link ZooKeeperRegistry#DEFAULT_SESSION_TIMEOUT} (15 s); the server may grant another value.
         *
         * @param timeout a positive duration
         * @return this builder
         * @throws IllegalArgumentException if it is not positive or exceeds {@link Integer#MAX_VALUE} ms
         */
        public Builder sessionTimeout(Duration timeout) {
            this.sessionTimeout = checkMillis("sessionTimeout", timeout);
            return this;
        }

        /**
         * How long the registry's own client waits for a connection before an operation fails. Defaults to
         * {@link ZooKeeperRegistry#DEFAULT_CONNECTION_TIMEOUT} (10 s).
         *
         * @param timeout a positive duration
         * @return this builder
         * @throws IllegalArgumentException if it is not positive or exceeds {@link Integer#MAX_VALUE} ms
         */
        public Builder connectionTimeout(Duration timeout) {
            this.connectionTimeout = checkMillis("connectionTimeout", timeout);
            return this;
        }

        /**
         * How the registry's own client retries an operation that lost its connection. Defaults to
         * {@link ZooKeeperRegistry#DEFAULT_RETRY_POLICY}. Registry calls stay bounded by the {@link #callTimeout} either way.
         *
         * @param retryPolicy a Curator retry policy
         * @return this builder
         */
        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
            return this;
        }

        /**
         * Protects every node the registry creates (the instance and its parents) with a digest ACL granting all
         * permissions to this user only, as Kratos' {@code WithDigestACL} does; the registry's own client
         * authenticates as that user. Off by default (open ACL). Readers must then authenticate too.
         *
         * @param user the user name, without {@code :}
         * @param password the password
         * @return this builder
         * @throws IllegalArgumentException if the user is empty or contains {@code :}
         */
        public Builder digestAcl(String user, String password) {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(password, "password");
            if (user.isEmpty() || user.indexOf(':') >= 0) {
                throw new IllegalArgumentException(
                        "digestAcl user must be non-empty without ':', got \"" + user + "\"");
            }
            this.digestUser = user;
            this.digestPassword = password;
            return this;
        }

        /**
         * The bound of every registry call ({@code register}, {@code deregister}, {@code getService}, ...), which may
         * consist of several ZooKeeper operations. Defaults to {@link ZooKeeperRegistry#DEFAULT_CALL_TIMEOUT} (10 s).
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = checkMillis("callTimeout", timeout);
            return this;
        }

        /**
         * Creates the registry. With a connect string, the Curator client is created and started here; the
         * connection is made in the background, and calls wait for it up to the call timeout, so the registry can be
         * built while ZooKeeper is down.
         *
         * @return the registry
         * @throws IllegalStateException if neither or both of {@code connectString} and {@code client} are set, if
         *     client-only settings are combined with {@code client}, or if the client is not started
         */
        public ZooKeeperRegistry build() {
            Options options = options(callTimeout, null);
            List<ACL> acl = acl();
            CuratorFramework given = client;
            String servers = connectString;
            if ((given == null) == (servers == null)) {
                throw new IllegalStateException("exactly one of connectString and client must be set, got "
                        + (given == null ? "neither" : "both"));
            }
            if (given != null) {
                List<String> clientOnly = new ArrayList<>();
                if (sessionTimeout != null) {
                    clientOnly.add("sessionTimeout");
                }
                if (connectionTimeout != null) {
                    clientOnly.add("connectionTimeout");
                }
                if (retryPolicy != null) {
                    clientOnly.add("retryPolicy");
                }
                if (!clientOnly.isEmpty()) {
                    throw new IllegalStateException(clientOnly + " configure the registry's own client and cannot be "
                            + "combined with client(...): set them on the CuratorFramework instead");
                }
                if (given.getState() != CuratorFrameworkState.STARTED) {
                    throw new IllegalStateException(
                            "client must be started, got a client in state " + given.getState());
                }
                return new ZooKeeperRegistry(options, given, false, null, rootPath, acl);
            }
            ExecutorService safe = Executors.newSingleThreadExecutor(RegistryThreads.factory(BACKEND, "notify"));
            CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder()
                    .connectString(Objects.requireNonNull(servers))
                    .sessionTimeoutMs(millis(Objects.requireNonNullElse(sessionTimeout, DEFAULT_SESSION_TIMEOUT)))
                    .connectionTimeoutMs(
                            millis(Objects.requireNonNullElse(connectionTimeout, DEFAULT_CONNECTION_TIMEOUT)))
                    .retryPolicy(Objects.requireNonNullElse(retryPolicy, DEFAULT_RETRY_POLICY))
                    .threadFactory(RegistryThreads.factory(BACKEND, "curator"))
                    .runSafeService(safe)
                    .zookeeperFactory(new NamedZooKeeperFactory())
                    // Curator's default would store this host's address in every parent node it creates.
                    .defaultData(new byte[0])
                    // Dynamic reconfiguration could replace the given servers with addresses the servers report.
                    .ensembleTracker(false)
                    .waitForShutdownTimeoutMs(millis(callTimeout));
            if (digestUser != null && digestPassword != null) {
                b.authorization("digest", (digestUser + ":" + digestPassword).getBytes(StandardCharsets.UTF_8));
            }
            CuratorFramework own = b.build();
            try {
                own.start();
            } catch (RuntimeException e) {
                own.close();
                safe.shutdownNow();
                throw e;
            }
            return new ZooKeeperRegistry(options, own, true, safe, rootPath, acl);
        }

        private List<ACL> acl() {
            if (digestUser == null || digestPassword == null) {
                return ZooDefs.Ids.OPEN_ACL_UNSAFE;
            }
            try {
                String digest = DigestAuthenticationProvider.generateDigest(digestUser + ":" + digestPassword);
                return List.of(new ACL(ZooDefs.Perms.ALL, new Id("digest", digest)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("this JVM has no SHA-1 for ZooKeeper's digest ACL", e);
            }
        }

        static String checkRootPath(String rootPath) {
            Objects.requireNonNull(rootPath, "rootPath");
            if (rootPath.equals("/") || rootPath.endsWith("/")) {
                throw new IllegalArgumentException(
                        "rootPath must be an absolute path other than / without a trailing slash, got \"" + rootPath
                                + "\"");
            }
            try {
                PathUtils.validatePath(rootPath);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "rootPath must be a valid ZooKeeper path, got \"" + rootPath + "\": " + e.getMessage(), e);
            }
            return rootPath;
        }

        private static Duration checkMillis(String what, Duration d) {
            Objects.requireNonNull(d, what);
            if (d.isNegative()
                    || d.isZero()
                    || d.toMillis() < 1
                    || d.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) > 0) {
                throw new IllegalArgumentException(
                        what + " must be from 1 ms to " + Integer.MAX_VALUE + " ms, got " + d);
            }
            return d;
        }

        private static int millis(Duration d) {
            return (int) d.toMillis();
        }
    }
}
