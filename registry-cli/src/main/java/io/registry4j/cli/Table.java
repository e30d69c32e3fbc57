package io.registry4j.cli;

import io.registry4j.ServiceInstance;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Instances as an aligned table: ID, VERSION, ENDPOINTS, METADATA; and the short forms used in sentences. */
final class Table {
    private static final String[] HEADER = {"ID", "VERSION", "ENDPOINTS", "METADATA"};

    private Table() {}

    /** The table, header first, one row per instance, no trailing newline. */
    static String of(List<ServiceInstance> instances) {
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        for (ServiceInstance i : instances) {
            rows.add(new String[] {i.id(), i.version().isEmpty() ? "-" : i.version(), endpoints(i), metadata(i)});
        }
        int[] widths = new int[HEADER.length];
        for (String[] row : rows) {
            for (int c = 0; c < row.length; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        var out = new StringBuilder();
        for (String[] row : rows) {
            if (out.length() > 0) {
                out.append('\n');
            }
            var line = new StringBuilder();
            for (int c = 0; c < row.length; c++) {
                line.append(row[c]);
                if (c < row.length - 1) {
                    line.append(" ".repeat(widths[c] - row[c].length() + 2));
                }
            }
            out.append(line.toString().stripTrailing());
        }
        return out.toString();
    }

    /** {@code grpc://10.0.0.7:9000, http://10.0.0.7:8000} */
    static String endpoints(ServiceInstance i) {
        List<String> texts = new ArrayList<>();
        for (URI e : i.endpoints()) {
            texts.add(e.toString());
        }
        return String.join(", ", texts);
    }

    /** {@code region=eu, zone=a} (sorted by key), or {@code -} */
    static String metadata(ServiceInstance i) {
        return metadata(i.metadata());
    }

    static String metadata(Map<String, String> metadata) {
        if (metadata.isEmpty()) {
            return "-";
        }
        List<String> pairs = new ArrayList<>();
        new TreeMap<>(metadata).forEach((k, v) -> pairs.add(k + "=" + v));
        return String.join(", ", pairs);
    }

    /** {@code orders-1 v1.4.2 grpc://10.0.0.7:9000} */
    static String brief(ServiceInstance i) {
        return i.id() + (i.version().isEmpty() ? "" : " v" + i.version()) + " " + endpoints(i);
    }

    /** {@code orders-1, orders-2} or {@code (none)} */
    static String ids(List<ServiceInstance> instances) {
        if (instances.isEmpty()) {
            return "(none)";
        }
        List<String> ids = new ArrayList<>();
        instances.forEach(i -> ids.add(i.id()));
        return String.join(", ", ids);
    }

    /** {@code 1 instance}, {@code 3 instances} */
    static String count(int n) {
        return n + (n == 1 ? " instance" : " instances");
    }
}
