package io.registry4j.testservers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Remembers every child process a test started and stops those still running when the JVM exits, so
 * that a test that forgets to close its server, or a run cut short by a failure, leaves no etcd behind.
 *
 * <p>The JVM-wide instance installs one shutdown hook (thread {@code registry4j-testservers-reaper})
 * the first time it is used. Processes are stopped by PID: SIGTERM to each process and its descendants,
 * then SIGKILL to whatever is left after the timeout. A JVM killed with SIGKILL runs no hooks; its
 * children are then orphaned, which no in-process mechanism can prevent.
 *
 * <p>Thread-safe.
 */
final class ChildProcessReaper {
    /** Budget for the shutdown hook to stop all children; the JVM's exit waits for it. */
    static final Duration SHUTDOWN_STOP_TIMEOUT = Duration.ofSeconds(5);

    private static final Duration FORCED_EXIT_WAIT = Duration.ofSeconds(5);

    private final Set<Process> running = ConcurrentHashMap.newKeySet();

    ChildProcessReaper() {}

    /** Returns the JVM-wide reaper, installing its shutdown hook on first use. */
    static ChildProcessReaper global() {
        return JvmWide.INSTANCE;
    }

    void register(Process process) {
        running.add(process);
    }

    void unregister(Process process) {
        running.remove(process);
    }

    /** Returns how many registered processes are still alive. */
    int aliveCount() {
        return (int) running.stream().filter(Process::isAlive).count();
    }

    /** Stops every registered process, all of them at once, and returns how many were still alive. */
    int stopAll(Duration timeout) {
        List<Process> snapshot = new ArrayList<>(running);
        int alive = (int) snapshot.stream().filter(Process::isAlive).count();
        List<ProcessHandle> handles = new ArrayList<>(snapshot.size());
        for (Process process : snapshot) {
            handles.add(process.toHandle());
        }
        terminate(handles, timeout);
        running.removeAll(snapshot);
        return alive;
    }

    /**
     * Sends SIGTERM to every root and its descendants, waits up to {@code timeout} in total for them to
     * exit, then sends SIGKILL to those left and waits for the kernel to reap them.
     */
    static void terminate(List<ProcessHandle> roots, Duration timeout) {
        // Descendants are collected before the roots die: afterwards they are reparented and lost.
        List<ProcessHandle> all = new ArrayList<>();
        for (ProcessHandle root : roots) {
            root.descendants().forEach(all::add);
            all.add(root);
        }
        all.forEach(ProcessHandle::destroy);
        awaitExit(all, timeout);

        List<ProcessHandle> stubborn = new ArrayList<>();
        for (ProcessHandle root : roots) {
            root.descendants().forEach(stubborn::add);
        }
        all.stream().filter(ProcessHandle::isAlive).forEach(stubborn::add);
        if (!stubborn.isEmpty()) {
            stubborn.forEach(ProcessHandle::destroyForcibly);
            awaitExit(stubborn, FORCED_EXIT_WAIT);
        }
    }

    private static void awaitExit(List<ProcessHandle> handles, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean interrupted = false;
        try {
            for (ProcessHandle handle : handles) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return;
                }
                try {
                    handle.onExit().get(remaining, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    // Keep stopping: leaving a child running is worse than finishing a little later.
                    interrupted = true;
                } catch (ExecutionException | TimeoutException stillRunning) {
                    // The caller escalates to SIGKILL or gives up; nothing more to do here.
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void stopLeftoversAtExit() {
        int alive = aliveCount();
        if (alive > 0) {
            // Loud on purpose: a server still running at exit means a test did not close it.
            System.err.println("registry4j-testservers: stopping " + alive
                    + " child process(es) still running at JVM exit; close test servers in the test");
        }
        stopAll(SHUTDOWN_STOP_TIMEOUT);
    }

    private static final class JvmWide {
        static final ChildProcessReaper INSTANCE = installed();

        private static ChildProcessReaper installed() {
            ChildProcessReaper reaper = new ChildProcessReaper();
            Thread hook = new Thread(reaper::stopLeftoversAtExit, "registry4j-testservers-reaper");
            hook.setDaemon(true);
            Runtime.getRuntime().addShutdownHook(hook);
            return reaper;
        }
    }
}
