package io.registry4j.spi;

import io.registry4j.ServiceInstance;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The JSON form of an instance that Kratos stores in etcd and ZooKeeper:
 * {@code {"id":…,"name":…,"version":…,"metadata":{…},"endpoints":[…]}}.
 *
 * <p>{@link #encode} writes exactly what Go's {@code encoding/json} writes for Kratos' {@code ServiceInstance}: fields
 * in that order, metadata keys sorted, {@code <}, {@code >}, {@code &}, U+2028 and U+2029 escaped, other non-ASCII
 * text as UTF-8. {@link #decode} reads what Kratos' Go code reads: any valid JSON object with those fields (unknown
 * fields are ignored, {@code null} metadata or endpoints are empty, a {@code null} metadata value is empty), building
 * the instance with {@link ServiceInstance.Builder#buildLenient()}, so ids, names, metadata keys and endpoints that
 * Kratos accepts but registry4j would not register are kept as read. It rejects, with an {@link
 * IllegalArgumentException} saying what and where, what registry4j cannot represent: text that is not a JSON object,
 * an id or name that is missing, not a string or empty, a name with {@code /}, whitespace or control characters
 * ({@link ServiceInstance#checkName}), a metadata value or an endpoint that is not a string, an endpoint that is not
 * a URI. Stateless and thread-safe.
 */
public final class KratosJson {
    private KratosJson() {}

    /**
     * Encodes an instance as Kratos does.
     *
     * @param instance the instance
     * @return the JSON text
     */
    public static String encode(ServiceInstance instance) {
        var out = new StringBuilder(128);
        out.append("{\"id\":");
        string(out, instance.id());
        out.append(",\"name\":");
        string(out, instance.name());
        out.append(",\"version\":");
        string(out, instance.version());
        out.append(",\"metadata\":{");
        boolean first = true;
        // Go sorts map keys by their UTF-8 bytes, which is code point order (not UTF-16 order).
        var sorted = new TreeMap<String, String>(KratosJson::compareCodePoints);
        sorted.putAll(instance.metadata());
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            string(out, e.getKey());
            out.append(':');
            string(out, e.getValue());
        }
        out.append("},\"endpoints\":[");
        first = true;
        for (URI endpoint : instance.endpoints()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            string(out, endpoint.toString());
        }
        return out.append("]}").toString();
    }

    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /**
     * Decodes an instance.
     *
     * <p>Design: one pass over the text straight into the instance's builder, with no intermediate tree: the five
     * fields are read where they stand, anything else is checked for syntax and skipped, plain strings are one
     * substring each. Syntax is checked over the whole text first, as a tree parser would; errors about a field's
     * value are then reported in the order id, name, version, metadata, endpoints. Of repeated fields the last one
     * counts, as in Go.
     *
     * @param json the JSON text
     * @return the instance
     * @throws IllegalArgumentException if the text is not JSON, lacks a field, or holds an invalid instance
     */
    public static ServiceInstance decode(String json) {
        Objects.requireNonNull(json, "json");
        return new Decoder(json).decode();
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    /** Kinds of JSON values, as {@link Decoder#peekKind} tells them. */
    private enum Kind {
        STRING,
        NULL,
        OTHER
    }

    /** A strict one-pass JSON reader of one Kratos instance. */
    private static final class Decoder {
        private static final int MAX_DEPTH = 64;
        private final String s;
        private final int length;
        private int pos;

        // The fields as read (the last occurrence of each counts) and what was wrong with them.
        private @Nullable String id;
        private boolean idBad;
        private @Nullable String name;
        private boolean nameBad;
        private String version = "";
        private boolean versionBad;
        private final ServiceInstance.Builder builder = ServiceInstance.builder();
        private @Nullable String metadataError;
        private @Nullable List<String> badMetadataKeys;
        private @Nullable String endpointsError;
        private @Nullable URISyntaxException endpointsCause;
        private boolean lastWasNull;

        Decoder(String s) {
            this.s = s;
            this.length = s.length();
        }

        ServiceInstance decode() {
            skipSpace();
            if (pos >= length) {
                throw error("unexpected end");
            }
            if (s.charAt(pos) != '{') {
                skipValue(0);
                skipSpace();
                if (pos != length) {
                    throw error("unexpected text after the JSON value");
                }
                throw new IllegalArgumentException("not a JSON object: " + abbreviate(s));
            }
            instance();
            skipSpace();
            if (pos != length) {
                throw error("unexpected text after the JSON value");
            }
            if (idBad || id == null) {
                throw new IllegalArgumentException("\"id\" is missing or not a string");
            }
            if (nameBad || name == null) {
                throw new IllegalArgumentException("\"name\" is missing or not a string");
            }
            if (versionBad) {
                throw new IllegalArgumentException("\"version\" is not a string");
            }
            List<String> badKeys = badMetadataKeys;
            if (metadataError == null && badKeys != null && !badKeys.isEmpty()) {
                metadataError = "metadata value of \"" + badKeys.get(0) + "\" is not a string";
            }
            if (metadataError != null) {
                throw new IllegalArgumentException(metadataError);
            }
            if (endpointsError != null) {
                throw new IllegalArgumentException(endpointsError, endpointsCause);
            }
            return builder.id(id).name(name).version(version).buildLenient();
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("not JSON: " + what + " at offset " + pos + " in " + abbreviate(s));
        }

        private void skipSpace() {
            while (pos < length) {
                char c = s.charAt(pos);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    return;
                }
                pos++;
            }
        }

        private void expect(char c) {
            if (pos >= length || s.charAt(pos) != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        /** The top-level object: its fields straight into the builder. */
        private void instance() {
            pos++; // {
            skipSpace();
            if (pos < length && s.charAt(pos) == '}') {
                pos++;
                return;
            }
            while (true) {
                skipSpace();
                if (pos >= length || s.charAt(pos) != '"') {
                    throw error("expected a field name");
                }
                int field = fieldName();
                skipSpace();
                expect(':');
                skipSpace();
                field(field);
                skipSpace();
                if (pos < length && s.charAt(pos) == ',') {
                    pos++;
                    continue;
                }
                expect('}');
                return;
            }
        }

        /** The five fields Kratos writes, in its order; {@link #fieldName} returns an index here or -1. */
        private static final String[] FIELDS = {"id", "name", "version", "metadata", "endpoints"};

        /** Reads a field name, matching the known ones in place (no string is built for them). */
        private int fieldName() {
            int start = pos + 1;
            for (int i = 0; i < FIELDS.length; i++) {
                String f = FIELDS[i];
                int end = start + f.length();
                if (end < length && s.charAt(end) == '"' && s.startsWith(f, start)) {
                    pos = end + 1;
                    return i;
                }
            }
            String key = string(); // an unknown field, or a known one written with escapes
            for (int i = 0; i < FIELDS.length; i++) {
                if (FIELDS[i].equals(key)) {
                    return i;
                }
            }
            return -1;
        }

        private void field(int field) {
            switch (field) {
                case 0 -> {
                    id = optionalString();
                    idBad = id == null;
                }
                case 1 -> {
                    name = optionalString();
                    nameBad = name == null;
                }
                case 2 -> {
                    String v = optionalString();
                    versionBad = v == null && !lastWasNull;
                    version = v == null ? "" : v;
                }
                case 3 -> metadata();
                case 4 -> endpoints();
                default -> skipValue(1);
            }
        }

        /** A string value, or null for a JSON null ({@link #lastWasNull}) or any other value (skipped). */
        private @Nullable String optionalString() {
            lastWasNull = false;
            Kind kind = peekKind();
            if (kind == Kind.STRING) {
                return string();
            }
            if (kind == Kind.NULL) {
                lastWasNull = true;
            }
            skipValue(1);
            return null;
        }

        private Kind peekKind() {
            if (pos >= length) {
                throw error("unexpected end");
            }
            char c = s.charAt(pos);
            if (c == '"') {
                return Kind.STRING;
            }
            if (c == 'n') {
                return Kind.NULL;
            }
            return Kind.OTHER;
        }

        private void metadata() {
            // A later "metadata" field replaces an earlier one, as the last of repeated keys wins in Go.
            builder.metadata(Map.of());
            badMetadataKeys = null;
            metadataError = null;
            Kind kind = peekKind();
            if (kind != Kind.OTHER || s.charAt(pos) != '{') {
                boolean isNull = kind == Kind.NULL;
                skipValue(1);
                if (!isNull) {
                    metadataError = "\"metadata\" is not an object";
                }
                return;
            }
            pos++; // {
            skipSpace();
            if (pos < length && s.charAt(pos) == '}') {
                pos++;
                return;
            }
            while (true) {
                skipSpace();
                if (pos >= length || s.charAt(pos) != '"') {
                    throw error("expected a field name");
                }
                String key = string();
                skipSpace();
                expect(':');
                skipSpace();
                Kind valueKind = peekKind();
                if (valueKind == Kind.STRING) {
                    builder.putMetadata(key, string());
                    noteMetadataValue(key, true);
                } else {
                    skipValue(2);
                    builder.putMetadata(key, ""); // Go reads null into a string as ""
                    noteMetadataValue(key, valueKind == Kind.NULL);
                }
                skipSpace();
                if (pos < length && s.charAt(pos) == ',') {
                    pos++;
                    continue;
                }
                expect('}');
                return;
            }
        }

        private void noteMetadataValue(String key, boolean valid) {
            List<String> bad = badMetadataKeys;
            if (valid) {
                if (bad != null) {
                    bad.remove(key);
                }
                return;
            }
            if (bad == null) {
                bad = new ArrayList<>(2);
                badMetadataKeys = bad;
            }
            if (!bad.contains(key)) {
                bad.add(key);
            }
        }

        private void endpoints() {
            // A later "endpoints" field replaces an earlier one.
            builder.endpoints(List.of());
            endpointsError = null;
            endpointsCause = null;
            Kind kind = peekKind();
            if (kind != Kind.OTHER || s.charAt(pos) != '[') {
                boolean isNull = kind == Kind.NULL;
                skipValue(1);
                if (!isNull) { // Go reads a missing or null list as empty
                    endpointsError = "\"endpoints\" is not an array";
                }
                return;
            }
            pos++; // [
            skipSpace();
            if (pos < length && s.charAt(pos) == ']') {
                pos++;
                return;
            }
            while (true) {
                skipSpace();
                if (peekKind() == Kind.STRING) {
                    String text = string();
                    if (endpointsError == null) {
                        try {
                            builder.endpoint(new URI(text));
                        } catch (URISyntaxException ex) {
                            endpointsError = "endpoint is not a URI (" + ex.getReason() + "): \"" + text + "\"";
                            endpointsCause = ex;
                        }
                    }
                } else {
                    skipValue(2);
                    if (endpointsError == null) {
                        endpointsError = "an endpoint is not a string";
                    }
                }
                skipSpace();
                if (pos < length && s.charAt(pos) == ',') {
                    pos++;
                    continue;
                }
                expect(']');
                return;
            }
        }

        /** Checks and skips any value. */
        private void skipValue(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("nesting deeper than " + MAX_DEPTH);
            }
            skipSpace();
            if (pos >= length) {
                throw error("unexpected end");
            }
            char c = s.charAt(pos);
            switch (c) {
                case '{' -> skipObject(depth);
                case '[' -> skipArray(depth);
                case '"' -> skipString();
                case 't' -> literal("true");
                case 'f' -> literal("false");
                case 'n' -> literal("null");
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        number();
                    } else {
                        throw error("unexpected character '" + c + "'");
                    }
                }
            }
        }

        private void literal(String word) {
            if (!s.startsWith(word, pos)) {
                throw error("expected " + word);
            }
            pos += word.length();
        }

        /** A number as JSON defines it: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
        private void number() {
            int start = pos;
            if (s.charAt(pos) == '-') {
                pos++;
            }
            if (pos < length && s.charAt(pos) == '0') {
                pos++;
            } else if (digits() == 0) {
                throw badNumber(start);
            }
            if (pos < length && s.charAt(pos) == '.') {
                pos++;
                if (digits() == 0) {
                    throw badNumber(start);
                }
            }
            if (pos < length && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
                pos++;
                if (pos < length && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
                    pos++;
                }
                if (digits() == 0) {
                    throw badNumber(start);
                }
            }
            if (pos < length && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
                throw badNumber(start);
            }
        }

        private int digits() {
            int start = pos;
            while (pos < length && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
                pos++;
            }
            return pos - start;
        }

        private IllegalArgumentException badNumber(int start) {
            int end = pos;
            while (end < length && "+-0123456789.eE".indexOf(s.charAt(end)) >= 0) {
                end++;
            }
            String n = s.substring(start, end);
            return error("bad number '" + n + "'");
        }

        private void skipObject(int depth) {
            pos++; // {
            skipSpace();
            if (pos < length && s.charAt(pos) == '}') {
                pos++;
                return;
            }
            while (true) {
                skipSpace();
                if (pos >= length || s.charAt(pos) != '"') {
                    throw error("expected a field name");
                }
                skipString();
                skipSpace();
                expect(':');
                skipValue(depth + 1);
                skipSpace();
                if (pos < length && s.charAt(pos) == ',') {
                    pos++;
                    continue;
                }
                expect('}');
                return;
            }
        }

        private void skipArray(int depth) {
            pos++; // [
            skipSpace();
            if (pos < length && s.charAt(pos) == ']') {
                pos++;
                return;
            }
            while (true) {
                skipValue(depth + 1);
                skipSpace();
                if (pos < length && s.charAt(pos) == ',') {
                    pos++;
                    continue;
                }
                expect(']');
                return;
            }
        }

        /** Checks and skips a string, without building it. */
        private void skipString() {
            pos++; // "
            while (true) {
                if (pos >= length) {
                    throw error("unterminated string");
                }
                char c = s.charAt(pos++);
                if (c == '"') {
                    return;
                }
                if (c < 0x20) {
                    throw error("control character in string");
                }
                if (c == '\\') {
                    escape(null);
                }
            }
        }

        private String string() {
            pos++; // "
            // Fast path, the common case: no escape before the closing quote, so the text is one substring.
            for (int i = pos; i < length; i++) {
                char c = s.charAt(i);
                if (c == '"') {
                    String text = s.substring(pos, i);
                    pos = i + 1;
                    return text;
                }
                if (c == '\\' || c < 0x20) {
                    break; // an escape or a control character: the slow path decodes or rejects it
                }
            }
            var out = new StringBuilder();
            while (true) {
                if (pos >= length) {
                    throw error("unterminated string");
                }
                char c = s.charAt(pos++);
                if (c == '"') {
                    return out.toString();
                }
                if (c < 0x20) {
                    throw error("control character in string");
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                escape(out);
            }
        }

        /** Decodes the escape after a backslash into {@code out}, or only checks it if {@code out} is null. */
        private void escape(@Nullable StringBuilder out) {
            if (pos >= length) {
                throw error("unterminated escape");
            }
            char e = s.charAt(pos++);
            char decoded = switch (e) {
                case '"', '\\', '/' -> e;
                case 'b' -> '\b';
                case 'f' -> '\f';
                case 'n' -> '\n';
                case 'r' -> '\r';
                case 't' -> '\t';
                case 'u' -> unicodeEscape();
                default -> throw error("bad escape '\\" + e + "'");
            };
            if (out != null) {
                out.append(decoded);
            }
        }

        private char unicodeEscape() {
            if (pos + 4 > length) {
                throw error("short \\u escape");
            }
            int v = 0;
            for (int i = 0; i < 4; i++) {
                int d = Character.digit(s.charAt(pos++), 16);
                if (d < 0) {
                    throw error("bad \\u escape");
                }
                v = v * 16 + d;
            }
            return (char) v;
        }
    }

    /**
     * Decodes, returning null instead of throwing; for callers that count failures themselves.
     *
     * @param json the text
     * @return the instance, or null if it is not a valid one
     */
    public static @Nullable ServiceInstance tryDecode(String json) {
        try {
            return decode(json);
        } catch (IllegalArgumentException | NullPointerException e) {
            return null;
        }
    }
}
