package io.registry4j.spi;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads of registry4j: named {@code registry4j-<backend>-<purpose>-<n>}, daemon, with the library's class loader as
 * their context class loader, and
 * an uncaught-exception handler that logs. Failures that reach the top of a library task are also recorded here, so
 * that tests can assert none happened (the testkit's leak check does).
 */
public final class RegistryThreads {
    private static final System.Logger LOG = System.getLogger(RegistryThreads.class.getName());

    /** The prefix of every thread name this library gives. */
    public static final String PREFIX = "registry4j-";

    private static final List<Throwable> UNCAUGHT = new ArrayList<>();

    private RegistryThreads() {}

    /**
     * A factory of threads named {@code registry4j-<backend>-<purpose>-<n>}.
     *
     * @param backend the backend name, such as {@code etcd}
     * @param purpose what the threads do, such as {@code scheduler}
     * @return the factory
     */
    public static ThreadFactory factory(String backend, String purpose) {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(purpose, "purpose");
        var counter = new AtomicInteger();
        String prefix = PREFIX + backend + "-" + purpose + "-";
        return runnable -> {
            var t = new Thread(runnable, prefix + counter.incrementAndGet());
            t.setDaemon(true);
            // The library's own loader, not the caller's (which may be an application's that should be able to
            // unload) and not null (native SDKs such as Vert.x under jetcd look classes up through it).
            t.setContextClassLoader(RegistryThreads.class.getClassLoader());
            t.setUncaughtExceptionHandler((thread, e) -> recordUncaught(thread.getName(), e));
            return t;
        };
    }

    /**
     * A one-thread scheduled executor for one registry; cancelled tasks are removed at once.
     *
     * @param backend the backend name
     * @return the executor; the caller shuts it down
     */
    public static ScheduledThreadPoolExecutor newScheduler(String backend) {
        var executor = new ScheduledThreadPoolExecutor(1, factory(backend, "scheduler"));
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        return executor;
    }

    /**
     * Wraps a task so that an exception it throws is logged and recorded instead of silently killing a scheduled
     * future.
     *
     * @param what a short description for the log, such as {@code re-register orders/1}
     * @param task the task
     * @return the guarded task
     */
    public static Runnable guarded(String what, Runnable task) {
        Objects.requireNonNull(what, "what");
        Objects.requireNonNull(task, "task");
        return () -> {
            try {
                task.run();
            } catch (Throwable e) { // NOPMD: the top of a library task; anything here is a bug to surface
                recordUncaught(what, e);
                if (e instanceof Error error && !(e instanceof AssertionError)) {
                    throw error;
                }
            }
        };
    }

    /**
     * Records and logs a failure that escaped a library task.
     *
     * @param where the thread or task
     * @param e the failure
     */
    public static void recordUncaught(String where, Throwable e) {
        LOG.log(Level.ERROR, "registry4j bug: uncaught exception in " + where, e);
        synchronized (UNCAUGHT) {
            UNCAUGHT.add(e);
        }
    }

    /**
     * The failures recorded so far by {@link #recordUncaught}, oldest first.
     *
     * @return a copy of the list
     */
    public static List<Throwable> uncaught() {
        synchronized (UNCAUGHT) {
            return List.copyOf(UNCAUGHT);
        }
    }

    /** Forgets the recorded failures; for tests. */
    public static void clearUncaught() {
        synchronized (UNCAUGHT) {
            UNCAUGHT.clear();
        }
    }
}
