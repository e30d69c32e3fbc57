package io.registry4j.http.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * The builder settings every registry on a REST API has (server addresses, token, TLS, call timeout, a client of the
 * user's), checked one way, with messages that name the registry class, the setting and the bad value (a token is
 * never quoted).
 *
 * <p>Design: a backend's public {@code Builder} keeps its own documented setters and delegates to one instance of
 * this, so that the checks and the choice of HTTP client are written once. Not thread-safe, like the builder that
 * holds it.
 */
public final class HttpSettings {
    private final String owner;
    private final URI example;
    private Duration callTimeout;
    private @Nullable String token;
    private @Nullable SSLContext sslContext;
    private @Nullable HttpClient httpClient;

    /**
     * Creates the settings.
     *
     * @param owner the registry class's simple name, for messages, such as {@code ConsulRegistry}
     * @param example the default address, shown in messages as an example
     * @param callTimeout the default call timeout
     */
    public HttpSettings(String owner, URI example, Duration callTimeout) {
        this.owner = Objects.requireNonNull(owner, "owner");
        this.example = Objects.requireNonNull(example, "example");
        this.callTimeout = Objects.requireNonNull(callTimeout, "callTimeout");
    }

    /**
     * Parses one address given as text.
     *
     * @param text an {@code http} or {@code https} URL with host and port, or {@code host:port}
     * @return the address, as {@link #checkAddress} returns it
     * @throws IllegalArgumentException if it is neither; the message quotes it
     */
    public URI parseAddress(String text) {
        Objects.requireNonNull(text, "url");
        String u = text.strip();
        try {
            return checkAddress(new URI(u.contains("://") ? u : "http://" + u));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    owner + " address must be a URL like " + example + ", got '" + text + "'", e);
        }
    }

    /**
     * Parses a comma-separated list of addresses.
     *
     * @param text addresses as {@link #parseAddress} takes them, separated by commas
     * @return the addresses, in the given order
     * @throws IllegalArgumentException if one is not an address; the message quotes it
     */
    public List<URI> parseAddresses(String text) {
        Objects.requireNonNull(text, "urls");
        var list = new ArrayList<URI>();
        for (String u : text.split(",", -1)) {
            list.add(parseAddress(u));
        }
        return List.copyOf(list);
    }

    /**
     * Checks a list of addresses.
     *
     * @param urls addresses as {@link #checkAddress} takes them
     * @return the checked addresses, in the given order
     * @throws IllegalArgumentException if the list is empty or one is not an address
     */
    public List<URI> checkAddresses(List<URI> urls) {
        Objects.requireNonNull(urls, "urls");
        if (urls.isEmpty()) {
            throw new IllegalArgumentException(owner + " needs at least one address");
        }
        var list = new ArrayList<URI>();
        urls.forEach(u -> list.add(checkAddress(Objects.requireNonNull(u, "url"))));
        return List.copyOf(list);
    }

    /**
     * Checks one address: an {@code http} or {@code https} URL with host and port, without path, query or user info
     * (credentials go in headers, never in a URL).
     *
     * @param url the address
     * @return it as {@code scheme://host:port}, the scheme in lower case
     * @throws IllegalArgumentException if it is not such a URL
     */
    public URI checkAddress(URI url) {
        Objects.requireNonNull(url, "url");
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException(
                    owner + " address must be an http or https URL, like " + example + ", got '" + url + "'");
        }
        if (url.getHost() == null || url.getPort() < 1) {
            throw new IllegalArgumentException(
                    owner + " address must name a host and a port, like " + example + ", got '" + url + "'");
        }
        String path = url.getRawPath();
        if ((path != null && !path.isEmpty() && !path.equals("/"))
                || url.getRawQuery() != null
                || url.getRawFragment() != null
                || url.getRawUserInfo() != null) {
            throw new IllegalArgumentException(owner + " address must have no path, query or user info"
                    + " (give the token with token(...)), got '" + scheme + "://" + url.getHost() + ":"
                    + url.getPort() + "...'");
        }
        return URI.create(scheme + "://" + url.getHost() + ":" + url.getPort());
    }

    /**
     * Sets the token.
     *
     * @param token the token
     * @throws IllegalArgumentException if it is blank or holds a control character (its value is not quoted)
     */
    public void token(String token) {
        Objects.requireNonNull(token, "token");
        if (token.isBlank() || token.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException(
                    owner + " token must be non-blank without control characters, got '***'");
        }
        this.token = token;
    }

    /**
     * The token.
     *
     * @return the token, or null if none was set
     */
    public @Nullable String token() {
        return token;
    }

    /**
     * Sets the TLS settings of a client the registry creates.
     *
     * @param context the TLS context
     */
    public void sslContext(SSLContext context) {
        this.sslContext = Objects.requireNonNull(context, "context");
    }

    /**
     * Sets a client of the user's, used instead of one the registry creates, and never closed by it.
     *
     * @param client the client
     */
    public void httpClient(HttpClient client) {
        this.httpClient = Objects.requireNonNull(client, "client");
    }

    /**
     * Sets the bound of every call.
     *
     * @param timeout a positive duration
     * @throws IllegalArgumentException if it is not positive
     */
    public void callTimeout(Duration timeout) {
        this.callTimeout = positive("callTimeout", timeout);
    }

    /**
     * The bound of every call.
     *
     * @return the call timeout
     */
    public Duration callTimeout() {
        return callTimeout;
    }

    /**
     * Checks that a duration setting is positive.
     *
     * @param what the setting's name, for the message
     * @param d the duration
     * @return the duration
     * @throws IllegalArgumentException if it is zero or negative
     */
    public Duration positive(String what, Duration d) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(owner + " " + what + " must be positive, got " + d);
        }
        return d;
    }

    /**
     * Creates the registry's own client, unless the user gave one.
     *
     * @param backend the backend name, for thread names
     * @return a new client, connecting within the call timeout with the TLS settings; or null if the user gave one
     */
    public @Nullable OwnedHttpClient ownClient(String backend) {
        return httpClient == null ? new OwnedHttpClient(backend, callTimeout, sslContext) : null;
    }

    /**
     * The client to send with.
     *
     * @param own what {@link #ownClient} returned
     * @return its client, or the user's
     */
    public HttpClient client(@Nullable OwnedHttpClient own) {
        return own != null ? own.client() : Objects.requireNonNull(httpClient, "httpClient");
    }
}
