package io.registry4j.grpc.internal;

import io.registry4j.ServiceInstance;
import io.registry4j.grpc.InstanceFilters;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A channel target taken apart: the service, the resolver's own options and, in the URL form, the registry URL.
 *
 * <p>Two forms. {@code discovery:///orders?version=v2} (any scheme the application registered the provider under;
 * the authority is ignored, as in Kratos) takes only the resolver's options. {@code
 * registry4j://etcd/orders?address=10.0.0.5:2379&ttl=15s&version=v2} names the backend in the authority and the
 * registry's address (what follows {@code etcd://} in a registry URL, path included) in {@code address}; every
 * option the resolver does not own is handed to the backend unchanged, so that the registry URL is
 * {@code etcd://10.0.0.5:2379?ttl=15s}.
 *
 * <p>The resolver owns {@code address}, {@code version}, {@code scheme} and every {@code metadata.*} option.
 *
 * @param service the service name
 * @param filter the filter the options ask for, or null for none
 * @param endpointScheme {@code grpc} or {@code grpcs}: the endpoints used
 * @param registryUrl the registry URL (URL form only)
 */
public record ResolverTarget(
        String service,
        @Nullable Predicate<ServiceInstance> filter,
        String endpointScheme,
        @Nullable URI registryUrl) {

    /** The option naming the registry's address in the URL form. */
    public static final String ADDRESS = "address";

    /** The option keeping only instances of one version. */
    public static final String VERSION = "version";

    /** The option prefix keeping only instances with one metadata value, as {@code metadata.zone=eu-1}. */
    public static final String METADATA_PREFIX = "metadata.";

    /** The option choosing the endpoints, {@code grpc} (the default) or {@code grpcs}. */
    public static final String SCHEME = "scheme";

    /**
     * Parses a target of the form {@code <scheme>:///<service>[?resolver options]}.
     *
     * @param target the channel target
     * @return the parsed target
     * @throws IllegalArgumentException naming the target and what is wrong with it
     */
    public static ResolverTarget parseDiscovery(URI target) {
        Parts p = parts(target);
        if (!p.passThrough.isEmpty()) {
            throw bad(
                    target,
                    "unknown option" + (p.passThrough.size() > 1 ? "s " : " ") + names(p.passThrough)
                            + "; options: version, metadata.<key>, scheme");
        }
        if (p.address != null) {
            throw bad(target, "option 'address' belongs to the registry4j:// form; this provider has its registry");
        }
        return new ResolverTarget(p.service, p.filter, p.endpointScheme, null);
    }

    /**
     * Parses a target of the form {@code registry4j://<backend>/<service>?address=<address>[&options]}.
     *
     * @param target the channel target
     * @return the parsed target, with its registry URL
     * @throws IllegalArgumentException naming the target and what is wrong with it
     */
    public static ResolverTarget parseRegistryUrl(URI target) {
        Parts p = parts(target);
        String backend = target.getRawAuthority();
        if (backend == null || !backend.matches("[A-Za-z][A-Za-z0-9+.-]*")) {
            throw bad(
                    target,
                    "the authority must name the backend, as in registry4j://etcd/orders?address=127.0.0.1:2379, got '"
                            + backend + "'");
        }
        String address = p.address == null ? "" : p.address;
        StringBuilder url = new StringBuilder(backend.toLowerCase(Locale.ROOT))
                .append("://")
                .append(address);
        if (!p.passThrough.isEmpty()) {
            url.append('?').append(String.join("&", p.passThrough));
        }
        URI registry;
        try {
            registry = new URI(url.toString());
        } catch (java.net.URISyntaxException e) {
            throw bad(target, "the registry URL it names is not a URI (" + e.getReason() + ")");
        }
        return new ResolverTarget(p.service, p.filter, p.endpointScheme, registry);
    }

    private record Parts(
            String service,
            @Nullable Predicate<ServiceInstance> filter,
            String endpointScheme,
            @Nullable String address,
            List<String> passThrough) {}

    private static Parts parts(URI target) {
        if (target.isOpaque()) {
            throw bad(target, "must look like " + target.getScheme() + ":///<service>");
        }
        String path = target.getPath() == null ? "" : target.getPath();
        String service = path.startsWith("/") ? path.substring(1) : path;
        if (service.isEmpty()) {
            throw bad(target, "names no service: the path must be /<service>");
        }
        try {
            ServiceInstance.checkName(service);
        } catch (IllegalArgumentException e) {
            throw bad(target, "names an invalid service: " + e.getMessage());
        }
        Predicate<ServiceInstance> filter = null;
        String endpointScheme = "grpc";
        String address = null;
        List<String> passThrough = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        String query = target.getRawQuery();
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&", -1)) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(target, eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(target, pair.substring(eq + 1));
                if (seen.contains(key)) {
                    throw bad(target, "gives option '" + key + "' twice");
                }
                seen.add(key);
                if (key.equals(VERSION)) {
                    filter = and(filter, InstanceFilters.version(value));
                } else if (key.startsWith(METADATA_PREFIX) && key.length() > METADATA_PREFIX.length()) {
                    filter = and(filter, InstanceFilters.metadata(key.substring(METADATA_PREFIX.length()), value));
                } else if (key.equals(SCHEME)) {
                    endpointScheme = value.toLowerCase(Locale.ROOT);
                    if (!endpointScheme.equals("grpc") && !endpointScheme.equals("grpcs")) {
                        throw bad(target, "option 'scheme' must be grpc or grpcs, got '" + value + "'");
                    }
                } else if (key.equals(ADDRESS)) {
                    address = value;
                } else {
                    passThrough.add(pair);
                }
            }
        }
        return new Parts(service, filter, endpointScheme, address, List.copyOf(passThrough));
    }

    private static Predicate<ServiceInstance> and(
            @Nullable Predicate<ServiceInstance> a, Predicate<ServiceInstance> b) {
        return a == null ? b : a.and(b);
    }

    private static String names(List<String> pairs) {
        List<String> out = new ArrayList<>();
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            out.add(eq < 0 ? pair : pair.substring(0, eq));
        }
        return out.toString();
    }

    private static String decode(URI target, String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw bad(target, "has a bad %-escape in '" + s + "'");
        }
    }

    private static IllegalArgumentException bad(URI target, String why) {
        return new IllegalArgumentException(
                "gRPC target '" + io.registry4j.spi.RegistryUri.redact(target) + "' " + why);
    }
}
