package io.registry4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.registry4j.ServiceInstance;
import java.util.List;
import org.junit.jupiter.api.Test;

class DiffTest {
    private static ServiceInstance instance(String id, String version, String zone, String endpoint) {
        return ServiceInstance.builder()
                .name("orders")
                .id(id)
                .version(version)
                .putMetadata("zone", zone)
                .endpoint(endpoint)
                .build();
    }

    @Test
    void aDiffNamesWhatWasAddedRemovedAndChangedById() {
        var a = instance("a", "1", "x", "grpc://h:1");
        var b = instance("b", "1", "x", "grpc://h:2");
        var b2 = instance("b", "2", "y", "grpc://h:3");
        var c = instance("c", "", "x", "grpc://h:4");

        Diff diff = Diff.between(List.of(a, b), List.of(b2, c));

        assertThat(diff.lines())
                .containsExactly(
                        "+ c grpc://h:4",
                        "- a",
                        "~ b: version 1 -> 2; metadata zone=x -> y; endpoints grpc://h:2 -> grpc://h:3");
        assertThat(diff.summary()).isEqualTo("+c -a ~b");
        assertThat(diff.ids()).containsEntry("added", List.of("c"));
    }

    @Test
    void equalListsHaveAnEmptyDiff() {
        var a = instance("a", "1", "x", "grpc://h:1");
        assertThat(Diff.between(List.of(a), List.of(a)).isEmpty()).isTrue();
    }

    @Test
    void metadataChangesShowAddedAndRemovedKeys() {
        var before = instance("a", "1", "x", "grpc://h:1");
        var after = before.toBuilder().metadata(java.util.Map.of("team", "t")).build();
        assertThat(new Diff.Change(before, after).describe()).isEqualTo("metadata +team=t, -zone");
    }
}
