package io.registry4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.registry4j.testservers.EtcdServer;
import io.registry4j.testservers.LoopbackPorts;
import io.registry4j.testservers.TestTime;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Ctrl-C on {@code register}, with real signals sent to the command line in a child JVM: the first one deregisters
 * and says so at once, a second one quits without waiting, and the exit code tells the outcomes apart (130 cleaned
 * up, 1 deregistration failed, 3 quit by the second Ctrl-C). The server is reached through a proxy that can swallow
 * everything, as a server that hangs or a network that drops packets would.
 */
@DisplayName("Ctrl-C on register, with real signals")
class CtrlCTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static EtcdServer server;

    @BeforeAll
    static void startEtcd() {
        server = EtcdServer.start();
    }

    @AfterAll
    static void stopEtcd() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @DisplayName("one Ctrl-C with the server up: 'deregistering…' at once, then deregistered, exit 130")
    void oneCtrlCDeregistersAndExits130() throws Exception {
        try (var proxy = new Proxy(server.clientEndpoint().getPort());
                var child = Child.register(proxy.url(), "c-1", "10s")) {
            child.awaitOut("registered ctrlc/c-1");
            child.signal();
            child.awaitOut("deregistering ctrlc/c-1… (Ctrl-C again to quit now; its lease expires within 15 s)");
            assertThat(child.exit()).as(child.all()).isEqualTo(CliException.INTERRUPTED);
            assertThat(child.out()).contains("deregistered ctrlc/c-1");
        }
    }

    @Test
    @DisplayName("one Ctrl-C with the server hanging: 'deregistering…' at once, then a failure, exit 1")
    void oneCtrlCWithTheServerHangingFailsWithExit1() throws Exception {
        try (var proxy = new Proxy(server.clientEndpoint().getPort());
                var child = Child.register(proxy.url(), "c-2", "3s")) {
            child.awaitOut("registered ctrlc/c-2");
            proxy.blackHole();
            child.signal();
            child.awaitOut("deregistering ctrlc/c-2…");
            assertThat(child.exit()).as(child.all()).isEqualTo(CliException.RUNTIME);
            assertThat(child.err()).contains("deregister");
        }
    }

    @Test
    @DisplayName("a second Ctrl-C while deregistration hangs quits at once, says what stays, exit 3")
    void secondCtrlCQuitsNow() throws Exception {
        try (var proxy = new Proxy(server.clientEndpoint().getPort());
                var child = Child.register(proxy.url(), "c-3", "120s")) {
            child.awaitOut("registered ctrlc/c-3");
            proxy.blackHole();
            child.signal();
            child.awaitOut("deregistering ctrlc/c-3…");
            child.signal();
            assertThat(child.exit()).as(child.all()).isEqualTo(CliException.QUIT);
            assertThat(child.err())
                    .contains("quitting now; ctrlc/c-3 stays registered in")
                    .contains("its lease expires within 15 s");
        }
    }

    /** The command line in a child JVM, with SIGINT at its default (a background shell may have ignored it). */
    private static final class Child implements AutoCloseable {
        private final Process process;
        private final List<String> out = new CopyOnWriteArrayList<>();
        private final List<String> err = new CopyOnWriteArrayList<>();
        private final Thread outPump;
        private final Thread errPump;

        private Child(Process process) {
            this.process = process;
            outPump = pump(process.getInputStream(), out);
            errPump = pump(process.getErrorStream(), err);
        }

        static Child register(String url, String id, String timeout) throws IOException {
            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            List<String> command = new ArrayList<>();
            if (Files.isExecutable(Path.of("/usr/bin/env"))) {
                command.addAll(List.of("/usr/bin/env", "--default-signal=INT"));
            }
            command.addAll(List.of(
                    java,
                    "-cp",
                    classPath,
                    Main.class.getName(),
                    "register",
                    "--name",
                    "ctrlc",
                    "--id",
                    id,
                    "--endpoint",
                    "grpc://127.0.0.1:9000",
                    "--timeout",
                    timeout,
                    "-r",
                    url));
            return new Child(new ProcessBuilder(command).start());
        }

        private static Thread pump(InputStream in, List<String> lines) {
            Thread t = new Thread(
                    () -> {
                        try (var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                            for (String line; (line = r.readLine()) != null; ) {
                                lines.add(line);
                            }
                        } catch (IOException e) {
                            lines.add("(reading failed: " + e + ")");
                        }
                    },
                    "ctrlc-test-pump");
            t.setDaemon(true);
            t.start();
            return t;
        }

        void awaitOut(String text) {
            await("the child to print '" + text + "'")
                    .atMost(TestTime.scaled(WAIT))
                    .pollInterval(Duration.ofMillis(50))
                    // The pump ends once it has read the last line of a child that ended.
                    .until(() -> out().contains(text) || !outPump.isAlive());
            assertThat(out()).as(all()).contains(text);
        }

        void signal() throws Exception {
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start();
            assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(kill.exitValue()).as("kill -INT").isZero();
        }

        int exit() throws Exception {
            assertThat(process.waitFor(TestTime.scaled(WAIT).toMillis(), TimeUnit.MILLISECONDS))
                    .as("the child ends: " + all())
                    .isTrue();
            // What the child printed last is read after it ended.
            await("the child's output to be read")
                    .atMost(TestTime.scaled(WAIT))
                    .until(() -> !outPump.isAlive() && !errPump.isAlive());
            return process.exitValue();
        }

        String out() {
            return String.join("\n", out);
        }

        String err() {
            return String.join("\n", err);
        }

        String all() {
            return "--- out ---\n" + out() + "\n--- err ---\n" + err();
        }

        @Override
        public void close() {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A TCP proxy to the server that can stop forwarding while keeping every connection open. */
    private static final class Proxy implements AutoCloseable {
        private final ServerSocket listener;
        private final int target;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private volatile boolean blackHole;

        Proxy(int target) throws IOException {
            this.target = target;
            this.listener = new ServerSocket();
            listener.bind(new InetSocketAddress(LoopbackPorts.host(), 0));
            Thread accept = new Thread(this::accept, "ctrlc-test-proxy");
            accept.setDaemon(true);
            accept.start();
        }

        String url() {
            return "etcd://" + LoopbackPorts.host() + ":" + listener.getLocalPort();
        }

        void blackHole() {
            blackHole = true;
        }

        private void accept() {
            while (!listener.isClosed()) {
                try {
                    Socket client = listener.accept();
                    Socket upstream = new Socket(LoopbackPorts.host(), target);
                    sockets.add(client);
                    sockets.add(upstream);
                    copy(client, upstream);
                    copy(upstream, client);
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void copy(Socket from, Socket to) {
            Thread t = new Thread(
                    () -> {
                        byte[] buffer = new byte[8192];
                        try (InputStream in = from.getInputStream()) {
                            OutputStream o = to.getOutputStream();
                            for (int n; (n = in.read(buffer)) >= 0; ) {
                                if (!blackHole) {
                                    o.write(buffer, 0, n);
                                    o.flush();
                                }
                            }
                        } catch (IOException e) {
                            // The connection ended.
                        }
                    },
                    "ctrlc-test-copy");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
