package io.registry4j.cli;

import io.registry4j.spi.RegistryThreads;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads of the command line: named {@code registry4j-cli-<purpose>-N}, daemon (Ctrl-C and the end of {@code main}
 * never wait for them), with an uncaught-exception handler that records the failure as the library does.
 *
 * <p>Unlike the library's own threads, these keep the creating thread's context class loader: a registry is opened
 * on them, and native clients look up resources through it (Vert.x, under jetcd, fails to initialise without one).
 */
final class CliThreads {
    private CliThreads() {}

    static ThreadFactory factory(String purpose) {
        var counter = new AtomicInteger();
        String prefix = RegistryThreads.PREFIX + "cli-" + purpose + "-";
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return runnable -> {
            var t = new Thread(runnable, prefix + counter.incrementAndGet());
            t.setDaemon(true);
            t.setContextClassLoader(loader);
            t.setUncaughtExceptionHandler((thread, e) -> RegistryThreads.recordUncaught(thread.getName(), e));
            return t;
        };
    }
}
