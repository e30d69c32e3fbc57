package io.registry4j.etcd;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.registry4j.RegistryException;
import io.registry4j.RegistryException.Kind;
import io.registry4j.ServiceCatalog;
import io.registry4j.ServiceInstance;
import io.registry4j.etcd.internal.CallDeadlines;
import io.registry4j.etcd.internal.EtcdErrors;
import io.registry4j.etcd.internal.EtcdInstanceCodec;
import io.registry4j.etcd.internal.EtcdLeases;
import io.registry4j.etcd.internal.EtcdServiceWatch;
import io.registry4j.spi.AbstractServiceRegistry;
import io.registry4j.spi.AuthFailures;
import io.registry4j.spi.Calls;
import io.registry4j.spi.RegistryBuilder;
import io.registry4j.spi.RegistryThreads;
import io.registry4j.spi.ServiceViews;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * A registry on etcd v3, through jetcd, in Kratos' layout: each instance is the key {@code <namespace>/<name>/<id>}
 * holding the JSON {@code {"id","name","version","metadata","endpoints"}}, attached to a lease that jetcd keeps
 * alive, so a Go Kratos service and a Java service on one etcd see each other.
 *
 * <pre>{@code
 * try (EtcdRegistry registry = EtcdRegistry.builder().endpoints("http://10.0.0.5:2379").build()) {
 *     registry.register(instance);
 *     Watcher watcher = registry.watch("orders");
 * }
 * }</pre>
 *
 * <p>Design. Registration: one lease per instance (TTL {@link #DEFAULT_TTL}), renewed by jetcd every TTL/3; when the
 * lease is lost (revoked or expired on the server, the server wiped, or unreachable for longer than the TTL) or the
 * key is deleted behind our back (checked every {@link Builder#keyCheckInterval key check interval}), the
 * registration keeper grants a new lease and puts the key again, with backoff, forever, until deregistration or
 * close; deregistration revokes the lease, which deletes the key. Discovery: a read of the prefix
 * {@code <namespace>/<name>/} (trailing slash: {@code hello} never sees {@code helloworld}) at some revision, then a
 * server watch from the next revision, one per watched service however many watchers it has; on a compacted
 * revision, a stream error or a server restart the view goes stale and is read and watched again after a backoff.
 * Values that do not decode are skipped with a warning and counted ({@link #skippedEntries()}). etcd has no health
 * notion: a key that exists is an instance that is alive.
 *
 * <p>Bounds: a change reaches every watcher as soon as etcd's watch stream carries it (milliseconds on a healthy
 * cluster); the instances of a process that crashed disappear when their lease runs out, at most the TTL after the
 * last renewal; a lost lease is re-granted and the key put back at once, then after backoff while that fails; a key
 * deleted behind our back is put back within the key check interval.
 *
 * <p>Threads: jetcd's calls complete on a cached pool named {@code registry4j-etcd-client-N} (only when this registry
 * builds the client) and timed work runs on one {@code registry4j-etcd-scheduler-1}; both end on {@link #close()}.
 * No thread per watcher or instance. Thread-safe.
 */
public final class EtcdRegistry extends AbstractServiceRegistry implements ServiceCatalog {

    /** The backend name, also the URL scheme: {@code etcd://host:2379}. */
    public static final String BACKEND = "etcd";

    /** The default key prefix, Kratos' default: {@code /microservices}. */
    public static final String DEFAULT_NAMESPACE = "/microservices";

    /** The default lease TTL, Kratos' default: 15 s. */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(15);

    /** The default bound of every call: 10 s. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Options.DEFAULT_CALL_TIMEOUT;

    /** The port of an endpoint given without one: etcd's client port, 2379. */
    public static final int DEFAULT_PORT = 2379;

    private static final System.Logger LOG = System.getLogger(EtcdRegistry.class.getName());

    /** jetcd takes the TCP connect timeout in int milliseconds; beyond this a connect attempt is pointless anyway. */
    private static final Duration MAX_CONNECT_TIMEOUT = Duration.ofSeconds(30);

    private final Client client;
    private final @Nullable ExecutorService clientPool;
    /** The Vert.x instance (event loops, timers) of a client this registry built; null for a client given to it. */
    private final @Nullable Vertx vertx;

    private final EtcdInstanceCodec codec;
    private final EtcdLeases leases;
    private final Duration ttl;
    private final Duration keyCheckTimeout;
    /** The etcd user this registry logs in as; null without credentials or with a client given by the caller. */
    private final @Nullable String user;

    private EtcdRegistry(Builder b, Client client, @Nullable ExecutorService clientPool, @Nullable Vertx vertx) {
        super(BACKEND, b.options());
        this.client = client;
        this.clientPool = clientPool;
        this.vertx = vertx;
        this.user = b.user;
        this.codec = new EtcdInstanceCodec(b.namespace);
        this.ttl = b.ttl;
        this.keyCheckTimeout = min(b.callTimeout, b.keyCheckInterval());
        this.leases = new EtcdLeases(
                client.getLeaseClient(),
                client.getKVClient(),
                b.ttl.toSeconds(),
                b.callTimeout,
                new KeepAliveNews(this));
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
     * The key prefix of this registry.
     *
     * @return the namespace, such as {@code /microservices}
     */
    public String namespace() {
        return codec.namespace();
    }

    /**
     * The lease TTL asked for each instance.
     *
     * @return the TTL
     */
    public Duration ttl() {
        return ttl;
    }

    /**
     * Tells whether every lease of this registry is being renewed. False while jetcd's keepalive stream fails (the
     * server is out of reach): the instances stay registered until their lease expires, then they are reported
     * {@code LOST} to registration listeners and put back once the server answers.
     *
     * @return true if no keepalive is failing
     */
    public boolean keepAliveHealthy() {
        return leases.healthy();
    }

    /** The ids of the leases this registry holds now; for tests that revoke them behind its back. */
    List<Long> leaseIds() {
        return leases.leaseIds();
    }

    /** What the keepalive learns, handed to the keeper on the scheduler (it may hold an instance for a write). */
    private static final class KeepAliveNews implements EtcdLeases.LossListener {
        private final EtcdRegistry registry;

        KeepAliveNews(EtcdRegistry registry) {
            this.registry = registry;
        }

        @Override
        public void lost(ServiceInstance instance, RegistryException cause) {
            registry.onScheduler(
                    "report lost lease of " + instance.name() + "/" + instance.id(),
                    () -> registry.keeper().lost(instance, cause));
        }

        @Override
        public void reconnected() {
            // Instances lost during the outage may be waiting out a long backoff; the server answers again now.
            registry.onScheduler(
                    "retry lost registrations", () -> registry.keeper().retryNow());
        }
    }

    private void onScheduler(String what, Runnable task) {
        try {
            scheduler().schedule(Duration.ZERO, RegistryThreads.guarded(what, task));
        } catch (RejectedExecutionException e) {
            LOG.log(System.Logger.Level.DEBUG, "etcd: closing, skipped: {0}", what);
        }
    }

    @Override
    protected void write(ServiceInstance instance) {
        try {
            leases.put(codec.key(instance), instance, codec.encode(instance));
        } catch (RegistryException e) {
            throw AuthFailures.named(user, e);
        }
    }

    @Override
    protected void remove(ServiceInstance instance) {
        try {
            leases.release(codec.key(instance));
        } catch (RegistryException e) {
            throw AuthFailures.named(user, e);
        }
    }

    @Override
    protected boolean verify(ServiceInstance instance) {
        try {
            return leases.holds(codec.key(instance), keyCheckTimeout);
        } catch (RegistryException e) {
            throw AuthFailures.named(user, e);
        }
    }

    @Override
    protected List<ServiceInstance> read(String service) {
        try {
            return readPrefix(service);
        } catch (RegistryException e) {
            throw AuthFailures.named(user, e);
        }
    }

    private List<ServiceInstance> readPrefix(String service) {
        String prefix = codec.servicePrefix(service);
        GetResponse response = Calls.await(
                client.getKVClient()
                        .get(
                                EtcdInstanceCodec.bytes(prefix),
                                GetOption.builder().isPrefix(true).build()),
                options().callTimeout(),
                BACKEND,
                "read " + prefix,
                EtcdErrors.classifier("read " + prefix));
        List<ServiceInstance> out = new ArrayList<>(response.getKvs().size());
        for (KeyValue entry : response.getKvs()) {
            try {
                out.add(codec.decode(service, entry));
            } catch (IllegalArgumentException e) {
                skip(EtcdInstanceCodec.text(entry.getKey()), e);
            }
        }
        return out;
    }

    @Override
    protected AutoCloseable openWatch(String service, ServiceViews.Sink sink) {
        return EtcdServiceWatch.open(
                client.getKVClient(),
                client.getWatchClient(),
                service,
                codec,
                sink,
                this::skip,
                options().callTimeout());
    }

    /**
     * Lists the services that have at least one key of the shape {@code <namespace>/<name>/<id>}, reading keys only.
     *
     * @return the service names, sorted
     * @throws RegistryException if etcd could not be reached in time, or of kind {@code CLOSED} after {@link #close()}
     */
    @Override
    public SortedSet<String> services() {
        if (isClosed()) {
            throw new RegistryException(Kind.CLOSED, BACKEND, "registry is closed");
        }
        String prefix = codec.namespacePrefix();
        GetResponse response;
        try {
            response = Calls.await(
                    client.getKVClient()
                            .get(
                                    EtcdInstanceCodec.bytes(prefix),
                                    GetOption.builder()
                                            .isPrefix(true)
                                            .withKeysOnly(true)
                                            .build()),
                    options().callTimeout(),
                    BACKEND,
                    "list " + prefix,
                    EtcdErrors.classifier("list " + prefix));
        } catch (RegistryException e) {
            throw AuthFailures.named(user, e);
        }
        SortedSet<String> names = new TreeSet<>();
        for (KeyValue entry : response.getKvs()) {
            String name = codec.serviceOf(EtcdInstanceCodec.text(entry.getKey()));
            if (name != null) {
                names.add(name);
            }
        }
        return names;
    }

    @Override
    protected void closeClient() {
        // Leases the keeper could not revoke (server unreachable) are no longer renewed: they expire within the TTL.
        leases.close();
        if (clientPool != null) {
            try {
                client.close();
            } finally {
                clientPool.shutdownNow();
                closeVertx();
            }
        }
    }

    /**
     * jetcd closes its Vert.x instance without waiting; we built it, so we wait (bounded) until its event loops and
     * timers have ended, so that no thread of the client outlives close().
     */
    private void closeVertx() {
        Vertx v = vertx;
        if (v == null) {
            return;
        }
        try {
            v.close()
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(options().callTimeout().toMillis(), MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "etcd: the client's Vert.x instance did not close cleanly: " + e);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /**
     * Builds an {@link EtcdRegistry}. Give either {@linkplain #endpoints(String...) endpoints}, and the registry
     * builds (and on close closes) its own jetcd client, or an existing {@linkplain #client(Client) client}, which is
     * never closed. Not thread-safe.
     */
    public static final class Builder extends RegistryBuilder<Builder> {
        private static final Pattern NAMESPACE = Pattern.compile("[^\\s]*[^\\s/]");

        private final List<URI> endpoints = new ArrayList<>();
        private @Nullable Client client;
        private String namespace = DEFAULT_NAMESPACE;
        private Duration ttl = DEFAULT_TTL;
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private @Nullable Duration keyCheckInterval;
        private @Nullable String user;
        private @Nullable String password;
        private boolean tls;
        private @Nullable Path trustedCertificates;
        private @Nullable Path clientCertificateChain;
        private @Nullable Path clientPrivateKey;
        private @Nullable Consumer<ClientBuilder> clientCustomizer;

        private Builder() {}

        /**
         * The etcd servers, such as {@code http://10.0.0.5:2379}; {@code https://} turns TLS on. A missing port is
         * {@value EtcdRegistry#DEFAULT_PORT}. Adds to the endpoints given before.
         *
         * @param endpoints one or more URLs
         * @return this builder
         * @throws IllegalArgumentException if an endpoint is not an {@code http} or {@code https} URL with a host
         */
        public Builder endpoints(String... endpoints) {
            for (String e : endpoints) {
                Objects.requireNonNull(e, "endpoints");
                try {
                    endpoint(new URI(e.strip()));
                } catch (URISyntaxException ex) {
                    throw new IllegalArgumentException("endpoints: '" + e + "' is not a URL: " + ex.getReason(), ex);
                }
            }
            return this;
        }

        /**
         * The etcd servers, as for {@link #endpoints(String...)}.
         *
         * @param endpoints one or more URLs
         * @return this builder
         * @throws IllegalArgumentException if an endpoint is not an {@code http} or {@code https} URL with a host
         */
        public Builder endpoints(List<URI> endpoints) {
            endpoints.forEach(e -> endpoint(Objects.requireNonNull(e, "endpoints")));
            return this;
        }

        private void endpoint(URI e) {
            String scheme = e.getScheme() == null ? "" : e.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException(
                        "endpoints: '" + e + "' must be an http:// or https:// URL such as http://127.0.0.1:2379");
            }
            if (e.getHost() == null) {
                // java.net.URI leaves the host null when the port is not a number: name the port, not the host.
                String authority = e.getRawAuthority() == null ? "" : e.getRawAuthority();
                int colon = authority.lastIndexOf(':');
                String port = colon < 0 ? "" : authority.substring(colon + 1);
                if (colon > 0 && !authority.endsWith("]") && !port.chars().allMatch(Character::isDigit)) {
                    throw new IllegalArgumentException(
                            "endpoints: '" + e + "' has port '" + port + "', which is not a number 1-65535");
                }
                throw new IllegalArgumentException("endpoints: '" + e + "' has no host");
            }
            int port = e.getPort() < 0 ? DEFAULT_PORT : e.getPort();
            if (port == 0 || port > 65535) {
                throw new IllegalArgumentException("endpoints: '" + e + "' has port " + port + ", not 1-65535");
            }
            endpoints.add(URI.create(scheme + "://" + e.getHost() + ":" + port));
        }

        /**
         * Uses a jetcd client built by the caller instead of building one; it is never closed by the registry, and its
         * own settings (TLS, credentials, timeouts) apply. Exclusive with endpoints, credentials and TLS options.
         *
         * @param client the client
         * @return this builder
         */
        public Builder client(Client client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * The key prefix: instances are {@code <namespace>/<name>/<id>}. Defaults to {@value EtcdRegistry#DEFAULT_NAMESPACE},
         * Kratos' default; a trailing slash is dropped.
         *
         * @param namespace the prefix, such as {@code /microservices}
         * @return this builder
         * @throws IllegalArgumentException if it is empty or contains whitespace
         */
        public Builder namespace(String namespace) {
            Objects.requireNonNull(namespace, "namespace");
            String trimmed = namespace;
            while (trimmed.endsWith("/")) {
                trimmed = trimmed.substring(0, trimmed.length() - 1);
            }
            if (!NAMESPACE.matcher(trimmed).matches()) {
                throw new IllegalArgumentException("namespace must be a non-empty key prefix without whitespace, "
                        + "such as /microservices, got '" + namespace + "'");
            }
            this.namespace = trimmed;
            return this;
        }

        /**
         * The TTL of each instance's lease: how long an instance outlives a crash of its process. Whole seconds,
         * at least 1 s (etcd may raise it to its minimum, usually 2 s). Defaults to 15 s.
         *
         * @param ttl the TTL
         * @return this builder
         * @throws IllegalArgumentException if it is not a whole number of seconds of at least 1
         */
        public Builder ttl(Duration ttl) {
            Objects.requireNonNull(ttl, "ttl");
            if (ttl.toNanosPart() != 0 || ttl.toSeconds() < 1) {
                throw new IllegalArgumentException(
                        "ttl must be a whole number of seconds, at least 1 s, got " + Calls.text(ttl));
            }
            this.ttl = ttl;
            return this;
        }

        /**
         * The bound of every call to etcd (and the gRPC deadline of each unary call of a client this registry
         * builds). Defaults to 10 s.
         *
         * @param timeout a positive duration
         * @return this builder
         * @throws IllegalArgumentException if it is not positive
         */
        public Builder callTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isZero() || timeout.isNegative()) {
                throw new IllegalArgumentException("callTimeout must be positive, got " + Calls.text(timeout));
            }
            this.callTimeout = timeout;
            return this;
        }

        /**
         * How often each registered instance's key is read back, to put it again if someone deleted it while its
         * lease lives. Defaults to a third of the TTL (5 s for the default TTL), the same cadence as lease renewals.
         *
         * @param interval a positive duration
         * @return this builder
         * @throws IllegalArgumentException if it is not positive
         */
        public Builder keyCheckInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.isZero() || interval.isNegative()) {
                throw new IllegalArgumentException("keyCheckInterval must be positive, got " + Calls.text(interval));
            }
            this.keyCheckInterval = interval;
            return this;
        }

        Duration keyCheckInterval() {
            Duration set = keyCheckInterval;
            return set != null ? set : ttl.dividedBy(3);
        }

        /**
         * Authenticates as an etcd user. Not set by default (no authentication).
         *
         * @param user the user name
         * @param password the password
         * @return this builder
         * @throws IllegalArgumentException if the user name is empty
         */
        public Builder credentials(String user, String password) {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(password, "password");
            if (user.isEmpty()) {
                throw new IllegalArgumentException("credentials: user must not be empty");
            }
            this.user = user;
            this.password = password;
            return this;
        }

        /**
         * Turns TLS on, trusting the JVM's default certificate authorities. Also turned on by {@code https://}
         * endpoints and by the other TLS options. Off by default.
         *
         * @return this builder
         */
        public Builder tls() {
            this.tls = true;
            return this;
        }

        /**
         * Turns TLS on and trusts the certificate authorities in a PEM file instead of the JVM's defaults.
         *
         * @param pemFile the CA certificates, PEM
         * @return this builder
         */
        public Builder trustedCertificates(Path pemFile) {
            this.trustedCertificates = Objects.requireNonNull(pemFile, "pemFile");
            this.tls = true;
            return this;
        }

        /**
         * Turns TLS on and presents a client certificate (for etcd's {@code --client-cert-auth}).
         *
         * @param certificateChain the certificate chain, PEM
         * @param privateKey its PKCS#8 private key, PEM
         * @return this builder
         */
        public Builder clientCertificate(Path certificateChain, Path privateKey) {
            this.clientCertificateChain = Objects.requireNonNull(certificateChain, "certificateChain");
            this.clientPrivateKey = Objects.requireNonNull(privateKey, "privateKey");
            this.tls = true;
            return this;
        }

        /**
         * Adjusts the jetcd client the registry builds, after the registry's own settings: interceptors, load
         * balancing, message sizes and so on. Interceptors added here run in addition to the registry's deadline
         * interceptor. Not applied to a client given with {@link #client(Client)}.
         *
         * @param customizer called once with jetcd's builder
         * @return this builder
         */
        public Builder customizeClient(Consumer<ClientBuilder> customizer) {
            this.clientCustomizer = Objects.requireNonNull(customizer, "customizer");
            return this;
        }

        Options options() {
            return options(callTimeout, keyCheckInterval());
        }

        /**
         * Builds the registry. Nothing is sent to etcd until the first call: building succeeds while etcd is down.
         *
         * @return the registry
         * @throws IllegalArgumentException if no endpoint and no client is given, both are, a TLS or credential
         *     option is combined with a client, endpoints mix {@code http} and {@code https}, or a TLS file is
         *     unreadable or invalid
         */
        public EtcdRegistry build() {
            Client given = client;
            if (given != null) {
                if (!endpoints.isEmpty()) {
                    throw new IllegalArgumentException(
                            "give either endpoints or a client, not both; endpoints: " + endpoints);
                }
                if (tls || user != null || clientCustomizer != null) {
                    throw new IllegalArgumentException(
                            "TLS, credentials and customizeClient configure a client the registry builds; "
                                    + "set them on the jetcd client you pass instead");
                }
                return new EtcdRegistry(this, given, null, null);
            }
            if (endpoints.isEmpty()) {
                throw new IllegalArgumentException(
                        "endpoints: give at least one etcd endpoint, such as http://127.0.0.1:2379, or a client");
            }
            boolean https = endpoints.get(0).getScheme().equals("https");
            for (URI e : endpoints) {
                if (e.getScheme().equals("https") != https) {
                    throw new IllegalArgumentException(
                            "endpoints must all be http:// or all https://, got " + endpoints);
                }
            }
            checkReadable("trustedCertificates", trustedCertificates);
            checkReadable("clientCertificate certificateChain", clientCertificateChain);
            checkReadable("clientCertificate privateKey", clientPrivateKey);
            ExecutorService pool = Executors.newCachedThreadPool(RegistryThreads.factory(BACKEND, "client"));
            // Our own Vert.x for jetcd's gRPC channel: one event loop is plenty for one connection, and we can wait
            // for it to end on close (jetcd's own is closed without waiting).
            Vertx v = Vertx.vertx(new VertxOptions().setUseDaemonThread(true).setEventLoopPoolSize(1));
            try {
                return new EtcdRegistry(this, newClient(pool, v, https || tls), pool, v);
            } catch (RuntimeException e) {
                pool.shutdownNow();
                v.close();
                throw e;
            }
        }

        private static void checkReadable(String option, @Nullable Path file) {
            if (file != null && !Files.isReadable(file)) {
                throw new IllegalArgumentException(option + ": cannot read the file '" + file + "'");
            }
        }

        private Client newClient(ExecutorService pool, Vertx vertx, boolean useTls) {
            ClientBuilder b = Client.builder()
                    .endpoints(endpoints)
                    .executorService(pool)
                    .vertx(vertx)
                    // Fail a call at once when the channel cannot connect (connection refused, unknown host)
                    // instead of waiting out the call timeout; the keeper and watchers retry with backoff.
                    .waitForReady(false)
                    .connectTimeout(min(callTimeout, MAX_CONNECT_TIMEOUT));
            String u = user;
            String p = password;
            if (u != null && p != null) {
                b.user(EtcdInstanceCodec.bytes(u)).password(EtcdInstanceCodec.bytes(p));
            }
            if (useTls) {
                Path ca = trustedCertificates;
                Path chain = clientCertificateChain;
                Path key = clientPrivateKey;
                try {
                    b.sslContext(ssl -> {
                        if (ca != null) {
                            ssl.trustManager(ca.toFile());
                        }
                        if (chain != null && key != null) {
                            ssl.keyManager(chain.toFile(), key.toFile());
                        }
                    });
                } catch (SSLException | IllegalArgumentException e) {
                    throw new IllegalArgumentException(
                            "TLS: cannot use trustedCertificates '" + ca + "' / clientCertificate '" + chain + "', '"
                                    + key + "': " + e.getMessage(),
                            e);
                }
            }
            Consumer<ClientBuilder> customizer = clientCustomizer;
            if (customizer != null) {
                customizer.accept(b);
            }
            b.interceptor(new CallDeadlines(callTimeout));
            return b.build();
        }
    }
}
