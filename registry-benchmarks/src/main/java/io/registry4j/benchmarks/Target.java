package io.registry4j.benchmarks;

import io.registry4j.ServiceRegistry;
import java.util.List;

/** One backend's server, with factories for registry4j and the native SDK on it. */
interface Target extends AutoCloseable {
    /** The backend's name, as in the report. */
    String backend();

    /** How JMH forks reach the server (see {@link Registries#open}). */
    String address();

    /** A new registry4j client of the server. */
    ServiceRegistry openRegistry();

    /** A new native client of the server. */
    Sdk openSdk() throws Exception;

    /** What the SDK anchor does for register, watch and read, for the report. */
    String registerAnchor();

    String watchAnchor();

    String readAnchor();

    /** Whether changes travel by push (ms) rather than by a poll or a server-side delay (hundreds of ms). */
    boolean fastPropagation();

    /** Sizes of the cold read/decode measure. */
    List<Integer> readSizes(Profile profile);

    /** Server-side records left (leases, sessions or instances), or -1 if the server does not say. */
    long serverResidue(String service) throws Exception;

    /** The server's count of watches, or -1 if it does not say. */
    long serverWatches() throws Exception;

    @Override
    void close();
}
