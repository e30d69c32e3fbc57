package io.registry4j.grpc;

import com.google.protobuf.StringValue;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.registry4j.ServiceInstance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;

/**
 * A real gRPC server on loopback (Netty transport): gRPC's standard health service, and one unary method that answers
 * with the server's name, so that a test sees which server a call reached.
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
    private final HealthStatusManager health = new HealthStatusManager();

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
                .addService(health.getHealthService())
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

    @Override
    public void close() {
        health.enterTerminalState();
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
}
