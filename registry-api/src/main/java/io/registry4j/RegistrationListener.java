package io.registry4j;

/**
 * Receives the registration state changes of instances kept by a registry. Events arrive in order, one at a time,
 * on the executor given with the listener; an exception thrown here is logged and ignored.
 */
@FunctionalInterface
public interface RegistrationListener {

    /**
     * Called once per state transition of one instance.
     *
     * @param event the transition
     */
    void onEvent(RegistrationEvent event);
}
