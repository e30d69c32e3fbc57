package io.registry4j.cli;

import io.registry4j.ServiceInstance;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What changed between two snapshots of a service, by instance id: added, removed, and changed (same id, different
 * version, metadata or endpoints). Snapshots are full lists, so a diff is always exact.
 *
 * @param added instances whose id is new, in id order
 * @param removed instances whose id is gone, in id order
 * @param changed pairs of before and after for ids in both whose contents differ, in id order
 */
record Diff(List<ServiceInstance> added, List<ServiceInstance> removed, List<Change> changed) {

    /** One instance that changed in place. */
    record Change(ServiceInstance before, ServiceInstance after) {
        /** {@code version 1.4.2 -> 1.5.0; metadata zone=a -> zone=b; endpoints a -> b} */
        String describe() {
            List<String> parts = new ArrayList<>();
            if (!before.version().equals(after.version())) {
                parts.add("version " + show(before.version()) + " -> " + show(after.version()));
            }
            if (!before.metadata().equals(after.metadata())) {
                parts.add("metadata " + metadataChange(before.metadata(), after.metadata()));
            }
            if (!before.endpoints().equals(after.endpoints())) {
                parts.add("endpoints " + Table.endpoints(before) + " -> " + Table.endpoints(after));
            }
            return String.join("; ", parts);
        }

        private static String show(String version) {
            return version.isEmpty() ? "(none)" : version;
        }

        private static String metadataChange(Map<String, String> before, Map<String, String> after) {
            List<String> parts = new ArrayList<>();
            for (String key : new TreeSet<>(union(before, after))) {
                String b = before.get(key);
                String a = after.get(key);
                if (b == null && a != null) {
                    parts.add("+" + key + "=" + a);
                } else if (a == null && b != null) {
                    parts.add("-" + key);
                } else if (a != null && !a.equals(b)) {
                    parts.add(key + "=" + b + " -> " + a);
                }
            }
            return String.join(", ", parts);
        }

        private static TreeSet<String> union(Map<String, String> a, Map<String, String> b) {
            var keys = new TreeSet<>(a.keySet());
            keys.addAll(b.keySet());
            return keys;
        }
    }

    /** The diff from {@code before} to {@code after}. */
    static Diff between(List<ServiceInstance> before, List<ServiceInstance> after) {
        Map<String, ServiceInstance> old = byId(before);
        Map<String, ServiceInstance> now = byId(after);
        List<ServiceInstance> added = new ArrayList<>();
        List<ServiceInstance> removed = new ArrayList<>();
        List<Change> changed = new ArrayList<>();
        now.forEach((id, instance) -> {
            ServiceInstance was = old.get(id);
            if (was == null) {
                added.add(instance);
            } else if (!was.equals(instance)) {
                changed.add(new Change(was, instance));
            }
        });
        old.forEach((id, instance) -> {
            if (!now.containsKey(id)) {
                removed.add(instance);
            }
        });
        return new Diff(List.copyOf(added), List.copyOf(removed), List.copyOf(changed));
    }

    private static Map<String, ServiceInstance> byId(List<ServiceInstance> instances) {
        Map<String, ServiceInstance> map = new TreeMap<>();
        instances.forEach(i -> map.put(i.id(), i));
        return map;
    }

    boolean isEmpty() {
        return added.isEmpty() && removed.isEmpty() && changed.isEmpty();
    }

    /** One line per change: {@code + id v1 endpoints}, {@code - id}, {@code ~ id: what changed}. */
    List<String> lines() {
        List<String> lines = new ArrayList<>();
        added.forEach(i -> lines.add("+ " + Table.brief(i)));
        removed.forEach(i -> lines.add("- " + i.id()));
        changed.forEach(c -> lines.add("~ " + c.after().id() + ": " + c.describe()));
        return lines;
    }

    /** A compact one-line summary: {@code +orders-3 -orders-1 ~orders-2}. */
    String summary() {
        List<String> parts = new ArrayList<>();
        added.forEach(i -> parts.add("+" + i.id()));
        removed.forEach(i -> parts.add("-" + i.id()));
        changed.forEach(c -> parts.add("~" + c.after().id()));
        return String.join(" ", parts);
    }

    /** Ids by kind of change, for JSON. */
    Map<String, List<String>> ids() {
        Map<String, List<String>> ids = new LinkedHashMap<>();
        ids.put("added", added.stream().map(ServiceInstance::id).toList());
        ids.put("removed", removed.stream().map(ServiceInstance::id).toList());
        ids.put("changed", changed.stream().map(c -> c.after().id()).toList());
        return ids;
    }
}
