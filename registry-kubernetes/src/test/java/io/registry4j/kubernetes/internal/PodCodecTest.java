package io.registry4j.kubernetes.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The pod layout, field by field, without a server. */
class PodCodecTest {

    private static Pod pod(Map<String, String> labels, Map<String, String> annotations, String ip, int... ports) {
        var container = new io.fabric8.kubernetes.api.model.ContainerBuilder().withName("app");
        for (int p : ports) {
            container.addToPorts(new ContainerPortBuilder().withContainerPort(p).build());
        }
        return new PodBuilder()
                .withNewMetadata()
                .withName("p")
                .withNamespace("ns")
                .withLabels(labels)
                .withAnnotations(annotations)
                .endMetadata()
                .withNewSpec()
                .withContainers(container.build())
                .endSpec()
                .withNewStatus()
                .withPodIP(ip)
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .endCondition()
                .endStatus()
                .build();
    }

    @Test
    @DisplayName("label values follow Kubernetes' rule; versions get a label-safe form")
    void labelValues() {
        assertThat(PodCodec.isLabelValue("")).isTrue();
        assertThat(PodCodec.isLabelValue("v1.2.3-rc_1")).isTrue();
        assertThat(PodCodec.isLabelValue("-v1")).isFalse();
        assertThat(PodCodec.isLabelValue("a".repeat(64))).isFalse();
        assertThat(PodCodec.versionLabel("1.0.0+build.7")).isEqualTo("1.0.0_build.7");
        assertThat(PodCodec.versionLabel("+1+")).isEqualTo("1");
        assertThat(PodCodec.isLabelValue(PodCodec.versionLabel("x".repeat(70) + "+")))
                .isTrue();
    }

    @Test
    @DisplayName("an id that is not a label value and two endpoints on one port are rejected naming the field")
    void checks() {
        ServiceInstance badId = ServiceInstance.builder()
                .id("a:b")
                .name("s")
                .endpoint("grpc://h:1")
                .build();
        assertThatThrownBy(() -> PodCodec.check(badId))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("id \"a:b\"")
                .hasMessageContaining("label value");
        ServiceInstance samePort = ServiceInstance.builder()
                .id("a")
                .name("s")
                .endpoint("grpc://h:1")
                .endpoint("http://h:1")
                .build();
        assertThatThrownBy(() -> PodCodec.check(samePort)).hasMessageContaining("endpoints");
    }

    @Test
    @DisplayName("what register writes reads back, hosts replaced by the pod IP, in the containers' port order")
    void roundTrip() {
        ServiceInstance x = ServiceInstance.builder()
                .id("x1")
                .name("orders")
                .version("1.0.0+b")
                .putMetadata("zone", "東京")
                .endpoint("grpc://0.0.0.0:9000")
                .endpoint("http://0.0.0.0:8080")
                .build();
        String protocols = PodCodec.protocolsJson(x.endpoints());
        assertThat(protocols).isEqualTo("{\"9000\":\"grpc\",\"8080\":\"http\"}");
        Pod pod = pod(
                Map.of("kratos-service-id", "x1", "kratos-service-app", "orders", "kratos-service-version", "1.0.0_b"),
                Map.of(
                        "kratos-service-metadata", PodCodec.metadataJson(x.metadata()),
                        "kratos-service-protocols", "{\"8080\":\"http\",\"9000\":\"grpc\"}",
                        "registry4j.io/version", "1.0.0+b"),
                "10.0.0.7",
                9000,
                8080);
        ServiceInstance read = PodCodec.decode(pod);
        assertThat(read.version()).isEqualTo("1.0.0+b");
        assertThat(read.metadata()).isEqualTo(x.metadata());
        assertThat(read.endpoints())
                .containsExactly(URI.create("grpc://10.0.0.7:9000"), URI.create("http://10.0.0.7:8080"));
        assertThat(PodCodec.carriesExactly(pod, x)).isFalse(); // protocols in another order than written
    }

    @Test
    @DisplayName("Kratos' empty values read as empty; a malformed annotation is an error naming it")
    void emptyAndMalformed() {
        Map<String, String> labels = Map.of("kratos-service-id", "k", "kratos-service-app", "s");
        ServiceInstance kratosDeregistered = PodCodec.decode(pod(
                labels, Map.of("kratos-service-metadata", "{}", "kratos-service-protocols", "null"), "10.0.0.1", 80));
        assertThat(kratosDeregistered.metadata()).isEmpty();
        assertThat(kratosDeregistered.endpoints()).containsExactly(URI.create("tcp://10.0.0.1:80"));
        assertThatThrownBy(() ->
                        PodCodec.decode(pod(labels, Map.of("kratos-service-metadata", "{\"a\":1}"), "10.0.0.1", 80)))
                .hasMessageContaining("kratos-service-metadata");
        assertThatThrownBy(() -> PodCodec.decode(pod(labels, Map.of("kratos-service-protocols", "{x"), "10.0.0.1", 80)))
                .hasMessageContaining("kratos-service-protocols");
    }

    @Test
    @DisplayName("the patches touch only the layout's keys; deregister sets them to null under the resource version")
    void patches() {
        ServiceInstance x = ServiceInstance.builder()
                .id("x1")
                .name("orders")
                .version("1.0")
                .endpoint("grpc://h:9000")
                .build();
        assertThat(PodCodec.registerPatch(x))
                .isEqualTo(
                        "{\"metadata\":{\"labels\":{\"kratos-service-id\":\"x1\",\"kratos-service-app\":\"orders\","
                                + "\"kratos-service-version\":\"1.0\"},\"annotations\":{\"kratos-service-metadata\":\"{}\","
                                + "\"kratos-service-protocols\":\"{\\\"9000\\\":\\\"grpc\\\"}\",\"registry4j.io/version\":null}}}");
        assertThat(PodCodec.deregisterPatch("42"))
                .startsWith("{\"metadata\":{\"resourceVersion\":\"42\",\"labels\":{\"kratos-service-id\":null");
    }
}
