package io.registry4j;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A registration state change of one instance.
 *
 * @param instance the instance as registered
 * @param state the new state
 * @param attempt for {@link State#RETRYING}, the number of the failed attempt (1 for the first); otherwise 0
 * @param cause what made the backend lose the instance or the retry fail, if known
 * @param at when the transition happened, by the registry's clock
 */
public record RegistrationEvent(
        ServiceInstance instance,
        State state,
        int attempt,
        @Nullable Throwable cause,
        Instant at) {

    /** Registration states, in the order an instance goes through them. */
    public enum State {
        /** The backend holds the instance, written by {@code register}. */
        REGISTERED,
        /** The backend lost the instance (lease or session expired, deleted, server wiped); putting it back. */
        LOST,
        /** Putting the instance back failed; retrying after a backoff. */
        RETRYING,
        /** The instance is back in the backend after a loss. */
        RESTORED
    }

    /**
     * Creates an event.
     *
     * @throws NullPointerException if {@code instance}, {@code state} or {@code at} is null
     */
    public RegistrationEvent {
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(at, "at");
    }
}
