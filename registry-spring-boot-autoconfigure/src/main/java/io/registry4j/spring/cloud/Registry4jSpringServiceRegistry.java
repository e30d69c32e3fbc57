package io.registry4j.spring.cloud;

import io.registry4j.spring.Registry4jRegistrations;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.cloud.client.serviceregistry.ServiceRegistry;

/**
 * Spring Cloud's {@link ServiceRegistry} on registry4j. registry4j has no instance status: {@link #setStatus} is not
 * supported and {@link #getStatus} answers the registration state ({@code REGISTERED}, {@code LOST}, ...), or
 * {@code DEREGISTERED}.
 */
public final class Registry4jSpringServiceRegistry implements ServiceRegistry<Registry4jServiceInstance> {
    private final Registry4jRegistrations registrations;

    /**
     * A service registry.
     *
     * @param registrations registers and tracks instances
     */
    public Registry4jSpringServiceRegistry(Registry4jRegistrations registrations) {
        this.registrations = Objects.requireNonNull(registrations, "registrations");
    }

    @Override
    public void register(@Nullable Registry4jServiceInstance registration) {
        registrations.register(
                Objects.requireNonNull(registration, "registration").instance());
    }

    @Override
    public void deregister(@Nullable Registry4jServiceInstance registration) {
        registrations.deregister(
                Objects.requireNonNull(registration, "registration").instance());
    }

    @Override
    public void close() {
        // The registry4j registry is a bean of its own, closed with the context.
    }

    @Override
    public void setStatus(Registry4jServiceInstance registration, String status) {
        throw new UnsupportedOperationException("registry4j has no instance status; deregister the instance instead");
    }

    @Override
    @SuppressWarnings({"unchecked", "TypeParameterUnusedInFormals"}) // Spring Cloud's signature
    public <T> T getStatus(Registry4jServiceInstance registration) {
        for (Registry4jRegistrations.Entry e : registrations.entries()) {
            if (e.instance().equals(registration.instance())) {
                return (T) e.state().name();
            }
        }
        return (T) "DEREGISTERED";
    }
}
