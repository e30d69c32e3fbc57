package io.registry4j.etcd;

import static io.registry4j.etcd.EtcdTestSupport.await;
import static io.registry4j.etcd.EtcdTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import io.registry4j.testservers.ChildProcess;
import io.registry4j.testservers.EtcdServer;
import io.registry4j.testservers.LoopbackPorts;
import io.registry4j.testservers.ScratchDirectory;
import io.registry4j.testservers.TestEnvironment;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Credentials and TLS against real etcd servers of this test's own: one with authentication enabled, one serving
 * https with a self-signed certificate made by the JDK's keytool (and asking for client certificates).
 */
@DisplayName("etcd credentials and TLS on real etcd servers")
class EtcdSecurityTest {
    private static final ServiceInstance X = ServiceInstance.builder()
            .id("x1")
            .name("secure")
            .endpoint("grpc://127.0.0.1:9000")
            .build();

    @Test
    @DisplayName("with authentication on, the right password works, a wrong or missing one is UNAUTHENTICATED, "
            + "and a read-only user is PERMISSION_DENIED")
    void credentials() throws Exception {
        try (EtcdServer server = EtcdServer.start()) {
            assumeFalse(server.isExternal(), "turns authentication on, which it must not do to REGISTRY4J_TEST_ETCD");
            try (Client admin = EtcdTestSupport.plainClient(server)) {
                var auth = admin.getAuthClient();
                await(auth.userAdd(bytes("root"), bytes("root-pw")));
                await(auth.roleAdd(bytes("root")));
                await(auth.userGrantRole(bytes("root"), bytes("root")));
                await(auth.userAdd(bytes("reader"), bytes("reader-pw")));
                await(auth.roleAdd(bytes("read-only")));
                await(auth.roleGrantPermission(bytes("read-only"), bytes("/"), bytes("\0"), Permission.Type.READ));
                await(auth.userGrantRole(bytes("reader"), bytes("read-only")));
                await(auth.authEnable());
            }
            String[] endpoints = server.endpoints().split(",");
            try (EtcdRegistry root = EtcdRegistry.builder()
                            .endpoints(endpoints)
                            .credentials("root", "root-pw")
                            .build();
                    EtcdRegistry wrong = EtcdRegistry.builder()
                            .endpoints(endpoints)
                            .credentials("root", "not-the-password")
                            .callTimeout(Duration.ofSeconds(5))
                            .build();
                    EtcdRegistry anonymous = EtcdRegistry.builder()
                            .endpoints(endpoints)
                            .callTimeout(Duration.ofSeconds(5))
                            .build();
                    EtcdRegistry reader = EtcdRegistry.builder()
                            .endpoints(endpoints)
                            .credentials("reader", "reader-pw")
                            .callTimeout(Duration.ofSeconds(5))
                            .build()) {
                root.register(X);
                assertThat(root.getService("secure")).containsExactly(X);
                assertThatThrownBy(() -> wrong.getService("secure"))
                        .isInstanceOfSatisfying(
                                RegistryException.class,
                                e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNAUTHENTICATED))
                        .hasMessageContaining("authentication failed for user root")
                        .hasMessageNotContaining("(no detail)");
                assertThatThrownBy(() -> wrong.register(X))
                        .isInstanceOfSatisfying(
                                RegistryException.class,
                                e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNAUTHENTICATED))
                        .hasMessageContaining("authentication failed for user root");
                assertThatThrownBy(() -> anonymous.getService("secure"))
                        .isInstanceOfSatisfying(
                                RegistryException.class,
                                e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNAUTHENTICATED))
                        .hasMessageContaining("authentication failed: the server asks for credentials")
                        .hasMessageContaining("add the options user=… and password=…");
                assertThat(reader.getService("secure")).containsExactly(X);
                assertThatThrownBy(() -> reader.register(X.toBuilder().id("x2").build()))
                        .isInstanceOfSatisfying(
                                RegistryException.class,
                                e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.PERMISSION_DENIED));
            }
        }
    }

    @Test
    @DisplayName("over TLS, a trusted server certificate and a client certificate connect; an untrusted server fails")
    void tls() throws Exception {
        TestEnvironment env = TestEnvironment.system();
        Path binary = env.findExecutable("etcd", List.of(Path.of("/usr/bin/etcd"), Path.of("/usr/local/bin/etcd")))
                .orElseThrow(() -> env.serverUnavailable("etcd server", "etcd", "apt-get install -y etcd-server"));
        try (ScratchDirectory dir = ScratchDirectory.create("etcd-tls")) {
            // One self-signed key pair serves as the server's certificate, the client's, and the authority of both:
            // keytool is a JVM start of its own, slow on a busy machine.
            Pem server = Pem.selfSigned(dir.path(), "etcd");
            Pem client = server;
            String host = LoopbackPorts.host();
            URI clientUrl = URI.create("https://" + host + ":" + LoopbackPorts.freePort());
            URI peerUrl = URI.create("http://" + host + ":" + LoopbackPorts.freePort());
            List<String> command = new ArrayList<>(List.of(
                    binary.toString(),
                    "--name",
                    "tls",
                    "--data-dir",
                    dir.resolve("data").toString(),
                    "--listen-client-urls",
                    clientUrl.toString(),
                    "--advertise-client-urls",
                    clientUrl.toString(),
                    "--listen-peer-urls",
                    peerUrl.toString(),
                    "--initial-advertise-peer-urls",
                    peerUrl.toString(),
                    "--initial-cluster",
                    "tls=" + peerUrl,
                    "--cert-file",
                    server.certificate.toString(),
                    "--key-file",
                    server.key.toString(),
                    "--client-cert-auth",
                    "--trusted-ca-file",
                    client.certificate.toString(),
                    "--log-level",
                    "warn",
                    "--logger",
                    "zap"));
            HttpClient probe = HttpClient.newBuilder()
                    .sslContext(sslTrusting(server, client))
                    .connectTimeout(Duration.ofSeconds(1))
                    .build();
            ChildProcess etcd = ChildProcess.builder(command)
                    .removeInheritedEnvironment("ETCD_")
                    .logFile(dir.resolve("etcd.log"))
                    .readiness(
                            () -> probe.send(
                                            HttpRequest.newBuilder(clientUrl.resolve("/health"))
                                                    .timeout(Duration.ofSeconds(1))
                                                    .build(),
                                            HttpResponse.BodyHandlers.ofString())
                                    .body()
                                    .contains("\"health\":\"true\""),
                            Duration.ofSeconds(20))
                    .start();
            try {
                try (EtcdRegistry trusted = EtcdRegistry.builder()
                        .endpoints(clientUrl.toString())
                        .trustedCertificates(server.certificate)
                        .clientCertificate(client.certificate, client.key)
                        .build()) {
                    trusted.register(X);
                    assertThat(trusted.getService("secure")).containsExactly(X);
                }
                try (EtcdRegistry untrusting = EtcdRegistry.builder()
                        .endpoints(clientUrl.toString())
                        .tls() // the JVM's default authorities, which do not know the self-signed server
                        .clientCertificate(client.certificate, client.key)
                        .callTimeout(Duration.ofMillis(1500))
                        .build()) {
                    assertThatThrownBy(() -> untrusting.getService("secure"))
                            .isInstanceOfSatisfying(
                                    RegistryException.class,
                                    e -> assertThat(e.isRetryable()).isTrue());
                }
            } finally {
                etcd.stop();
            }
        }
    }

    private static SSLContext sslTrusting(Pem server, Pem client) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", server.cert);
        var tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        var kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(client.store, Pem.PASSWORD);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ssl;
    }

    /** A self-signed certificate for 127.0.0.1 and its PKCS#8 key, as PEM files, made with the JDK's keytool. */
    private static final class Pem {
        static final char[] PASSWORD = "changeit".toCharArray();

        final Path certificate;
        final Path key;
        final Certificate cert;
        final KeyStore store;

        private Pem(Path certificate, Path key, Certificate cert, KeyStore store) {
            this.certificate = certificate;
            this.key = key;
            this.cert = cert;
            this.store = store;
        }

        static Pem selfSigned(Path dir, String name) throws Exception {
            Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
            Path p12 = dir.resolve(name + ".p12");
            Process p = new ProcessBuilder(
                            keytool.toString(),
                            "-genkeypair",
                            "-alias",
                            name,
                            "-keyalg",
                            "EC",
                            "-groupname",
                            "secp256r1",
                            "-dname",
                            "CN=" + name,
                            "-ext",
                            "SAN=ip:127.0.0.1,dns:localhost",
                            "-validity",
                            "2",
                            "-storetype",
                            "PKCS12",
                            "-keystore",
                            p12.toString(),
                            "-storepass",
                            new String(PASSWORD),
                            "-keypass",
                            new String(PASSWORD))
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve(name + ".keytool.log").toFile())
                    .start();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
            assertThat(p.exitValue())
                    .as("keytool exit code, see " + name + ".keytool.log")
                    .isZero();
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(p12)) {
                store.load(in, PASSWORD);
            }
            Certificate cert = store.getCertificate(name);
            var privateKey = store.getKey(name, PASSWORD);
            Path certificate = dir.resolve(name + ".pem");
            Path key = dir.resolve(name + "-key.pem");
            Files.writeString(certificate, pem("CERTIFICATE", cert.getEncoded()), StandardCharsets.US_ASCII);
            Files.writeString(key, pem("PRIVATE KEY", privateKey.getEncoded()), StandardCharsets.US_ASCII);
            return new Pem(certificate, key, cert, store);
        }

        private static String pem(String type, byte[] der) {
            return "-----BEGIN " + type + "-----\n"
                    + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                    + "\n-----END " + type + "-----\n";
        }
    }
}
