package io.registry4j.etcd;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.awaitility.Awaitility;

/**
 * A gRPC interceptor for a test's jetcd client that can cut the client's watch streams, the way a proxy or a
 * load balancer dropping an HTTP/2 stream would: the server sees the stream reset, the client's watch fails.
 */
final class WatchStreams implements ClientInterceptor {
    private static final String WATCH_METHOD = "etcdserverpb.Watch/Watch";

    private final Set<ClientCall<?, ?>> open = ConcurrentHashMap.newKeySet();

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        ClientCall<Q, R> call = next.newCall(method, options);
        if (!WATCH_METHOD.equals(method.getFullMethodName())) {
            return call;
        }
        return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                ClientCall<Q, R> self = this;
                open.add(self);
                super.start(
                        new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                            @Override
                            public void onClose(Status status, Metadata trailers) {
                                open.remove(self);
                                super.onClose(status, trailers);
                            }
                        },
                        headers);
            }
        };
    }

    /**
     * Cancels every open watch stream, after waiting for one to be open: a watch is opened right after its first
     * read, so a watcher may already have its list while its stream is still being set up.
     *
     * @return how many were cut
     */
    int cut() {
        Awaitility.await("a watch stream to be open")
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> !open.isEmpty());
        int n = 0;
        for (ClientCall<?, ?> call : open) {
            call.cancel("watch stream cut by the test", null);
            n++;
        }
        return n;
    }
}
