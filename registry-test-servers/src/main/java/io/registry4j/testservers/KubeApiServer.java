package io.registry4j.testservers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.jspecify.annotations.Nullable;

/**
 * A real Kubernetes API server for tests: {@code kube-apiserver} built from the {@code k8s.io/kubernetes} Go module
 * (our build module in {@code servers/kube-apiserver}), as a child process on the harness' own etcd, or an existing
 * cluster named by {@code REGISTRY4J_TEST_KUBECONFIG}.
 *
 * <p>A local server listens on a free loopback port with TLS (its self-signed certificate, which clients of the tests
 * trust blindly), authenticates with a static token file (an admin in {@code system:masters}, and a user {@value
 * #RESTRICTED_USER} with no role, whose calls RBAC refuses with 403), signs service-account tokens with a key pair
 * generated here, and authorizes with RBAC. No controller manager, scheduler or kubelet runs: tests create pods through
 * the API and set their status (Ready, pod IP) through the status subresource. The {@code ServiceAccount} admission
 * plugin is off, since no controller creates the {@code default} service accounts. {@link #stop()} and {@link
 * #restart()} keep etcd and the ports; {@link #close()} also stops etcd.
 *
 * <p>Thread-safe; lifecycle methods are serialized.
 */
public final class KubeApiServer extends LocalProcessServer<KubeApiServer.Local> {
    /** {@code REGISTRY4J_TEST_KUBECONFIG} names a kubeconfig of an existing cluster. */
    public static final String BACKEND = "kubeconfig";

    /** The user of {@link #restrictedToken()}, who may do nothing RBAC does not grant every authenticated user. */
    public static final String RESTRICTED_USER = "registry4j-restricted";

    /** How long one start or restart may take: the API server installs all its APIs and bootstrap roles first. */
    public static final Duration READY_TIMEOUT = Duration.ofMinutes(2);

    /** The directory of our build module, relative to the repository root. */
    public static final String SOURCE_DIRECTORY = "servers/kube-apiserver";

    private static final String PORT_TAKEN = "address already in use";

    private final URI url;
    private final @Nullable Path kubeconfig;
    private final @Nullable String adminToken;
    private final @Nullable String restrictedToken;

    private KubeApiServer(
            URI url,
            @Nullable Path kubeconfig,
            @Nullable String adminToken,
            @Nullable String restrictedToken,
            @Nullable Local local) {
        super("kube-apiserver", BACKEND, local);
        this.url = url;
        this.kubeconfig = kubeconfig;
        this.adminToken = adminToken;
        this.restrictedToken = restrictedToken;
    }

    /**
     * Starts a local API server on a new etcd, or uses the cluster of {@code REGISTRY4J_TEST_KUBECONFIG}.
     *
     * @param binary the kube-apiserver binary (see {@link #binary(TestEnvironment)})
     * @return the server
     */
    public static KubeApiServer start(Path binary) {
        return start(TestEnvironment.system(), binary);
    }

    /**
     * The external cluster's kubeconfig, if {@code REGISTRY4J_TEST_KUBECONFIG} names one.
     *
     * @param environment the environment
     * @return the server on that cluster, or empty
     */
    public static Optional<KubeApiServer> external(TestEnvironment environment) {
        return environment.serverOverride(BACKEND).map(path -> {
            Path p = Path.of(path);
            if (!Files.isReadable(p)) {
                throw new IllegalArgumentException(TestEnvironment.overrideVariable(BACKEND)
                        + " must name a readable kubeconfig, not '" + path + "'");
            }
            return new KubeApiServer(URI.create("https://external"), p, null, null, null);
        });
    }

    /**
     * Starts a local API server with {@code binary} on a fresh etcd.
     *
     * @param environment the environment
     * @param binary the kube-apiserver binary
     * @return the server
     */
    public static KubeApiServer start(TestEnvironment environment, Path binary) {
        EtcdServer etcd = EtcdServer.start(environment);
        try {
            ScratchDirectory dir = ScratchDirectory.create("kube-apiserver");
            String admin = token();
            String restricted = token();
            Path tokens = dir.resolve("tokens.csv");
            Files.writeString(
                    tokens,
                    admin + ",registry4j-admin,uid-admin,\"system:masters\"\n" + restricted + "," + RESTRICTED_USER
                            + ",uid-restricted\n",
                    StandardCharsets.UTF_8);
            KeyPair keys = serviceAccountKeys();
            Path key = dir.resolve("sa.key");
            Path pub = dir.resolve("sa.pub");
            Files.writeString(key, pem("PRIVATE KEY", keys.getPrivate().getEncoded()), StandardCharsets.UTF_8);
            Files.writeString(pub, pem("PUBLIC KEY", keys.getPublic().getEncoded()), StandardCharsets.UTF_8);
            String host = LoopbackPorts.host();
            int port = LoopbackPorts.freePort();
            URI url = URI.create("https://" + host + ":" + port);
            Local local = new Local(binary, dir, etcd, port, tokens, key, pub, url, admin);
            KubeApiServer server = new KubeApiServer(url, null, admin, restricted, local);
            server.launch(local);
            return server;
        } catch (IOException e) {
            etcd.close();
            throw new UncheckedIOException("cannot prepare kube-apiserver", e);
        } catch (RuntimeException e) {
            etcd.close();
            throw e;
        }
    }

    /** Our build module: {@code k8s.io/kubernetes} at the version its go.mod pins, with the staging modules pinned. */
    public static final GoBuild BUILD =
            GoBuild.of("kube-apiserver", SOURCE_DIRECTORY).timeout(java.time.Duration.ofMinutes(40));

    /**
     * The kube-apiserver binary: {@code REGISTRY4J_TEST_KUBE_APISERVER} if set, else the cached build of {@link
     * #BUILD}, built first if needed (a cold build compiles all of Kubernetes' API server: many minutes).
     *
     * @param environment the environment
     * @return the binary
     */
    public static Path binary(TestEnvironment environment) {
        return BUILD.binary(environment);
    }

    private static String token() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static KeyPair serviceAccountKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no RSA", e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** The API server's URL, such as {@code https://127.0.0.1:41234}. */
    public URI url() {
        return url;
    }

    /** The external cluster's kubeconfig, or null for a local server. */
    public @Nullable Path externalKubeconfig() {
        return kubeconfig;
    }

    /** The admin's bearer token (group {@code system:masters}); null for an external cluster. */
    public @Nullable String adminToken() {
        return adminToken;
    }

    /** The bearer token of {@value #RESTRICTED_USER}; null for an external cluster. */
    public @Nullable String restrictedToken() {
        return restrictedToken;
    }

    /**
     * Writes a kubeconfig for the local server with this token (TLS verification off: the certificate is the
     * server's self-signed one), for clients such as the Kratos peer.
     *
     * @param token the bearer token
     * @param namespace the context's namespace
     * @return the file
     */
    public Path writeKubeconfig(String token, String namespace) {
        Local l = requireLocal("write a kubeconfig for");
        Path file = l.directory.resolve("kubeconfig-" + token.substring(0, 8) + "-" + namespace);
        String text = "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: " + url
                + "\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: " + token
                + "\ncontexts:\n- name: c\n  context:\n    cluster: test\n    user: u\n    namespace: " + namespace
                + "\ncurrent-context: c\n";
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** The etcd under a local server. */
    public EtcdServer etcd() {
        return requireLocal("reach the etcd of").etcd;
    }

    @Override
    String address() {
        return url.toString();
    }

    @Override
    public synchronized void close() {
        super.close();
        if (local != null) {
            local.etcd.close();
        }
    }

    @Override
    public String toString() {
        return "KubeApiServer{" + (local == null ? "external " + kubeconfig : url + ", " + local.directory) + "}";
    }

    @Override
    void launch(Local local) {
        local.process = startOnSamePorts(READY_TIMEOUT, PORT_TAKEN, remaining -> {
            local.launches++;
            return ChildProcess.builder(local.command())
                    .logFile(local.directory.resolve("kube-apiserver-" + local.launches + ".log"))
                    .readiness(local.readiness(), remaining)
                    .start();
        });
    }

    /** A TLS context that trusts the local server's self-signed certificate (and anything else). */
    static SSLContext trustAll() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(
                    null,
                    new TrustManager[] {
                        new X509TrustManager() {
                            @Override
                            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                            @Override
                            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                            @Override
                            public X509Certificate[] getAcceptedIssuers() {
                                return new X509Certificate[0];
                            }
                        }
                    },
                    new SecureRandom());
            return ctx;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What only a server this harness started has; its mutable fields are guarded by the server's lock. */
    static final class Local extends LocalProcessServer.Local {
        final Path binary;
        final EtcdServer etcd;
        final int port;
        final Path tokens;
        final Path key;
        final Path pub;
        final URI url;
        final String admin;
        int launches;

        Local(
                Path binary,
                ScratchDirectory directory,
                EtcdServer etcd,
                int port,
                Path tokens,
                Path key,
                Path pub,
                URI url,
                String admin) {
            super(directory);
            this.binary = binary;
            this.etcd = etcd;
            this.port = port;
            this.tokens = tokens;
            this.key = key;
            this.pub = pub;
            this.url = url;
            this.admin = admin;
        }

        List<String> command() {
            List<String> c = new ArrayList<>();
            c.add(binary.toString());
            c.add("--etcd-servers=" + etcd.endpoints());
            c.add("--bind-address=" + LoopbackPorts.host());
            c.add("--advertise-address=" + LoopbackPorts.host());
            c.add("--secure-port=" + port);
            c.add("--cert-dir=" + directory.resolve("certs"));
            c.add("--token-auth-file=" + tokens);
            c.add("--authorization-mode=RBAC");
            c.add("--service-account-key-file=" + pub);
            c.add("--service-account-signing-key-file=" + key);
            c.add("--service-account-issuer=https://kubernetes.default.svc.cluster.local");
            c.add("--service-cluster-ip-range=10.96.0.0/24");
            c.add("--disable-admission-plugins=ServiceAccount");
            // The kubernetes Service endpoint would be this loopback address, which the reconciler refuses.
            c.add("--endpoint-reconciler-type=none");
            c.add("--profiling=false");
            c.add("--v=0");
            return c;
        }

        ReadinessProbe readiness() {
            HttpClient client = HttpClient.newBuilder()
                    .sslContext(trustAll())
                    .connectTimeout(ReadinessProbe.HTTP_PROBE_TIMEOUT)
                    .version(HttpClient.Version.HTTP_1_1)
                    .build();
            HttpRequest request = HttpRequest.newBuilder(url.resolve("/readyz"))
                    .timeout(ReadinessProbe.HTTP_PROBE_TIMEOUT)
                    .header("Authorization", "Bearer " + admin)
                    .GET()
                    .build();
            return () -> {
                try {
                    HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
                    return r.statusCode() == 200;
                } catch (IOException notYet) {
                    return false;
                }
            };
        }
    }
}
