package io.registry4j.testkit;

import java.time.Duration;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What a backend can do and how fast, as declared by its compatibility test. A fault the backend cannot support is
 * declared unsupported with a reason; the kit then checks that the reason is given instead of running the scenario,
 * and no test is ever disabled.
 *
 * @param propagation how long a change made by one client may take to reach another client's watcher and
 *     {@code getService}
 * @param reRegistration how long after a loss (lease or session expiry, deletion, server restart) the registry must
 *     have put its instance back
 * @param faults the faults the backend's {@link Faults} implements
 * @param unsupported the faults it does not, each with the reason
 * @param reportsStale whether the registry notices an outage of the server and reports stale state (backends that
 *     only poll on a long interval may not within the kit's time)
 * @param endpointHostsNotStored why the backend does not store the host of an endpoint (Kubernetes: readers see the
 *     pod's IP), or null if endpoints round-trip whole; the kit then checks schemes and ports, in order
 */
public record Capabilities(
        Duration propagation,
        Duration reRegistration,
        Set<Fault> faults,
        Map<Fault, String> unsupported,
        boolean reportsStale,
        @Nullable String endpointHostsNotStored) {

    /**
     * Checks that every fault is either supported or declared unsupported with a reason.
     *
     * @throws IllegalArgumentException if a fault is in neither or both sets, or a reason is blank
     */
    public Capabilities {
        Objects.requireNonNull(propagation, "propagation");
        Objects.requireNonNull(reRegistration, "reRegistration");
        faults = Set.copyOf(faults);
        unsupported = Map.copyOf(unsupported);
        for (Fault f : Fault.values()) {
            boolean supported = faults.contains(f);
            String reason = unsupported.get(f);
            if (supported == (reason != null)) {
                throw new IllegalArgumentException("fault " + f + " must be either supported or unsupported with a "
                        + "reason, not " + (supported ? "both" : "neither"));
            }
            if (reason != null && reason.isBlank()) {
                throw new IllegalArgumentException("fault " + f + " is unsupported without a reason");
            }
        }
        if (endpointHostsNotStored != null && endpointHostsNotStored.isBlank()) {
            throw new IllegalArgumentException("endpointHostsNotStored needs a reason");
        }
    }

    /**
     * Starts a declaration: 10 s propagation, 10 s re-registration, no faults, reports stale state.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link Capabilities}. Not thread-safe. */
    public static final class Builder {
        private Duration propagation = Duration.ofSeconds(10);
        private Duration reRegistration = Duration.ofSeconds(10);
        private final Set<Fault> faults = EnumSet.noneOf(Fault.class);
        private final Map<Fault, String> unsupported = new EnumMap<>(Fault.class);
        private boolean reportsStale = true;
        private @Nullable String endpointHostsNotStored;

        private Builder() {}

        /**
         * Sets the propagation bound.
         *
         * @param bound how long a change may take to reach another client
         * @return this builder
         */
        public Builder propagation(Duration bound) {
            this.propagation = Objects.requireNonNull(bound, "bound");
            return this;
        }

        /**
         * Sets the re-registration bound.
         *
         * @param bound how long after a loss the instance must be back
         * @return this builder
         */
        public Builder reRegistration(Duration bound) {
            this.reRegistration = Objects.requireNonNull(bound, "bound");
            return this;
        }

        /**
         * Declares supported faults.
         *
         * @param supported faults the backend's {@link Faults} implements
         * @return this builder
         */
        public Builder supports(Fault... supported) {
            faults.addAll(Set.of(supported));
            return this;
        }

        /**
         * Declares a fault unsupported.
         *
         * @param fault the fault
         * @param reason why the backend cannot support it
         * @return this builder
         */
        public Builder unsupported(Fault fault, String reason) {
            unsupported.put(Objects.requireNonNull(fault, "fault"), Objects.requireNonNull(reason, "reason"));
            return this;
        }

        /**
         * Declares every fault unsupported, for one reason (a suite run on a server whose faults it cannot inject).
         *
         * @param reason why
         * @return this builder
         */
        public Builder unsupportedAll(String reason) {
            for (Fault f : Fault.values()) {
                unsupported(f, reason);
            }
            return this;
        }

        /**
         * Declares whether outages are reported as stale state.
         *
         * @param reportsStale false for a backend that cannot notice an outage in time
         * @return this builder
         */
        public Builder reportsStale(boolean reportsStale) {
            this.reportsStale = reportsStale;
            return this;
        }

        /**
         * Declares that the backend stores an endpoint's scheme and port but not its host (readers see another
         * address, such as the pod's IP).
         *
         * @param reason why
         * @return this builder
         */
        public Builder endpointHostsNotStored(String reason) {
            this.endpointHostsNotStored = Objects.requireNonNull(reason, "reason");
            return this;
        }

        /**
         * Builds and checks the declaration.
         *
         * @return the capabilities
         */
        public Capabilities build() {
            return new Capabilities(
                    propagation, reRegistration, faults, unsupported, reportsStale, endpointHostsNotStored);
        }
    }
}
