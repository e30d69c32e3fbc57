package io.registry4j.testkit;

import org.junit.jupiter.api.DisplayName;

@DisplayName("InMemoryRegistry passes the compatibility kit (helpful server)")
class InMemoryRegistryCompatibilityTest extends InMemoryCompatibilityKitBase {
    private static final InMemoryServer SERVER = new InMemoryServer("kit");

    @Override
    protected InMemoryServer server() {
        return SERVER;
    }
}
