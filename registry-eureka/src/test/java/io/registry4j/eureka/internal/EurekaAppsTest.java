package io.registry4j.eureka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("EurekaApps keeps a registry copy with deltas and Eureka's reconcile hash (no server)")
class EurekaAppsTest {

    private static EurekaRecord record(String app, String id, String status, @Nullable String action) {
        return new EurekaRecord(app, id, status, "10.0.0.1", 80, true, 443, false, null, Map.of(), action, null);
    }

    @Test
    @DisplayName("the hash counts instances per status in status order, like Eureka's getReconcileHashCode")
    void reconcileHash() {
        var apps = new EurekaApps();
        assertThat(apps.reconcileHash()).isEmpty();
        apps.replace(List.of(
                record("A", "a1", "UP", null),
                record("A", "a2", "UP", null),
                record("B", "b1", "OUT_OF_SERVICE", null),
                record("B", "b2", "DOWN", null)));
        assertThat(apps.reconcileHash()).isEqualTo("DOWN_1_OUT_OF_SERVICE_1_UP_2_");
        assertThat(apps.size()).isEqualTo(4);
    }

    @Test
    @DisplayName("a delta upserts ADDED and MODIFIED instances and removes DELETED ones, idempotently")
    void deltas() {
        var apps = new EurekaApps();
        apps.replace(List.of(record("A", "a1", "UP", null), record("B", "b1", "UP", null)));
        List<EurekaRecord> delta = List.of(
                record("A", "a2", "UP", "ADDED"),
                record("A", "a1", "DOWN", "MODIFIED"),
                record("B", "b1", "UP", "DELETED"),
                record("C", "c1", "UP", "DELETED"));
        apps.apply(delta);
        apps.apply(delta);
        assertThat(apps.app("A")).extracting(EurekaRecord::instanceId).containsExactlyInAnyOrder("a1", "a2");
        assertThat(apps.app("B")).isEmpty();
        assertThat(apps.appNames()).containsExactly("A");
        assertThat(apps.reconcileHash()).isEqualTo("DOWN_1_UP_1_");
    }
}
