package io.registry4j.cli;

import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.ServiceRegistry;
import io.registry4j.testkit.InMemoryServer;
import java.net.URI;
import java.time.Duration;

/**
 * Deletes an instance from a backend without its owner knowing, for {@code doctor}'s re-registration check: what an
 * operator's script, a disaster or another tool would do.
 *
 * <p>Design: where the CLI can reach the backend's storage directly it deletes the entry natively (the in-memory
 * server; ZooKeeper's node, see {@link ZooKeeperNodes}). Everywhere else another client takes the instance over and
 * deregisters it, which every create-or-replace backend allows. A backend that protects a live owner refuses the
 * takeover ({@code CONFLICT}); that is correct behaviour, and the check is then skipped with that reason.
 */
final class BehindTheBack {
    private BehindTheBack() {}

    /** The outcome of an attempt: how it was done, or why it could not be. */
    record Outcome(boolean deleted, String how) {}

    /**
     * Deletes {@code instance}, owned by another client, from the registry at {@code url}.
     *
     * @param other a second client of the same registry, used for a takeover
     */
    static Outcome delete(URI url, ServiceRegistry other, ServiceInstance instance, Duration timeout) {
        String scheme = url.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (scheme.equals("memory")) {
            String name = url.getRawAuthority() == null || url.getRawAuthority().isEmpty()
                    ? "default"
                    : url.getRawAuthority();
            boolean deleted = InMemoryServer.named(name).delete(instance.name(), instance.id());
            return new Outcome(deleted, deleted ? "deleted from the in-memory server" : "it was not on the server");
        }
        if (scheme.equals("zookeeper")) {
            return ZooKeeperNodes.delete(url, instance, timeout);
        }
        try {
            Bounded.call(timeout, "taking over " + instance.name() + "/" + instance.id(), () -> {
                other.register(instance);
                other.deregister(instance);
                return null;
            });
            return new Outcome(true, "another client took it over and deregistered it");
        } catch (RegistryException e) {
            if (e.kind() == RegistryException.Kind.CONFLICT) {
                return new Outcome(
                        false,
                        "the " + e.backend() + " backend protects a live owner's instance from other clients (as it"
                                + " should), and the CLI has no native access to delete it");
            }
            throw e;
        }
    }
}
