package io.registry4j.grpc;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.registry4j.Discovery;
import io.registry4j.Registries;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.grpc.internal.DiscoverySource;
import io.registry4j.grpc.internal.RegistryNameResolver;
import io.registry4j.grpc.internal.ResolverTarget;
import io.registry4j.spi.RegistryProvider;
import io.registry4j.spi.RegistryUri;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A gRPC {@link NameResolverProvider} whose resolvers follow a service's instances in a registry4j
 * {@link Discovery}: a channel dialing {@code discovery:///orders} connects to the {@code grpc://} endpoints of the
 * {@code orders} instances and follows them as they are added, changed and removed.
 *
 * <p><b>Around a registry the application has</b> (the usual case, since the application registers itself in the
 * same registry): build a provider with {@link #forDiscovery} or {@link #builder} and register it with
 * {@link io.grpc.NameResolverRegistry#register}; its scheme is {@code discovery}, Kratos' own, unless
 * {@link Builder#scheme} says otherwise. The provider never closes that discovery.
 *
 * <pre>{@code
 * NameResolverRegistry.getDefaultRegistry().register(RegistryNameResolverProvider.forDiscovery(registry));
 * ManagedChannel channel = Grpc.newChannelBuilder("discovery:///orders", InsecureChannelCredentials.create())
 *         .defaultLoadBalancingPolicy("round_robin")
 *         .build();
 * }</pre>
 *
 * <p><b>By URL alone</b>: this class is also listed for {@link java.util.ServiceLoader}, so with this module on the
 * class path a target of scheme {@code registry4j} works with no code: {@code
 * registry4j://<backend>/<service>?address=<address>[&<registry options>]}, where {@code <backend>://<address>?<registry
 * options>} is the registry URL {@link io.registry4j.Registries#open(String)} takes. For example {@code
 * registry4j://etcd/orders?address=10.0.0.5:2379,10.0.0.6:2379&namespace=/microservices} watches {@code orders} in
 * {@code etcd://10.0.0.5:2379,10.0.0.6:2379?namespace=/microservices}, and {@code
 * registry4j://eureka/orders?address=10.0.0.5:8761/eureka} in {@code eureka://10.0.0.5:8761/eureka}. Channels naming the
 * same registry URL share one registry client, opened by the first and closed with the last.
 *
 * <p><b>Options</b> in either form: {@code version=v2} keeps only instances of that version (Kratos'
 * {@code filter.Version}); {@code metadata.<key>=<value>} only instances with that metadata value; {@code scheme=grpcs}
 * uses {@code grpcs://} endpoints instead of {@code grpc://} (for a channel with TLS credentials). Endpoints of other
 * schemes are ignored, as in Kratos.
 *
 * <p><b>Behaviour</b>: each instance becomes one {@link io.grpc.EquivalentAddressGroup} of its endpoints with
 * {@link RegistryAttributes}; the resolver uses the listener form of {@code watch} (no thread per channel) and
 * delivers on the channel's synchronization context. When the service has no (matching) instance the channel gets
 * {@code UNAVAILABLE} naming the service (Kratos keeps dialing the last addresses instead); {@code pick_first} then
 * fails calls at once, {@code round_robin} keeps subchannels that are still ready, as on any resolution error. While the
 * backend is unreachable the last addresses are kept. {@code refresh()} re-reads the service; {@code shutdown()} ends
 * the subscription. The service authority of the channel is the service name.
 *
 * <p>Immutable and thread-safe.
 */
public final class RegistryNameResolverProvider extends NameResolverProvider {

    /** The scheme of the URL form, found through {@link java.util.ServiceLoader}. */
    public static final String URL_SCHEME = "registry4j";

    /** The scheme of a provider built around a {@link Discovery}, as in Kratos: {@code discovery:///orders}. */
    public static final String DEFAULT_DISCOVERY_SCHEME = "discovery";

    /**
     * The priority of the providers: one below the DNS provider's 5. gRPC gives a target without a scheme
     * ({@code 127.0.0.1:8091}) the scheme of the highest-priority provider, the first loaded among equals; at 5 the
     * provider loaded from this jar could take that place, and every such channel of the application (the Polaris
     * SDK's, for one) would fail with "the authority must name the backend".
     */
    public static final int DEFAULT_PRIORITY = 4;

    private final String scheme;
    private final int priority;
    private final @Nullable Discovery discovery;
    private final @Nullable Predicate<ServiceInstance> filter;

    /**
     * The URL-form provider ({@code registry4j://etcd/orders?address=…}), for {@link java.util.ServiceLoader}.
     * Applications with a {@link Discovery} of their own use {@link #forDiscovery} instead.
     */
    public RegistryNameResolverProvider() {
        this.scheme = URL_SCHEME;
        this.priority = DEFAULT_PRIORITY;
        this.discovery = null;
        this.filter = null;
    }

    private RegistryNameResolverProvider(Builder b, Discovery discovery) {
        this.scheme = b.scheme;
        this.priority = b.priority;
        this.discovery = discovery;
        this.filter = b.filter;
    }

    /**
     * A provider of scheme {@code discovery} around an existing discovery, which it never closes.
     *
     * @param discovery the registry (or any discovery) to resolve from
     * @return the provider; register it with {@link io.grpc.NameResolverRegistry#register}
     */
    public static RegistryNameResolverProvider forDiscovery(Discovery discovery) {
        return builder(discovery).build();
    }

    /**
     * Starts a builder for a provider around an existing discovery.
     *
     * @param discovery the registry (or any discovery) to resolve from; never closed by the provider
     * @return a new builder
     */
    public static Builder builder(Discovery discovery) {
        return new Builder(discovery);
    }

    /**
     * Creates the resolver of a target of this provider's scheme.
     *
     * @return the resolver, or null if the target's scheme is not this provider's
     * @throws IllegalArgumentException if the target names no valid service or has an invalid option; the message
     *     names the target
     */
    @Override
    public @Nullable NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
        if (!scheme.equalsIgnoreCase(targetUri.getScheme())) {
            return null;
        }
        Discovery d = discovery;
        ResolverTarget target =
                d == null ? ResolverTarget.parseRegistryUrl(targetUri) : ResolverTarget.parseDiscovery(targetUri);
        Predicate<ServiceInstance> f = filter;
        Predicate<ServiceInstance> t = target.filter();
        Predicate<ServiceInstance> combined = f == null ? t : t == null ? f : f.and(t);
        DiscoverySource source;
        if (d != null) {
            source = DiscoverySource.of(d);
        } else {
            URI registryUrl = Objects.requireNonNull(target.registryUrl(), "registryUrl");
            checkBackend(targetUri, registryUrl);
            source = DiscoverySource.shared(registryUrl);
        }
        return new RegistryNameResolver(target.service(), source, combined, target.endpointScheme(), args);
    }

    /**
     * Fails at channel build, not later on the channel, for a backend that is not on the class path or an option it
     * does not know; the registry itself is opened when the resolver starts.
     */
    private static void checkBackend(URI target, URI registryUrl) {
        RegistryUri parsed;
        try {
            parsed = RegistryUri.parse(registryUrl);
        } catch (RegistryException e) {
            throw new IllegalArgumentException(
                    "gRPC target '" + RegistryUri.redact(target) + "': " + e.getMessage(), e);
        }
        Set<String> schemes = new TreeSet<>();
        for (RegistryProvider p : Registries.providers()) {
            schemes.addAll(p.schemes());
            if (p.schemes().contains(parsed.scheme())) {
                Set<String> unknown = new TreeSet<>(parsed.options().keySet());
                unknown.removeAll(p.options());
                if (!unknown.isEmpty()) {
                    throw new IllegalArgumentException("gRPC target '" + RegistryUri.redact(target) + "' has option"
                            + (unknown.size() > 1 ? "s " : " ") + unknown + " that neither the resolver (address,"
                            + " version, scheme, metadata.<key>) nor the " + parsed.scheme() + " backend knows;"
                            + " options of " + parsed.scheme() + ": " + new TreeSet<>(p.options()));
                }
                return;
            }
        }
        throw new IllegalArgumentException("gRPC target '" + RegistryUri.redact(target) + "' names backend '"
                + parsed.scheme() + "', but no registry4j backend for it is on the class path; backends found: "
                + schemes + ". Add io.registry4j:registry-" + parsed.scheme());
    }

    @Override
    public String getDefaultScheme() {
        return scheme;
    }

    @Override
    public String getScheme() {
        return scheme;
    }

    @Override
    protected boolean isAvailable() {
        return true;
    }

    @Override
    protected int priority() {
        return priority;
    }

    @Override
    public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
        return List.of(InetSocketAddress.class);
    }

    @Override
    public String toString() {
        return "RegistryNameResolverProvider{scheme=" + scheme + (discovery == null ? "" : ", discovery=" + discovery)
                + (filter == null ? "" : ", filter=" + filter) + "}";
    }

    /** Builds a provider around a {@link Discovery}. Not thread-safe; the provider it builds is. */
    public static final class Builder {
        private final Discovery discovery;
        private String scheme = DEFAULT_DISCOVERY_SCHEME;
        private int priority = DEFAULT_PRIORITY;
        private @Nullable Predicate<ServiceInstance> filter;

        private Builder(Discovery discovery) {
            this.discovery = Objects.requireNonNull(discovery, "discovery");
        }

        /**
         * The target scheme this provider serves; default {@code discovery}.
         *
         * @param scheme a URI scheme, such as {@code orders-registry}
         * @return this builder
         * @throws IllegalArgumentException if it is not a valid URI scheme
         */
        public Builder scheme(String scheme) {
            Objects.requireNonNull(scheme, "scheme");
            if (!scheme.matches("[A-Za-z][A-Za-z0-9+.-]*")) {
                throw new IllegalArgumentException(
                        "scheme must be a URI scheme like 'discovery', got '" + scheme + "'");
            }
            this.scheme = scheme.toLowerCase(Locale.ROOT);
            return this;
        }

        /**
         * The priority among providers of the same scheme (0–10); default 4, below gRPC's DNS provider, so that it never
         * becomes the scheme of targets that name none.
         *
         * @param priority the priority
         * @return this builder
         * @throws IllegalArgumentException if it is outside 0–10
         */
        public Builder priority(int priority) {
            if (priority < 0 || priority > 10) {
                throw new IllegalArgumentException("priority must be within 0-10, got " + priority);
            }
            this.priority = priority;
            return this;
        }

        /**
         * Keeps only the instances this filter accepts, for every target of the provider (a target's own
         * {@code version}/{@code metadata.*} options apply as well). See {@link InstanceFilters}.
         *
         * @param filter the filter; called on the resolver's executor, must not block
         * @return this builder
         */
        public Builder filter(Predicate<ServiceInstance> filter) {
            this.filter = Objects.requireNonNull(filter, "filter");
            return this;
        }

        /**
         * Builds the provider.
         *
         * @return the provider
         */
        public RegistryNameResolverProvider build() {
            return new RegistryNameResolverProvider(this, discovery);
        }
    }
}
