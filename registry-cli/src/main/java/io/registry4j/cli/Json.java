package io.registry4j.cli;

import io.registry4j.ServiceInstance;
import io.registry4j.spi.KratosJson;
import java.util.Collection;
import java.util.List;
import java.util.StringJoiner;

/**
 * The little JSON the command line writes. Instances are written exactly as Kratos stores them ({@link KratosJson}:
 * {@code id}, {@code name}, {@code version}, {@code metadata}, {@code endpoints}), so output can be fed to tools
 * that read a Kratos registry.
 */
final class Json {
    private Json() {}

    /** A JSON array of instances on one line. */
    static String instances(List<ServiceInstance> instances) {
        var out = new StringJoiner(",", "[", "]");
        instances.forEach(i -> out.add(KratosJson.encode(i)));
        return out.toString();
    }

    /** A JSON array of instances, one per line, for people who read JSON. */
    static String instancesPretty(List<ServiceInstance> instances) {
        if (instances.isEmpty()) {
            return "[]";
        }
        var out = new StringJoiner(",\n  ", "[\n  ", "\n]");
        instances.forEach(i -> out.add(KratosJson.encode(i)));
        return out.toString();
    }

    /** A JSON array of strings. */
    static String strings(Collection<String> values) {
        var out = new StringJoiner(",", "[", "]");
        values.forEach(v -> out.add(string(v)));
        return out.toString();
    }

    /** A JSON string, escaped as Go's encoding/json does. */
    static String string(String s) {
        var out = new StringBuilder(s.length() + 2).append('"');
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
        return out.append('"').toString();
    }
}
