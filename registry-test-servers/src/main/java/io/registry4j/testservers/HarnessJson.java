package io.registry4j.testservers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The harness's own JSON, for the fake Consul agent's requests and answers and for the Kratos peer's lines: a
 * strict RFC 8259 parser to {@link LinkedHashMap}s (document order), {@link ArrayList}s, strings, numbers,
 * booleans and {@link #NULL}, and a writer of the same. The harness has no JSON library on purpose: it must share
 * no code with the codecs under test (neither Jackson nor registry-api's {@code KratosJson}).
 *
 * <p>Bad input is an {@link IllegalArgumentException} whose message names what is wrong and its offset, worded
 * like Go's {@code encoding/json}, because the fake Consul agent answers "Request decode failed: " + message as
 * Consul does. Stateless and thread-safe.
 */
final class HarnessJson {
    /** The parsed form of JSON {@code null}: maps and lists here cannot hold Java null. */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    private static final int MAX_DEPTH = 100;

    private final String s;
    private final boolean numbersAsText;
    private int i;

    private HarnessJson(String s, boolean numbersAsText) {
        this.s = s;
        this.numbersAsText = numbersAsText;
    }

    /**
     * Parses exactly one JSON value; numbers become {@link Long} (integers) or {@link Double}.
     *
     * @throws IllegalArgumentException if {@code text} is not exactly one JSON value
     */
    static Object parse(String text) {
        return new HarnessJson(text, false).document();
    }

    /**
     * Parses exactly one JSON value as {@link #parse} does, but numbers become their source text (the Kratos
     * peer's lines are compared as written, never rounded through a Java number).
     *
     * @throws IllegalArgumentException if {@code text} is not exactly one JSON value
     */
    static Object parseKeepingNumberText(String text) {
        return new HarnessJson(text, true).document();
    }

    /** Returns {@code value} as a string, or null for JSON null or a missing value. */
    static @Nullable String stringOrNull(@Nullable Object value) {
        if (value == null || value == NULL) {
            return null;
        }
        if (value instanceof String str) {
            return str;
        }
        throw new IllegalArgumentException("expected a JSON string, got " + value);
    }

    private Object document() {
        ws();
        Object v = value(0);
        ws();
        if (i != s.length()) {
            throw new IllegalArgumentException("invalid character after top-level value at offset " + i);
        }
        return v;
    }

    private void ws() {
        while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(what + " at offset " + i);
    }

    private Object value(int depth) {
        if (depth > MAX_DEPTH) {
            throw error("exceeded max depth");
        }
        if (i >= s.length()) {
            throw error("unexpected end of JSON input");
        }
        return switch (s.charAt(i)) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true", true);
            case 'f' -> literal("false", false);
            case 'n' -> literal("null", NULL);
            default -> number();
        };
    }

    private Map<String, Object> object(int depth) {
        i++;
        var map = new LinkedHashMap<String, Object>();
        ws();
        if (peek('}')) {
            i++;
            return map;
        }
        while (true) {
            ws();
            if (!peek('"')) {
                throw error("looking for beginning of object key string");
            }
            String k = string();
            ws();
            expect(':');
            ws();
            map.put(k, value(depth + 1));
            ws();
            if (peek(',')) {
                i++;
                continue;
            }
            expect('}');
            return map;
        }
    }

    private List<Object> array(int depth) {
        i++;
        var list = new ArrayList<Object>();
        ws();
        if (peek(']')) {
            i++;
            return list;
        }
        while (true) {
            ws();
            list.add(value(depth + 1));
            ws();
            if (peek(',')) {
                i++;
                continue;
            }
            expect(']');
            return list;
        }
    }

    private boolean peek(char c) {
        return i < s.length() && s.charAt(i) == c;
    }

    private void expect(char c) {
        if (!peek(c)) {
            throw error("expected '" + c + "'");
        }
        i++;
    }

    private Object literal(String word, Object value) {
        if (!s.startsWith(word, i)) {
            throw error("invalid literal");
        }
        i += word.length();
        return value;
    }

    private Object number() {
        int start = i;
        if (peek('-')) {
            i++;
        }
        boolean fraction = false;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                i++;
            } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
                fraction = true;
                i++;
            } else {
                break;
            }
        }
        String n = s.substring(start, i);
        try {
            Object parsed = fraction ? (Object) Double.parseDouble(n) : (Object) Long.parseLong(n);
            return numbersAsText ? n : parsed;
        } catch (NumberFormatException e) {
            throw error("invalid character in numeric literal '" + n + "'");
        }
    }

    private String string() {
        expect('"');
        var out = new StringBuilder();
        while (true) {
            if (i >= s.length()) {
                throw error("unexpected end of JSON input in string");
            }
            char c = s.charAt(i++);
            if (c == '"') {
                return out.toString();
            }
            if (c < 0x20) {
                throw error("invalid character in string literal");
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (i >= s.length()) {
                throw error("unexpected end of JSON input in escape");
            }
            char e = s.charAt(i++);
            switch (e) {
                case '"', '\\', '/' -> out.append(e);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> {
                    if (i + 4 > s.length()) {
                        throw error("bad unicode escape");
                    }
                    try {
                        out.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                    } catch (NumberFormatException ex) {
                        throw error("bad unicode escape");
                    }
                    i += 4;
                }
                default -> throw error("invalid escape '\\" + e + "'");
            }
        }
    }

    /** Returns {@code v} (maps, lists, strings, numbers, booleans, null or {@link #NULL}) as compact JSON. */
    static String write(@Nullable Object v) {
        var out = new StringBuilder();
        write(out, v);
        return out.toString();
    }

    private static void write(StringBuilder out, @Nullable Object v) {
        if (v == null || v == NULL) {
            out.append("null");
        } else if (v instanceof Map<?, ?> m) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                quote(out, String.valueOf(e.getKey()));
                out.append(':');
                write(out, e.getValue());
            }
            out.append('}');
        } else if (v instanceof List<?> l) {
            out.append('[');
            for (int k = 0; k < l.size(); k++) {
                if (k > 0) {
                    out.append(',');
                }
                write(out, l.get(k));
            }
            out.append(']');
        } else if (v instanceof String str) {
            quote(out, str);
        } else if (v instanceof Number || v instanceof Boolean) {
            out.append(v);
        } else {
            throw new IllegalArgumentException("cannot write " + v.getClass());
        }
    }

    /**
     * Appends {@code str} to {@code out} as a JSON string, escaped as Go's {@code encoding/json} does (HTML-safe:
     * {@code <}, {@code >} and {@code &} as {@code \}{@code u00XX}, as Consul's answers show; Go reads them back
     * unchanged).
     */
    static StringBuilder quote(StringBuilder out, String str) {
        out.append('"');
        for (int k = 0; k < str.length(); k++) {
            char c = str.charAt(k);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '<' -> out.append("\\u003c");
                case '>' -> out.append("\\u003e");
                case '&' -> out.append("\\u0026");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }
}
