package io.registry4j.testservers;

import java.time.Duration;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * What the servers this harness runs as child processes (etcd, Eureka, Nacos) share: a server is either external
 * (named by {@code REGISTRY4J_TEST_<BACKEND>}, never touched) or local (a child process in a scratch directory that
 * can be stopped, restarted and closed). Subclasses add how to launch their process and their own faults.
 *
 * <p>Thread-safe: state changes are synchronized on the server.
 *
 * @param <L> the subclass's record of its local process
 */
abstract class LocalProcessServer<L extends LocalProcessServer.Local> implements TestServer {

    /** The part of a server that this harness started: its scratch directory and current process. */
    static class Local {
        final ScratchDirectory directory;

        @Nullable
        ChildProcess process;

        Local(ScratchDirectory directory) {
            this.directory = directory;
        }
    }

    private final String product;
    private final String backend;
    final @Nullable L local;
    boolean closed;

    /**
     * @param product the server's name in messages, such as {@code etcd}
     * @param backend the backend name of its environment override, such as {@code etcd}
     * @param local the local process, or null for an external server
     */
    LocalProcessServer(String product, String backend, @Nullable L local) {
        this.product = product;
        this.backend = backend;
        this.local = local;
    }

    /** Where the server answers, for messages. */
    abstract String address();

    /** Starts the process of a local server on its ports, the first time or again after a stop. */
    abstract void launch(L local);

    /** Runs before the process of a local server is stopped; for a fault that must be undone first. */
    void beforeStop(L local, ChildProcess process) {}

    @Override
    public boolean isExternal() {
        return local == null;
    }

    @Override
    public boolean supportsRestart() {
        return local != null;
    }

    @Override
    public synchronized boolean isRunning() {
        if (local == null) {
            return !closed;
        }
        ChildProcess process = local.process;
        return process != null && process.isAlive();
    }

    @Override
    public synchronized void stop() {
        L local = requireLocal("stop");
        ChildProcess process = local.process;
        if (process != null) {
            beforeStop(local, process);
            process.stop();
            local.process = null;
        }
    }

    @Override
    public synchronized void restart() {
        L local = requireOpenLocal("restart");
        stop();
        launch(local);
    }

    /**
     * Stops a local server, lets {@code wipe} delete its data, and starts it again on the same ports.
     *
     * @param wipe deletes the stopped server's data
     */
    final synchronized void restartWiped(Consumer<L> wipe) {
        L local = requireOpenLocal("restartWiped");
        stop();
        wipe.accept(local);
        launch(local);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (local != null) {
            stop();
            local.directory.close();
        }
    }

    /** The local process, or an explanation of why an external server cannot be {@code operation}-ed. */
    final L requireLocal(String operation) {
        if (local == null) {
            throw new UnsupportedOperationException("cannot " + operation + " " + product + " at " + address()
                    + ": it comes from " + TestEnvironment.overrideVariable(backend)
                    + " and the harness does not control it; check supportsRestart() first");
        }
        return local;
    }

    /** Starts one process of a server, with what is left of the readiness timeout. */
    @FunctionalInterface
    interface Launch {
        ChildProcess start(Duration remaining);
    }

    private static final Duration PORT_RETRY_PAUSE = Duration.ofMillis(100);

    /**
     * Starts a process on the server's fixed ports, retrying while its log says a port is still held (by the
     * previous process, which may keep it for a moment after it exits), until {@code timeout}.
     */
    final ChildProcess startOnSamePorts(Duration timeout, String portTaken, Launch launch) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return launch.start(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            } catch (ChildProcess.StartException e) {
                boolean taken = e.exitedBeforeReady() && e.logTail().contains(portTaken);
                if (!taken || System.nanoTime() + PORT_RETRY_PAUSE.toNanos() - deadline >= 0) {
                    throw e;
                }
            }
            try {
                Thread.sleep(PORT_RETRY_PAUSE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting to start " + product + " again", e);
            }
        }
    }

    /** As {@link #requireLocal}, and the server must not be closed. */
    final L requireOpenLocal(String operation) {
        L l = requireLocal(operation);
        if (closed) {
            throw new IllegalStateException("cannot " + operation + " " + this + ": it was closed");
        }
        return l;
    }
}
