package io.registry4j.resilience;

import io.registry4j.testservers.NetworkNamespace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads a URL from inside a network namespace (with {@code curl}, run by {@code ip netns exec}), to ask a server what
 * it holds while its link to the test JVM is cut. Needs {@code curl} (Debian {@code curl}; {@code .ci/run} installs
 * it).
 */
final class InsideNamespace {
    private InsideNamespace() {}

    /** The body of a GET of {@code uri} from inside {@code namespace}, whatever the status; 3 s at most. */
    static String get(NetworkNamespace namespace, URI uri, String accept) {
        List<String> command = new ArrayList<>(namespace.execPrefix());
        command.addAll(List.of("curl", "-sS", "-m", "3", "-H", "Accept: " + accept, uri.toString()));
        try {
            Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
            curl.getOutputStream().close();
            String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!curl.waitFor(10, TimeUnit.SECONDS)) {
                curl.destroyForcibly();
                throw new IllegalStateException("curl " + uri + " inside " + namespace + " did not end");
            }
            if (curl.exitValue() != 0) {
                throw new IllegalStateException(
                        "curl " + uri + " inside " + namespace + " failed (" + curl.exitValue() + "): " + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command + " (is curl installed?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + uri, e);
        }
    }
}
