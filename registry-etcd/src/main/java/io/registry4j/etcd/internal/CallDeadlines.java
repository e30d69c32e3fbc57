package io.registry4j.etcd.internal;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Gives every unary gRPC call of a client this registry builds a deadline of the call timeout.
 *
 * <p>Design: jetcd waits for a connection before it sends a call ({@code waitForReady}), which is what we want
 * across a server restart, but it sets no deadline on key-value and lease calls. A call we stopped waiting for
 * would then stay queued in the channel and run whenever the server came back, possibly after a newer write. With
 * a deadline the channel itself fails the call, so nothing runs late. Streams (watches, lease keepalives) are long
 * lived and get no deadline. Stateless and thread-safe.
 */
public final class CallDeadlines implements ClientInterceptor {
    private final long timeoutNanos;

    /**
     * An interceptor with the given deadline.
     *
     * @param timeout the deadline of each unary call
     */
    public CallDeadlines(Duration timeout) {
        this.timeoutNanos = Objects.requireNonNull(timeout, "timeout").toNanos();
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        boolean unary = method.getType() == MethodDescriptor.MethodType.UNARY;
        return next.newCall(
                method,
                unary && options.getDeadline() == null
                        ? options.withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS)
                        : options);
    }
}
