package io.registry4j.testkit;

import org.junit.jupiter.api.DisplayName;

/**
 * The kit on a server that does none of the registry layer's work: first answers and notifications come later on
 * another thread, lists are unsorted, removal ignores ownership, and entries outlive a closed session.
 */
@DisplayName("InMemoryRegistry passes the compatibility kit (realistic server)")
class RealisticInMemoryRegistryCompatibilityTest extends InMemoryCompatibilityKitBase {
    private static final InMemoryServer SERVER = new InMemoryServer("kit-realistic", InMemoryServer.Realism.REALISTIC);

    @Override
    protected InMemoryServer server() {
        return SERVER;
    }
}
