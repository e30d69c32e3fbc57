package io.registry4j.cli;

import io.registry4j.Registries;
import io.registry4j.RegistryException;
import io.registry4j.ServiceRegistry;
import io.registry4j.spi.RegistryProvider;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.SortedSet;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * The options of every command that talks to a registry: which one ({@code --registry URL}, else
 * {@code REGISTRY4J_URL}) and how long to wait for it ({@code --timeout}).
 *
 * <p>Design: opening goes through {@link Registries#open(URI)} and the provider SPI, so every backend on the class
 * path is reachable by its scheme and nothing here knows a backend. What can go wrong before the backend is even
 * asked (no URL, not a URL, an unknown scheme) is checked first and reported as a usage error with an example; what
 * the backend rejects ({@code INVALID_ARGUMENT}: an unknown option, a bad value) is a usage error too; anything else
 * is a runtime error.
 */
final class RegistryOptions {
    /** Shown in messages and help. */
    static final String EXAMPLE = "etcd://127.0.0.1:2379";

    /** Bound of each wait when {@code --timeout} is not given. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    @Option(
            names = {"-r", "--registry"},
            paramLabel = "URL",
            description = "Registry URL: scheme://host:port?option=value, for example"
                    + " etcd://127.0.0.1:2379 (schemes: see 'registry4j --version'). Default: the REGISTRY4J_URL"
                    + " environment variable.")
    @Nullable
    String url;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            converter = Durations.class,
            description = "How long to wait for each answer of the registry, such as 5s or 500ms. Default: 10s.")
    Duration timeout = DEFAULT_TIMEOUT;

    RegistryOptions() {}

    /**
     * The registry URL as the user gave it.
     *
     * @throws CliException of {@link CliException#USAGE} if neither {@code --registry} nor {@code REGISTRY4J_URL} is
     *     given
     */
    String url(Cli cli) {
        String given = url;
        if (given == null || given.isBlank()) {
            given = cli.env(Cli.URL_VARIABLE);
        }
        if (given == null || given.isBlank()) {
            throw CliException.usage(
                    "no registry given: pass --registry URL (such as " + EXAMPLE + ") or set " + Cli.URL_VARIABLE);
        }
        return given.strip();
    }

    /**
     * The URL as commands print it: a password in the user info or in a {@code password}, {@code secret} or
     * {@code token} option is masked, so that terminal logs and CI output do not keep it.
     */
    static String display(String url) {
        String masked = url.replaceFirst("(://[^/@:?#\\s]*:)[^@/?#\\s]*@", "$1***@");
        // Only the value: it ends at the next option, a fragment, whitespace, or a punctuation mark that ends the
        // URL in a sentence ("…password=***: authentication failed"); the text after it is kept.
        return masked.replaceAll(
                "(?i)([?&](?:password|secret|token)=)[^&#\\s]*?(?=[&#\\s]|[:;,.)](?:\\s|$)|$)", "$1***");
    }

    /**
     * Opens the registry: checks the URL, finds the backend by scheme, and opens it within {@code --timeout}.
     *
     * @return an open registry; the caller closes it
     * @throws CliException for a missing or bad URL, an unknown scheme, a rejected option, or no answer in time
     */
    ServiceRegistry open(Cli cli) {
        String given = url(cli);
        URI uri = parse(given);
        String text = display(given);
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        SortedSet<String> known = knownSchemes();
        if (!known.contains(scheme)) {
            throw CliException.usage("unknown registry scheme '" + scheme + "' in " + text + "; this registry4j knows "
                    + schemeList(known) + " (for example " + EXAMPLE + ")");
        }
        try {
            return Bounded.call(timeout, "opening " + text, () -> Registries.open(uri));
        } catch (RegistryException e) {
            throw failure("cannot open " + text, e);
        }
    }

    static URI parse(String given) {
        String text = display(given);
        URI uri;
        try {
            uri = new URI(given);
        } catch (URISyntaxException e) {
            throw CliException.usage(
                    "registry URL '" + text + "' is not a URL (" + e.getReason() + " at index " + e.getIndex()
                            + "); write scheme://host:port, such as " + EXAMPLE,
                    e);
        }
        if (uri.getScheme() == null || uri.isOpaque()) {
            throw CliException.usage("registry URL '" + text + "' has no scheme://; write scheme://host:port, such as "
                    + EXAMPLE + " (schemes: " + schemeList(knownSchemes()) + ")");
        }
        return uri;
    }

    /** The schemes of every backend on the class path. */
    static SortedSet<String> knownSchemes() {
        SortedSet<String> schemes = new TreeSet<>();
        for (RegistryProvider p : Registries.providers()) {
            if (p.isAvailable()) {
                schemes.addAll(p.schemes());
            }
        }
        return schemes;
    }

    static String schemeList(SortedSet<String> schemes) {
        if (schemes.isEmpty()) {
            return "no scheme: no backend is on the class path";
        }
        return String.join(", ", schemes.stream().map(s -> s + "://").toList());
    }

    /** Turns a registry failure into the command line's error: usage for invalid arguments, runtime otherwise. */
    static CliException failure(String what, RegistryException e) {
        String message = display(what + ": " + Errors.describe(e));
        if (e.kind() == RegistryException.Kind.INVALID_ARGUMENT) {
            return CliException.usage(message, e);
        }
        if (e.kind() == RegistryException.Kind.UNAVAILABLE || e.kind() == RegistryException.Kind.TIMEOUT) {
            return CliException.runtime(message + "; check that the server runs and the address is right", e);
        }
        return CliException.runtime(message, e);
    }
}
