package io.registry4j.http.internal;

import io.registry4j.spi.RegistryThreads;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * An {@link HttpClient} a registry creates for itself, with its executor, so that closing the registry ends its
 * threads.
 *
 * <p>Design: the client only runs short completions on its executor (no call blocks there), so two threads named
 * {@code registry4j-<backend>-http-N} do; they time out when idle, and a registry never grows threads with its
 * watchers or instances (a blocking query waiting on the server holds a connection, not a thread). HTTP/1.1 is
 * forced, so that a plain-HTTP server never sees an h2c upgrade; redirects are not followed.
 *
 * <p>Thread-safe.
 */
public final class OwnedHttpClient {
    private static final int THREADS = 2;

    private final HttpClient client;
    private final ThreadPoolExecutor executor;

    /**
     * Creates the client.
     *
     * @param backend the backend name, for thread names
     * @param connectTimeout bound of opening a connection
     * @param sslContext TLS settings, or null for the JDK's defaults
     */
    public OwnedHttpClient(String backend, Duration connectTimeout, @Nullable SSLContext sslContext) {
        Objects.requireNonNull(backend, "backend");
        executor = new ThreadPoolExecutor(
                THREADS,
                THREADS,
                30,
                TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                RegistryThreads.factory(backend, "http"));
        executor.allowCoreThreadTimeOut(true);
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor);
        if (sslContext != null) {
            b.sslContext(sslContext);
        }
        client = b.build();
    }

    /**
     * The client.
     *
     * @return the client
     */
    public HttpClient client() {
        return client;
    }

    /**
     * Lets the client's last completions finish; its idle threads end now. From JDK 21 the client is
     * {@link AutoCloseable} and closing it ends its selector thread at once; on JDK 17 that thread ends when the
     * client is garbage-collected ({@code RegistryLeakCheck} names it).
     */
    public void close() {
        executor.shutdown();
        if (client instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                System.getLogger(OwnedHttpClient.class.getName())
                        .log(System.Logger.Level.DEBUG, "closing the HTTP client failed: " + e);
            }
        }
    }
}
