package io.registry4j.spi;

import io.registry4j.RegistryException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A registry URL taken apart: {@code scheme://host:port[,host:port…][/path][?option=value&…]}.
 *
 * <p>Option getters convert values and fail with a {@link RegistryException} of kind {@code INVALID_ARGUMENT} that
 * names the option, the value and the URL. Immutable and thread-safe.
 */
public final class RegistryUri {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private final URI uri;
    private final String scheme;
    private final String authority;
    private final String path;
    private final Map<String, String> options;

    private RegistryUri(URI uri, String scheme, String authority, String path, Map<String, String> options) {
        this.uri = uri;
        this.scheme = scheme;
        this.authority = authority;
        this.path = path;
        this.options = options;
    }

    /**
     * Parses a registry URL.
     *
     * @param uri the URL, such as {@code etcd://127.0.0.1:2379?ttl=15s}
     * @return the parsed URL
     * @throws RegistryException of kind {@code INVALID_ARGUMENT} if it has no scheme, is opaque, or repeats an option
     */
    public static RegistryUri parse(URI uri) {
        Objects.requireNonNull(uri, "uri");
        String scheme = uri.getScheme();
        if (scheme == null || uri.isOpaque()) {
            throw new RegistryException(
                    RegistryException.Kind.INVALID_ARGUMENT,
                    "registry4j",
                    "registry URL must look like scheme://host:port?option=value, got '" + redact(uri) + "'");
        }
        scheme = scheme.toLowerCase(Locale.ROOT);
        String authority = Objects.requireNonNullElse(uri.getRawAuthority(), "");
        String path = Objects.requireNonNullElse(uri.getPath(), "");
        var options = new LinkedHashMap<String, String>();
        String query = uri.getRawQuery();
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&", -1)) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                if (options.put(key, value) != null) {
                    throw new RegistryException(
                            RegistryException.Kind.INVALID_ARGUMENT,
                            scheme,
                            "option '" + key + "' is given twice in " + redact(uri));
                }
            }
        }
        return new RegistryUri(uri, scheme, authority, path, Collections.unmodifiableMap(options));
    }

    /**
     * Decodes the %-escapes of a query part as UTF-8. Unlike {@link java.net.URLDecoder} (HTML forms), a {@code +}
     * stays a {@code +}: in a URI it is a literal character, and a password such as {@code ab+cd} must arrive intact.
     */
    private static String decode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        var bytes = new java.io.ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '%') {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                continue;
            }
            int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
            int lo = hi < 0 ? -1 : Character.digit(s.charAt(i + 2), 16);
            if (lo < 0) {
                // The part may hold a secret: say where the bad escape is, not what the part is.
                throw new RegistryException(
                        RegistryException.Kind.INVALID_ARGUMENT,
                        "registry4j",
                        "registry URL has a bad %-escape in an option at offset " + i + " of its name or value");
            }
            bytes.write(hi * 16 + lo);
            i += 2;
        }
        var decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        try {
            return decoder.decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new AssertionError("a REPLACE decoder does not throw", e);
        }
    }

    /**
     * The URL as safe to print: the user-info part and the values of options that look like secrets
     * ({@code password}, {@code secret}, {@code token}, {@code key}) are replaced by {@code ***}.
     *
     * @param uri the URL
     * @return the printable form
     */
    public static String redact(URI uri) {
        String text = uri.toString();
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            text = text.replace(userInfo + "@", "***@");
        }
        return redact(text);
    }

    /**
     * A URL that may not even parse, as safe to print: everything between {@code ://} and the last {@code @} (user
     * info, which may itself hold {@code @}, {@code /} or spaces when the URL does not parse), and the values of
     * options that look like secrets, are replaced by {@code ***}.
     *
     * @param url the URL text
     * @return the printable form
     */
    public static String redact(String url) {
        String text = USER_INFO.matcher(url).replaceFirst("$1***@");
        return SECRET_OPTION.matcher(text).replaceAll("$1=***");
    }

    private static final Pattern USER_INFO = Pattern.compile("^([^:/?#]*://).*@", Pattern.DOTALL);

    private static final Pattern SECRET_OPTION =
            Pattern.compile("(?i)([?&][^=&]*(?:password|secret|token|key)[^=&]*)=[^&]*");

    /** A message subject naming one option whose value is a secret, such as {@code option 'password'}. */
    private static final Pattern SECRET_NAME =
            Pattern.compile("(?i)^option '[^']*(?:password|secret|token|key)[^']*'$");

    /**
     * The whole URL as given.
     *
     * @return the URL
     */
    public URI uri() {
        return uri;
    }

    /**
     * The scheme, lower case.
     *
     * @return the scheme
     */
    public String scheme() {
        return scheme;
    }

    /**
     * The raw authority, such as {@code h1:2379,h2:2379}; empty if there is none.
     *
     * @return the authority
     */
    public String authority() {
        return authority;
    }

    /**
     * The authority split at commas: one {@code host:port} (or {@code host}) per server, in order.
     *
     * @return the servers, empty if the URL names none
     */
    public List<String> hosts() {
        if (authority.isEmpty()) {
            return List.of();
        }
        var hosts = new ArrayList<String>();
        for (String h : authority.split(",", -1)) {
            if (h.isBlank()) {
                throw invalid("host list", authority, "has an empty entry");
            }
            hosts.add(h.strip());
        }
        return List.copyOf(hosts);
    }

    /**
     * The path, decoded, such as {@code /eureka}; empty if there is none.
     *
     * @return the path
     */
    public String path() {
        return path;
    }

    /**
     * All options in the order given.
     *
     * @return option names to values
     */
    public Map<String, String> options() {
        return options;
    }

    /**
     * One option's raw value.
     *
     * @param name the option
     * @return its value, if given
     */
    public Optional<String> option(String name) {
        return Optional.ofNullable(options.get(name));
    }

    /**
     * A string option.
     *
     * @param name the option
     * @param defaultValue the value if it is not given
     * @return the value
     */
    public String string(String name, String defaultValue) {
        return options.getOrDefault(name, defaultValue);
    }

    /**
     * A duration option, written {@code 500ms}, {@code 15s}, {@code 2m}, {@code 1h}, {@code 1d} or ISO-8601
     * ({@code PT15S}).
     *
     * @param name the option
     * @param defaultValue the value if it is not given
     * @return the value
     * @throws RegistryException of kind {@code INVALID_ARGUMENT} if the value is not a duration or is negative (a zero
     *     duration is returned: whether it means "off" or is invalid is the option's to say)
     */
    public Duration duration(String name, Duration defaultValue) {
        String v = options.get(name);
        return v == null ? defaultValue : parseDuration(name, v);
    }

    /**
     * An integer option.
     *
     * @param name the option
     * @param defaultValue the value if it is not given
     * @return the value
     * @throws RegistryException of kind {@code INVALID_ARGUMENT} if the value is not an integer
     */
    public int integer(String name, int defaultValue) {
        String v = options.get(name);
        if (v == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw invalid("option '" + name + "'", v, "must be an integer");
        }
    }

    /**
     * A boolean option: {@code true} or {@code false}; a bare {@code ?name} means true.
     *
     * @param name the option
     * @param defaultValue the value if it is not given
     * @return the value
     * @throws RegistryException of kind {@code INVALID_ARGUMENT} if the value is neither
     */
    public boolean bool(String name, boolean defaultValue) {
        String v = options.get(name);
        if (v == null) {
            return defaultValue;
        }
        return switch (v.strip().toLowerCase(Locale.ROOT)) {
            case "", "true" -> true;
            case "false" -> false;
            default -> throw invalid("option '" + name + "'", v, "must be true or false");
        };
    }

    /**
     * Parses a duration written as for {@link #duration}.
     *
     * @param what the option name, for the message
     * @param value the text
     * @return the duration
     * @throws RegistryException of kind {@code INVALID_ARGUMENT} if the value is not a duration or is negative
     */
    public Duration parseDuration(String what, String value) {
        String v = value.strip();
        Matcher m = DURATION.matcher(v);
        try {
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            }
            Duration d = Duration.parse(v);
            if (d.isNegative()) {
                throw invalid("option '" + what + "'", value, "must not be negative");
            }
            return d;
        } catch (NumberFormatException | ArithmeticException | DateTimeParseException e) {
            throw invalid("option '" + what + "'", value, "must be a duration like 500ms, 15s, 2m or PT15S");
        }
    }

    /**
     * Builds the exception for an invalid value in this URL.
     *
     * @param what what the value is, such as {@code option 'ttl'}
     * @param value the value
     * @param rule what it must be
     * @return the exception, of kind {@code INVALID_ARGUMENT}
     */
    public RegistryException invalid(String what, String value, String rule) {
        return new RegistryException(
                RegistryException.Kind.INVALID_ARGUMENT,
                scheme,
                what + " " + rule + ", got '" + (SECRET_NAME.matcher(what).find() ? "***" : value) + "' in "
                        + redact(uri));
    }

    /**
     * The servers of a backend that needs at least one.
     *
     * @param rule what the host list must be, for the message, such as {@code must name at least one server}
     * @return {@link #hosts()}
     * @throws RegistryException of kind {@code INVALID_ARGUMENT} if the URL names none
     */
    public List<String> requireHosts(String rule) {
        List<String> hosts = hosts();
        if (hosts.isEmpty()) {
            throw invalid("host list", "", rule);
        }
        return hosts;
    }

    /**
     * Checks that the URL has no path, or only {@code /}, for a backend that takes none.
     *
     * @param rule what the path must be, for the message, such as {@code must be empty: give the namespace as ?ns=}
     * @throws RegistryException of kind {@code INVALID_ARGUMENT} if it has one
     */
    public void requireNoPath(String rule) {
        if (!path.isEmpty() && !path.equals("/")) {
            throw invalid("path", path, rule);
        }
    }

    /**
     * Runs a builder call with a value from this URL, turning the builder's {@link IllegalArgumentException} into this
     * URL's error naming the value.
     *
     * @param what what the value is, such as {@code option 'namespace'}
     * @param value the value
     * @param call the builder call
     * @throws RegistryException of kind {@code INVALID_ARGUMENT} if the builder refuses the value
     */
    public void apply(String what, String value, Runnable call) {
        try {
            call.run();
        } catch (IllegalArgumentException e) {
            throw invalid(what, value, "is invalid (" + e.getMessage() + ")");
        }
    }

    /**
     * Builds the exception for settings from this URL that a builder refused, with the builder's message.
     *
     * @param backend the backend name for the exception
     * @param cause what the builder threw
     * @return the exception, of kind {@code INVALID_ARGUMENT}, naming this URL with secrets redacted
     */
    public RegistryException rejected(String backend, RuntimeException cause) {
        return new RegistryException(
                RegistryException.Kind.INVALID_ARGUMENT, backend, cause.getMessage() + " in " + this, cause);
    }

    /**
     * A host with a port: the port given, else the default one.
     *
     * @param host {@code host}, {@code host:port}, an IPv6 literal in brackets, with or without a port
     * @param defaultPort the port to add when it names none
     * @return {@code host:port}
     */
    public static String withDefaultPort(String host, int defaultPort) {
        int close = host.lastIndexOf(']');
        int colon = host.lastIndexOf(':');
        boolean hasPort = colon > close && (close >= 0 || host.indexOf(':') == colon);
        return hasPort ? host : host + ":" + defaultPort;
    }

    /** The URL with secrets redacted, as {@link #redact(URI)}. */
    @Override
    public String toString() {
        return redact(uri);
    }
}
