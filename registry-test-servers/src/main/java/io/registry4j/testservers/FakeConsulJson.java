package io.registry4j.testservers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The fake Consul agent's own JSON reader and writer, independent of the client code it tests: objects are
 * {@link LinkedHashMap}s, arrays {@link ArrayList}s, numbers {@link Long} or {@link Double}, {@code null} is
 * {@link #NULL}. Written for RFC 8259 input; rejects anything else with {@link IllegalArgumentException}, whose message
 * Consul-style handlers turn into "Request decode failed: ...".
 */
final class FakeConsulJson {
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    private final String s;
    private int i;

    private FakeConsulJson(String s) {
        this.s = s;
    }

    static Object parse(String text) {
        var p = new FakeConsulJson(text);
        p.ws();
        Object v = p.value(0);
        p.ws();
        if (p.i != text.length()) {
            throw new IllegalArgumentException("invalid character after top-level value at offset " + p.i);
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
        if (depth > 100) {
            throw error("exceeded max depth");
        }
        if (i >= s.length()) {
            throw error("unexpected end of JSON input");
        }
        char c = s.charAt(i);
        switch (c) {
            case '{' -> {
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
            case '[' -> {
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
            case '"' -> {
                return string();
            }
            case 't' -> {
                literal("true");
                return true;
            }
            case 'f' -> {
                literal("false");
                return false;
            }
            case 'n' -> {
                literal("null");
                return NULL;
            }
            default -> {
                return number();
            }
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

    private void literal(String word) {
        if (!s.startsWith(word, i)) {
            throw error("invalid literal");
        }
        i += word.length();
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
            return fraction ? (Object) Double.parseDouble(n) : (Object) Long.parseLong(n);
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

    private static void quote(StringBuilder out, String str) {
        out.append('"');
        for (int k = 0; k < str.length(); k++) {
            char c = str.charAt(k);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                // Go's encoding/json escapes <, > and & in HTML-safe mode, as Consul's answers show.
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
        out.append('"');
    }
}
