package io.registry4j.etcd.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.common.exception.ClosedClientException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdExceptionFactory;
import io.grpc.Status;
import io.registry4j.RegistryException;
import io.registry4j.RegistryException.Kind;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** How jetcd's and gRPC's failures become {@link RegistryException}s. */
@DisplayName("etcd error mapping")
class EtcdErrorsTest {

    private static Kind kindOf(Throwable t) {
        return EtcdErrors.toRegistryException("put /k", t).kind();
    }

    @Test
    @DisplayName("gRPC status codes map to kinds, and the message names the call and etcd's text")
    void statusCodes() {
        assertThat(kindOf(Status.UNAVAILABLE.withDescription("io exception").asRuntimeException()))
                .isEqualTo(Kind.UNAVAILABLE);
        assertThat(kindOf(Status.DEADLINE_EXCEEDED.asRuntimeException())).isEqualTo(Kind.TIMEOUT);
        assertThat(kindOf(Status.PERMISSION_DENIED.asRuntimeException())).isEqualTo(Kind.PERMISSION_DENIED);
        assertThat(kindOf(Status.UNAUTHENTICATED.asRuntimeException())).isEqualTo(Kind.UNAUTHENTICATED);
        assertThat(kindOf(Status.INVALID_ARGUMENT
                        .withDescription("etcdserver: authentication failed, invalid user ID or password")
                        .asRuntimeException()))
                .isEqualTo(Kind.UNAUTHENTICATED);
        assertThat(kindOf(Status.INVALID_ARGUMENT
                        .withDescription("etcdserver: key is not provided")
                        .asException()))
                .isEqualTo(Kind.INVALID_ARGUMENT);
        assertThat(kindOf(Status.DATA_LOSS.asRuntimeException())).isEqualTo(Kind.INTERNAL);
        RegistryException e = EtcdErrors.toRegistryException(
                "put /k",
                new ExecutionException(
                        Status.UNAVAILABLE.withDescription("io exception").asException()));
        assertThat(e.getMessage()).contains("put /k").contains("io exception");
        assertThat(e.getCause()).isNotNull();
    }

    @Test
    @DisplayName("jetcd's own exceptions, timeouts and a closed client are mapped too")
    void jetcdExceptions() {
        assertThat(kindOf(EtcdExceptionFactory.newEtcdException(ErrorCode.UNAVAILABLE, "Network closed")))
                .isEqualTo(Kind.UNAVAILABLE);
        assertThat(kindOf(new ClosedClientException("closed"))).isEqualTo(Kind.CLOSED);
        assertThat(kindOf(new TimeoutException())).isEqualTo(Kind.TIMEOUT);
    }

    @Test
    @DisplayName("gRPC's transport texts are said in plain words, the original kept for searching")
    void transportTextsInPlainWords() {
        RegistryException closed = EtcdErrors.toRegistryException(
                "keepalive of lease 1",
                EtcdExceptionFactory.newEtcdException(ErrorCode.UNAVAILABLE, "Network closed for unknown reason"));
        assertThat(closed.getMessage())
                .contains("keepalive of lease 1 failed: UNAVAILABLE the connection to etcd closed (the server stopped")
                .contains("gRPC: Network closed for unknown reason")
                .doesNotContain("EtcdException");
        assertThat(EtcdErrors.toRegistryException(
                                "get /k",
                                Status.UNAVAILABLE
                                        .withDescription("io exception")
                                        .asRuntimeException())
                        .getMessage())
                .contains("an I/O error on the connection to etcd; gRPC: io exception");
        assertThat(EtcdErrors.plain("etcdserver: request timed out")).isEqualTo("etcdserver: request timed out");
    }

    @Test
    @DisplayName("a missing lease is recognised in either shape")
    void leaseNotFound() {
        assertThat(EtcdErrors.isLeaseNotFound(Status.NOT_FOUND
                        .withDescription("etcdserver: requested lease not found")
                        .asRuntimeException()))
                .isTrue();
        assertThat(EtcdErrors.isLeaseNotFound(
                        EtcdExceptionFactory.newEtcdException(ErrorCode.NOT_FOUND, "requested lease not found")))
                .isTrue();
        assertThat(EtcdErrors.isLeaseNotFound(
                        EtcdErrors.toRegistryException("put", Status.NOT_FOUND.asRuntimeException())))
                .isTrue();
        assertThat(EtcdErrors.isLeaseNotFound(Status.UNAVAILABLE.asRuntimeException()))
                .isFalse();
    }
}
