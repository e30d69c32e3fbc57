package io.registry4j.eureka.internal;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A local copy of a whole Eureka registry, kept current with {@code /apps/delta}, the way Eureka's own client does.
 *
 * <p>Design: a delta lists every change of the server's last few minutes (its retention window), each instance once
 * in its latest state ({@code ADDED}, {@code MODIFIED} or {@code DELETED}), so applying one is idempotent: upsert
 * or remove by instance id. Whether the copy then equals the server's registry is told by Eureka's reconcile hash
 * code, the count of instances per status in status order ({@code DOWN_1_UP_3_}), which the delta carries for the
 * server's whole registry: when it differs from the copy's, the copy missed something (a change older than the
 * window, a lost response) and must be replaced by a full fetch.
 *
 * <p>Not thread-safe: the refresh loop uses it from one cycle at a time.
 */
final class EurekaApps {
    private final Map<String, Map<String, EurekaRecord>> apps = new HashMap<>();

    /** Replaces the whole copy with a full registry. */
    void replace(Collection<EurekaRecord> records) {
        apps.clear();
        for (EurekaRecord r : records) {
            apps.computeIfAbsent(r.app(), k -> new LinkedHashMap<>()).put(r.instanceId(), r);
        }
    }

    /** Applies a delta's changes. */
    void apply(Collection<EurekaRecord> changes) {
        for (EurekaRecord r : changes) {
            if ("DELETED".equals(r.actionType())) {
                Map<String, EurekaRecord> app = apps.get(r.app());
                if (app != null) {
                    app.remove(r.instanceId());
                    if (app.isEmpty()) {
                        apps.remove(r.app());
                    }
                }
            } else {
                apps.computeIfAbsent(r.app(), k -> new LinkedHashMap<>()).put(r.instanceId(), r);
            }
        }
    }

    /** The instances of one app, in no particular order. */
    List<EurekaRecord> app(String app) {
        Map<String, EurekaRecord> instances = apps.get(app);
        return instances == null ? List.of() : List.copyOf(instances.values());
    }

    /** The names of all apps. */
    Collection<String> appNames() {
        return List.copyOf(apps.keySet());
    }

    /** The number of instances in the copy. */
    int size() {
        int n = 0;
        for (Map<String, EurekaRecord> app : apps.values()) {
            n += app.size();
        }
        return n;
    }

    /** Eureka's reconcile hash code of the copy: {@code <STATUS>_<count>_} for each status, in name order. */
    String reconcileHash() {
        Map<String, Integer> counts = new TreeMap<>();
        for (Map<String, EurekaRecord> app : apps.values()) {
            for (EurekaRecord r : app.values()) {
                counts.merge(r.status(), 1, Integer::sum);
            }
        }
        var out = new StringBuilder();
        counts.forEach(
                (status, count) -> out.append(status).append('_').append(count).append('_'));
        return out.toString();
    }
}
