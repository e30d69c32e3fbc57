package io.registry4j.zookeeper.internal;

import io.registry4j.ServiceRegistry;
import io.registry4j.spi.RegistryProvider;
import io.registry4j.spi.RegistryUri;
import io.registry4j.zookeeper.ZooKeeperRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Opens {@code zookeeper://host:2181[,host2:2181…]?option=value&…} as a {@link ZooKeeperRegistry} with its own
 * Curator client.
 *
 * <p>Options: {@code root} (the root path, default {@code /microservices}), {@code sessionTimeout} (default 15s),
 * {@code connectionTimeout} (default 10s), {@code callTimeout} (default 10s), and {@code user} with {@code password}
 * for Kratos' digest ACL. Durations are written {@code 500ms}, {@code 15s}, {@code 2m} or ISO-8601. A ZooKeeper chroot
 * belongs in {@code root}, not in the URL path. Stateless and thread-safe.
 */
public final class ZooKeeperRegistryProvider implements RegistryProvider {
    private static final Set<String> OPTIONS =
            Set.of("root", "sessionTimeout", "connectionTimeout", "callTimeout", "user", "password");

    /** Used by {@link java.util.ServiceLoader}. */
    public ZooKeeperRegistryProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of(ZooKeeperRegistry.BACKEND);
    }

    @Override
    public Set<String> options() {
        return OPTIONS;
    }

    @Override
    public boolean isAvailable() {
        return RegistryProvider.canLoad(
                "org.apache.curator.framework.CuratorFramework", ZooKeeperRegistryProvider.class);
    }

    @Override
    public ServiceRegistry open(RegistryUri uri) {
        if (uri.hosts().isEmpty()) {
            throw uri.invalid("server list", uri.authority(), "must name at least one host:port");
        }
        if (!uri.path().isEmpty() && !uri.path().equals("/")) {
            throw uri.invalid("path", uri.path(), "is not used; give the root path as the option root=");
        }
        ZooKeeperRegistry.Builder b = ZooKeeperRegistry.builder().connectString(String.join(",", uri.hosts()));
        set(uri, "root", uri.option("root").orElse(ZooKeeperRegistry.DEFAULT_ROOT_PATH), b::rootPath);
        duration(uri, "sessionTimeout", ZooKeeperRegistry.DEFAULT_SESSION_TIMEOUT, b::sessionTimeout);
        duration(uri, "connectionTimeout", ZooKeeperRegistry.DEFAULT_CONNECTION_TIMEOUT, b::connectionTimeout);
        duration(uri, "callTimeout", ZooKeeperRegistry.DEFAULT_CALL_TIMEOUT, b::callTimeout);
        var user = uri.option("user");
        var password = uri.option("password");
        if (user.isPresent() != password.isPresent()) {
            throw uri.invalid(
                    "options user and password", user.isPresent() ? "user only" : "password only", "go together");
        }
        if (user.isPresent() && password.isPresent()) {
            String u = user.get();
            String p = password.get();
            set(uri, "user", u, v -> b.digestAcl(v, p));
        }
        return b.build();
    }

    private static void duration(RegistryUri uri, String option, Duration defaultValue, Consumer<Duration> setter) {
        Duration d = uri.duration(option, defaultValue);
        try {
            setter.accept(d);
        } catch (IllegalArgumentException e) {
            throw uri.invalid("option '" + option + "'", uri.option(option).orElse(d.toString()), "must be positive");
        }
    }

    private static void set(RegistryUri uri, String option, String value, Consumer<String> setter) {
        try {
            setter.accept(value);
        } catch (IllegalArgumentException e) {
            throw uri.invalid("option '" + option + "'", value, "is invalid: " + e.getMessage());
        }
    }
}
