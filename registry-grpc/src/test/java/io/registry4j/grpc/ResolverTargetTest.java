package io.registry4j.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.registry4j.ServiceInstance;
import io.registry4j.grpc.internal.ResolverTarget;
import java.net.URI;
import java.util.Objects;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class ResolverTargetTest {

    private static ServiceInstance instance(String version, String zone) {
        return ServiceInstance.builder()
                .id("i1")
                .name("orders")
                .version(version)
                .putMetadata("zone", zone)
                .endpoint("grpc://127.0.0.1:9000")
                .build();
    }

    @Test
    void urlFormBuildsTheRegistryUrlFromBackendAddressAndTheOptionsTheResolverDoesNotOwn() {
        ResolverTarget t = ResolverTarget.parseRegistryUrl(URI.create(
                "registry4j://etcd/orders?address=10.0.0.5:2379,10.0.0.6:2379&ttl=15s&version=v2&namespace=%2Fms"));

        assertThat(t.service()).isEqualTo("orders");
        assertThat(t.registryUrl()).hasToString("etcd://10.0.0.5:2379,10.0.0.6:2379?ttl=15s&namespace=%2Fms");
        assertThat(t.endpointScheme()).isEqualTo("grpc");
        Predicate<ServiceInstance> filter = Objects.requireNonNull(t.filter());
        assertThat(filter.test(instance("v2", "z"))).isTrue();
        assertThat(filter.test(instance("v1", "z"))).isFalse();
    }

    @Test
    void urlFormAddressMayCarryAPath() {
        ResolverTarget t =
                ResolverTarget.parseRegistryUrl(URI.create("registry4j://eureka/orders?address=10.0.0.5:8761/eureka"));

        assertThat(t.registryUrl()).hasToString("eureka://10.0.0.5:8761/eureka");
        assertThat(t.filter()).isNull();
    }

    @Test
    void discoveryFormTakesFiltersAndSchemeAndIgnoresTheAuthorityAsKratosDoes() {
        ResolverTarget t = ResolverTarget.parseDiscovery(
                URI.create("discovery://anything/orders?metadata.zone=eu-1&version=v2&scheme=grpcs"));

        assertThat(t.service()).isEqualTo("orders");
        assertThat(t.registryUrl()).isNull();
        assertThat(t.endpointScheme()).isEqualTo("grpcs");
        Predicate<ServiceInstance> filter = Objects.requireNonNull(t.filter());
        assertThat(filter.test(instance("v2", "eu-1"))).isTrue();
        assertThat(filter.test(instance("v2", "us-1"))).isFalse();
        assertThat(filter.test(instance("v1", "eu-1"))).isFalse();
        assertThat(filter).hasToString("metadata.zone=eu-1 and version=v2");
    }

    @Test
    void badTargetsAreRejectedNamingTheTargetAndTheProblem() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ResolverTarget.parseDiscovery(URI.create("discovery:///")))
                .withMessageContaining("'discovery:///'")
                .withMessageContaining("names no service");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ResolverTarget.parseDiscovery(URI.create("discovery:///orders/v1")))
                .withMessageContaining("invalid service");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ResolverTarget.parseDiscovery(URI.create("discovery:///orders?ttl=5s")))
                .withMessageContaining("unknown option [ttl]");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ResolverTarget.parseDiscovery(URI.create("discovery:///orders?scheme=http")))
                .withMessageContaining("option 'scheme' must be grpc or grpcs, got 'http'");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ResolverTarget.parseDiscovery(URI.create("discovery:///orders?version=1&version=2")))
                .withMessageContaining("gives option 'version' twice");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ResolverTarget.parseDiscovery(URI.create("discovery:///orders?address=h:1")))
                .withMessageContaining("'address'");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ResolverTarget.parseRegistryUrl(URI.create("registry4j:///orders?address=h:1")))
                .withMessageContaining("the authority must name the backend");
    }

    @Test
    void secretsInATargetAreNotRepeatedInMessages() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ResolverTarget.parseRegistryUrl(
                        URI.create("registry4j://etcd/orders/v1?address=h:1&password=hunter2")))
                .withMessageNotContaining("hunter2");
    }
}
