package io.registry4j.grpc;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Empty;
import com.google.protobuf.StringValue;
import com.google.protobuf.WireFormat;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.registry4j.ServiceInstance;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;

/**
 * A real gRPC server on loopback (Netty transport): gRPC's standard health check ({@code grpc.health.v1.Health/Check},
 * wire-compatible with grpc-services and Go's {@code grpc_health_v1}, written here on protobuf's wire format so that the
 * module's tests run on the gRPC version registry-bom aligns), and one unary method that answers with the server's
 * name, so that a test sees which server a call reached.
 */
final class LoopbackGrpcServer implements AutoCloseable {

    /**
     * {@code registry4j.test.Whoami/Name}: takes any {@code google.protobuf.StringValue}, answers the server's name in
     * one. The Kratos peer's {@code grpc-serve} serves and its {@code grpc-call} calls the same method.
     */
    static final MethodDescriptor<StringValue, StringValue> WHOAMI =
            MethodDescriptor.<StringValue, StringValue>newBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName(MethodDescriptor.generateFullMethodName("registry4j.test.Whoami", "Name"))
                    .setRequestMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
                    .setResponseMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
                    .build();

    /** {@code grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING}. */
    static final int SERVING = 1;

    /** {@code grpc.health.v1.HealthCheckResponse.ServingStatus.NOT_SERVING}. */
    static final int NOT_SERVING = 2;

    /**
     * {@code grpc.health.v1.Health/Check} for the whole server: the request is a {@code HealthCheckRequest} with no
     * service name, which has no field on the wire (as {@code google.protobuf.Empty}); the answer is the {@code
     * HealthCheckResponse}'s status (field 1), as its number.
     */
    static final MethodDescriptor<Empty, Integer> HEALTH_CHECK = MethodDescriptor.<Empty, Integer>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("grpc.health.v1.Health", "Check"))
            .setRequestMarshaller(ProtoUtils.marshaller(Empty.getDefaultInstance()))
            .setResponseMarshaller(new ServingStatusMarshaller())
            .build();

    private static final InetAddress LOOPBACK;

    static {
        try {
            LOOPBACK = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final Server server;
    private volatile int status = SERVING;

    private LoopbackGrpcServer(String name) {
        this.name = name;
        ServerServiceDefinition whoami = ServerServiceDefinition.builder("registry4j.test.Whoami")
                .addMethod(WHOAMI, ServerCalls.asyncUnaryCall((request, response) -> {
                    response.onNext(StringValue.of(name));
                    response.onCompleted();
                }))
                .build();
        server = NettyServerBuilder.forAddress(new InetSocketAddress(LOOPBACK, 0))
                .addService(whoami)
                .addService(ServerServiceDefinition.builder("grpc.health.v1.Health")
                        .addMethod(HEALTH_CHECK, ServerCalls.asyncUnaryCall((request, response) -> {
                            response.onNext(status);
                            response.onCompleted();
                        }))
                        .build())
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start gRPC server " + name, e);
        }
    }

    static LoopbackGrpcServer start(String name) {
        return new LoopbackGrpcServer(name);
    }

    String name() {
        return name;
    }

    int port() {
        return server.getPort();
    }

    String endpoint() {
        return "grpc://127.0.0.1:" + port();
    }

    /** An instance of {@code service} served by this server. */
    ServiceInstance instance(String service, String id) {
        return ServiceInstance.builder()
                .id(id)
                .name(service)
                .version("v1")
                .endpoint(endpoint())
                .build();
    }

    /** One call of the name method through a channel: the name of the server that answered. */
    static String whoami(Channel channel) {
        return ClientCalls.blockingUnaryCall(
                        channel,
                        WHOAMI,
                        CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
                        StringValue.of("who"))
                .getValue();
    }

    /**
     * One health check through a channel.
     *
     * @return the serving status's number, such as {@link #SERVING}
     */
    static int health(Channel channel, CallOptions options) {
        return ClientCalls.blockingUnaryCall(channel, HEALTH_CHECK, options, Empty.getDefaultInstance());
    }

    @Override
    public void close() {
        status = NOT_SERVING;
        server.shutdownNow();
        try {
            server.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name + "@" + endpoint();
    }

    /** The status field (1, an enum) of {@code grpc.health.v1.HealthCheckResponse}, on protobuf's wire format. */
    private static final class ServingStatusMarshaller implements MethodDescriptor.Marshaller<Integer> {
        private static final int STATUS_TAG = (1 << 3) | WireFormat.WIRETYPE_VARINT; // field 1, varint

        @Override
        public InputStream stream(Integer value) {
            var out = new ByteArrayOutputStream();
            CodedOutputStream coded = CodedOutputStream.newInstance(out);
            try {
                coded.writeEnum(1, value);
                coded.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new ByteArrayInputStream(out.toByteArray());
        }

        @Override
        public Integer parse(InputStream stream) {
            CodedInputStream coded = CodedInputStream.newInstance(stream);
            int value = 0; // proto3: an absent enum is its first value, UNKNOWN
            try {
                for (int tag = coded.readTag(); tag != 0; tag = coded.readTag()) {
                    if (tag == STATUS_TAG) {
                        value = coded.readEnum();
                    } else if (!coded.skipField(tag)) {
                        break;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return value;
        }
    }
}
