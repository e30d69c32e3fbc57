package io.registry4j;

import java.net.URI;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The host and port of an instance endpoint, parsed from the URI's authority by registry4j itself.
 *
 * <p>{@link URI#getHost()} follows RFC 2396 and returns null for host names with an underscore (Docker Compose
 * service names such as {@code my_service}), which Kratos, Go's {@code net/url} and DNS resolvers accept. Backends
 * and the portable checks of {@link ServiceInstance} use these methods instead. A host is an IP literal in brackets
 * ({@code [::1]}, kept with its brackets as {@link URI#getHost()} does) or a name of ASCII letters, digits, {@code
 * .}, {@code -} and {@code _}; a port is 1 to 5 digits. Stateless and thread-safe.
 */
public final class Endpoints {
    private Endpoints() {}

    /**
     * The host of an endpoint.
     *
     * @param endpoint the endpoint, such as {@code grpc://my_service:9000}
     * @return the host, such as {@code my_service} or {@code [::1]}; null if the endpoint has no authority or its
     *     authority is not {@code [user-info@]host[:port]} with a valid host and port
     */
    public static @Nullable String host(URI endpoint) {
        String[] hp = parse(endpoint);
        return hp == null ? null : hp[0];
    }

    /**
     * The port of an endpoint.
     *
     * @param endpoint the endpoint, such as {@code grpc://my_service:9000}
     * @return the port, or -1 if it has none or {@link #host} is null
     */
    public static int port(URI endpoint) {
        String[] hp = parse(endpoint);
        return hp == null || hp[1].isEmpty() ? -1 : Integer.parseInt(hp[1]);
    }

    /**
     * Tells whether an endpoint carries user info, such as credentials in {@code http://admin:pw@h:80}.
     *
     * @param endpoint the endpoint
     * @return true if its authority has an {@code @}
     */
    public static boolean hasUserInfo(URI endpoint) {
        String authority = endpoint.getRawAuthority();
        return authority != null && authority.indexOf('@') >= 0;
    }

    /**
     * The endpoint as safe to print: user info replaced by {@code ***}.
     *
     * @param endpoint the endpoint
     * @return the printable form
     */
    public static String redact(URI endpoint) {
        String text = endpoint.toString();
        String authority = endpoint.getRawAuthority();
        if (authority == null) {
            return text;
        }
        int at = authority.lastIndexOf('@');
        if (at < 0) {
            return text;
        }
        return text.replace(authority, "***" + authority.substring(at));
    }

    private static String @Nullable [] parse(URI endpoint) {
        Objects.requireNonNull(endpoint, "endpoint");
        String authority = endpoint.getRawAuthority();
        if (authority == null) {
            return null;
        }
        String hostPort = authority.substring(authority.lastIndexOf('@') + 1);
        String host;
        String rest;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            if (close < 2 || !validLiteral(hostPort.substring(1, close))) {
                return null;
            }
            host = hostPort.substring(0, close + 1);
            rest = hostPort.substring(close + 1);
        } else {
            int colon = hostPort.indexOf(':');
            host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            rest = colon < 0 ? "" : hostPort.substring(colon);
            if (!validName(host)) {
                return null;
            }
        }
        if (rest.isEmpty()) {
            return new String[] {host, ""};
        }
        String port = rest.substring(1);
        if (rest.charAt(0) != ':' || port.isEmpty() || port.length() > 5 || !digits(port)) {
            return null;
        }
        return new String[] {host, port};
    }

    private static boolean validName(String host) {
        if (host.isEmpty()) {
            return false;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '.'
                    || c == '-'
                    || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean validLiteral(String literal) {
        // An IPv6 address (hex digits, ':' and '.'), optionally with a %-encoded zone, or an IPvFuture literal.
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            boolean ok = Character.digit(c, 16) >= 0
                    || c == ':'
                    || c == '.'
                    || c == '%'
                    || c == '_'
                    || c == '-'
                    || c == '~'
                    || (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z');
            if (!ok) {
                return false;
            }
        }
        return literal.indexOf(':') >= 0;
    }

    private static boolean digits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
