package io.registry4j.spi;

import io.registry4j.ServiceInstance;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
     * @param json the JSON text
     * @return the instance
     * @throws IllegalArgumentException if the text is not JSON, lacks a field, or holds an invalid instance
     */
    public static ServiceInstance decode(String json) {
        Objects.requireNonNull(json, "json");
        var parser = new Parser(json);
        Object value = parser.parseDocument();
        if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("not a JSON object: " + abbreviate(json));
        }
        var b = ServiceInstance.builder()
                .id(requiredString(map, "id"))
                .name(requiredString(map, "name"))
                .version(optionalString(map, "version"));
        Object metadata = map.get("metadata");
        if (metadata instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (e.getValue() == Parser.NULL) { // Go reads null into a string as ""
                    b.putMetadata(String.valueOf(e.getKey()), "");
                    continue;
                }
                if (!(e.getValue() instanceof String v)) {
                    throw new IllegalArgumentException("metadata value of \"" + e.getKey() + "\" is not a string");
                }
                b.putMetadata(String.valueOf(e.getKey()), v);
            }
        } else if (metadata != null && metadata != Parser.NULL) {
            throw new IllegalArgumentException("\"metadata\" is not an object");
        }
        Object endpoints = map.get("endpoints");
        if (endpoints instanceof List<?> list) {
            for (Object e : list) {
                if (!(e instanceof String text)) {
                    throw new IllegalArgumentException("an endpoint is not a string");
                }
                try {
                    b.endpoint(new URI(text));
                } catch (URISyntaxException ex) {
                    throw new IllegalArgumentException(
                            "endpoint is not a URI (" + ex.getReason() + "): \"" + e + "\"", ex);
                }
            }
        } else if (endpoints != null && endpoints != Parser.NULL) { // Go reads a missing or null list as empty
            throw new IllegalArgumentException("\"endpoints\" is not an array");
        }
        return b.buildLenient();
    }

    private static String requiredString(Map<?, ?> map, String field) {
        if (!(map.get(field) instanceof String v)) {
            throw new IllegalArgumentException("\"" + field + "\" is missing or not a string");
        }
        return v;
    }

    private static String optionalString(Map<?, ?> map, String field) {
        Object v = map.get(field);
        if (v == null || v == Parser.NULL) {
            return "";
        }
        if (!(v instanceof String text)) {
            throw new IllegalArgumentException("\"" + field + "\" is not a string");
        }
        return text;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    /** A strict recursive-descent JSON parser into maps, lists, strings, numbers (as text), booleans and NULL. */
    private static final class Parser {
        static final Object NULL = new Object();
        private static final int MAX_DEPTH = 64;
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        Object parseDocument() {
            Object v = value(0);
            skipSpace();
            if (pos != s.length()) {
                throw error("unexpected text after the JSON value");
            }
            return v;
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("not JSON: " + what + " at offset " + pos + " in " + abbreviate(s));
        }

        private void skipSpace() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    return;
                }
                pos++;
            }
        }

        private Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("nesting deeper than " + MAX_DEPTH);
            }
            skipSpace();
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(pos);
            return switch (c) {
                case '{' -> object(depth);
                case '[' -> array(depth);
                case '"' -> string();
                case 't' -> literal("true", true);
                case 'f' -> literal("false", false);
                case 'n' -> literal("null", NULL);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        yield number();
                    }
                    throw error("unexpected character '" + c + "'");
                }
            };
        }

        private Object literal(String word, Object value) {
            if (!s.startsWith(word, pos)) {
                throw error("expected " + word);
            }
            pos += word.length();
            return value;
        }

        private Object number() {
            int start = pos;
            while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
            String n = s.substring(start, pos);
            try {
                return new BigDecimal(n);
            } catch (NumberFormatException e) {
                throw error("bad number '" + n + "'");
            }
        }

        private Map<String, Object> object(int depth) {
            pos++; // {
            var map = new LinkedHashMap<String, Object>();
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == '}') {
                pos++;
                return map;
            }
            while (true) {
                skipSpace();
                if (pos >= s.length() || s.charAt(pos) != '"') {
                    throw error("expected a field name");
                }
                String key = string();
                skipSpace();
                expect(':');
                map.put(key, value(depth + 1));
                skipSpace();
                if (pos < s.length() && s.charAt(pos) == ',') {
                    pos++;
                    continue;
                }
                expect('}');
                return map;
            }
        }

        private List<Object> array(int depth) {
            pos++; // [
            var list = new ArrayList<Object>();
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == ']') {
                pos++;
                return list;
            }
            while (true) {
                list.add(value(depth + 1));
                skipSpace();
                if (pos < s.length() && s.charAt(pos) == ',') {
                    pos++;
                    continue;
                }
                expect(']');
                return list;
            }
        }

        private void expect(char c) {
            if (pos >= s.length() || s.charAt(pos) != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        private String string() {
            pos++; // "
            // Fast path, the common case: no escape before the closing quote, so the text is one substring.
            for (int i = pos; i < s.length(); i++) {
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
                if (pos >= s.length()) {
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
                if (pos >= s.length()) {
                    throw error("unterminated escape");
                }
                char e = s.charAt(pos++);
                switch (e) {
                    case '"', '\\', '/' -> out.append(e);
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> out.append(unicodeEscape());
                    default -> throw error("bad escape '\\" + e + "'");
                }
            }
        }

        private char unicodeEscape() {
            if (pos + 4 > s.length()) {
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
