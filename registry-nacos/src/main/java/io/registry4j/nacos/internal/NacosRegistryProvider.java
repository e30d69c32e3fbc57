package io.registry4j.nacos.internal;

import io.registry4j.ServiceRegistry;
import io.registry4j.nacos.NacosLayout;
import io.registry4j.nacos.NacosRegistry;
import io.registry4j.spi.RegistryProvider;
import io.registry4j.spi.RegistryUri;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Opens {@code nacos://host:8848[,host2:8848…]?option=value&…} as a {@link NacosRegistry}.
 *
 * <p>Options: {@code namespace} (default empty: {@code public}), {@code group} (default {@code DEFAULT_GROUP}),
 * {@code cluster} (default {@code DEFAULT}), {@code clusters} (clusters read, comma-separated, default all),
 * {@code weight} (default 100), {@code username} and {@code password}, {@code timeout} (call timeout, default
 * {@code 10s}), {@code check} (instance check interval, default {@code 5s}), {@code dir} (the SDK's cache directory,
 * default {@code registry4j-nacos} in the temporary directory), {@code layout} ({@code kratos}, the default, or
 * {@code plain}), {@code kratosSchemes} (comma-separated, default {@code grpc,grpcs,http,https}), {@code defaultScheme}
 * (default {@code http}), {@code includeUnhealthy} (default false). A host without a port uses 8848. The former
 * option {@code kratosNaming} is refused with an error naming {@code layout}. Stateless and thread-safe.
 */
public final class NacosRegistryProvider implements RegistryProvider {

    /** Used by {@link java.util.ServiceLoader}. */
    public NacosRegistryProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of(NacosRegistry.BACKEND);
    }

    @Override
    public Set<String> options() {
        return Set.of(
                "namespace",
                "group",
                "cluster",
                "clusters",
                "weight",
                "username",
                "password",
                "timeout",
                "check",
                "dir",
                "layout",
                "kratosNaming", // refused with an error naming its replacement, 'layout'
                "kratosSchemes",
                "defaultScheme",
                "includeUnhealthy");
    }

    @Override
    public boolean isAvailable() {
        return RegistryProvider.canLoad("com.alibaba.nacos.api.naming.NamingFactory", NacosRegistryProvider.class);
    }

    @Override
    public ServiceRegistry open(RegistryUri uri) {
        List<String> hosts = uri.requireHosts("must name at least one Nacos server, as in nacos://127.0.0.1:8848");
        uri.requireNoPath("must be empty; give the namespace as ?namespace=");
        NacosRegistry.Builder b = NacosRegistry.builder();
        uri.apply("host list", uri.authority(), () -> b.serverAddresses(hosts.toArray(String[]::new)));
        uri.option("namespace").ifPresent(v -> uri.apply("option 'namespace'", v, () -> b.namespace(v)));
        uri.option("group").ifPresent(v -> uri.apply("option 'group'", v, () -> b.group(v)));
        uri.option("cluster").ifPresent(v -> uri.apply("option 'cluster'", v, () -> b.cluster(v)));
        uri.option("clusters").ifPresent(v -> uri.apply("option 'clusters'", v, () -> b.discoveryClusters(split(v))));
        uri.option("weight").ifPresent(v -> uri.apply("option 'weight'", v, () -> b.weight(number(uri, v))));
        String user = uri.option("username").orElse(null);
        String password = uri.option("password").orElse(null);
        if ((user == null) != (password == null)) {
            throw uri.invalid(
                    "options 'username' and 'password'",
                    user == null ? "password only" : "username only",
                    "must be given together");
        }
        if (user != null && password != null) {
            b.credentials(user, password);
        }
        uri.option("timeout")
                .ifPresent(v ->
                        uri.apply("option 'timeout'", v, () -> b.callTimeout(uri.duration("timeout", Duration.ZERO))));
        uri.option("check")
                .ifPresent(v -> uri.apply(
                        "option 'check'", v, () -> b.instanceCheckInterval(uri.duration("check", Duration.ZERO))));
        uri.option("dir").ifPresent(v -> b.sdkDirectory(path(uri, v)));
        uri.option("kratosNaming").ifPresent(v -> {
            throw uri.invalid(
                    "option 'kratosNaming'",
                    v,
                    "was replaced by 'layout': layout=kratos (the default: Kratos' <name>.<scheme>, what "
                            + "kratosNaming=true wrote) or layout=plain (<name>, what kratosNaming=false wrote); "
                            + "reads see both layouts either way");
        });
        uri.option("layout").ifPresent(v -> uri.apply("option 'layout'", v, () -> b.layout(NacosLayout.parse(v))));
        uri.option("kratosSchemes")
                .ifPresent(v -> uri.apply("option 'kratosSchemes'", v, () -> b.kratosSchemes(split(v))));
        uri.option("defaultScheme").ifPresent(v -> uri.apply("option 'defaultScheme'", v, () -> b.defaultScheme(v)));
        b.includeUnhealthy(uri.bool("includeUnhealthy", false));
        try {
            return b.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw uri.rejected(NacosRegistry.BACKEND, e);
        }
    }

    private static String[] split(String list) {
        return List.of(list.split(",", -1)).stream()
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toArray(String[]::new);
    }

    private static double number(RegistryUri uri, String value) {
        try {
            return Double.parseDouble(value.strip());
        } catch (NumberFormatException e) {
            throw uri.invalid("option 'weight'", value, "must be a number");
        }
    }

    private static Path path(RegistryUri uri, String value) {
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw uri.invalid("option 'dir'", value, "must be a directory path");
        }
    }
}
