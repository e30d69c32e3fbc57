package io.registry4j.spi;

import io.registry4j.ServiceInstance;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/** A registry for tests of the shared machinery: records writes, reads return them, watches stay open until closed. */
final class RecordingRegistry extends AbstractServiceRegistry {
    final List<ServiceInstance> written = new CopyOnWriteArrayList<>();
    final AtomicInteger clientCloses = new AtomicInteger();

    RecordingRegistry(@Nullable Scheduler scheduler, @Nullable Duration keepAlive) {
        super(
                "recording",
                new Options(
                        Options.DEFAULT_CALL_TIMEOUT,
                        io.registry4j.Backoff.ofDefaults(),
                        Clock.systemUTC(),
                        scheduler,
                        keepAlive));
    }

    @Override
    protected void write(ServiceInstance instance) {
        written.add(instance);
    }

    @Override
    protected void remove(ServiceInstance instance) {
        written.remove(instance);
    }

    @Override
    protected List<ServiceInstance> read(String service) {
        return List.copyOf(written);
    }

    @Override
    protected AutoCloseable openWatch(String service, ServiceViews.Sink sink) {
        sink.update(List.copyOf(written));
        return () -> {};
    }

    @Override
    protected void closeClient() {
        clientCloses.incrementAndGet();
    }

    /** Checks answered by the test, when {@link #asyncChecks} is set. */
    final List<CompletableFuture<Boolean>> checks = new CopyOnWriteArrayList<>();

    volatile boolean asyncChecks;

    @Override
    protected CompletionStage<Boolean> verifyAsync(ServiceInstance instance) {
        if (!asyncChecks) {
            return super.verifyAsync(instance);
        }
        var f = new CompletableFuture<Boolean>();
        checks.add(f);
        return f;
    }
}
