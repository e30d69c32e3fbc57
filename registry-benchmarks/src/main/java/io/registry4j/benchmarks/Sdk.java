package io.registry4j.benchmarks;

import java.util.function.IntConsumer;

/**
 * The native SDK of a backend doing what registry4j does, for the anchor column. Instance {@code i} of a service
 * is the SDK's own record of that number (a key, a node, a port): each implementation picks its natural form.
 */
interface Sdk extends AutoCloseable {
    /** Registers instance {@code i} of {@code service} and returns once the server acknowledged it. */
    void register(String service, int i) throws Exception;

    /** Removes instance {@code i} of {@code service}. */
    void deregister(String service, int i) throws Exception;

    /** Watches {@code service} with the SDK's own listener, calling {@code visible} with each instance it sees. */
    AutoCloseable watch(String service, IntConsumer visible) throws Exception;

    /** Writes {@code n} instances of {@code service} (Kratos' layout where the backend has one) for reads. */
    void seed(String service, int n) throws Exception;

    /** Reads {@code service} from the server and decodes every instance, as a client without a cache would. */
    int read(String service) throws Exception;

    @Override
    void close();
}
