package io.registry4j.nacos.internal;

import com.alibaba.nacos.api.exception.NacosException;
import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.pojo.Instance;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What this registry publishes in each Nacos service, and the SDK calls that put it there.
 *
 * <p>Why this exists: Nacos keeps <em>one</em> publication per service per client connection. A second
 * {@code registerInstance} of the same service through the same {@link NamingService} replaces the first (on the
 * server and in the SDK's redo book-keeping), so two endpoints of one instance, or two instances of one service
 * registered by one registry, cannot be registered one by one. Instead the registry keeps, per Nacos service, the
 * Nacos instances of every registry4j instance it holds there, and publishes the whole set on every change: one
 * instance with {@code registerInstance}, several with {@code batchRegisterInstance}, none by withdrawing the
 * publication ({@code deregisterInstance}, or for a batch {@code batchDeregisterInstance}, after which the SDK keeps an
 * empty batch, invisible to discovery, until the connection closes).
 *
 * <p>Failures: the SDK records the new set for redo before it sends it, so a write that fails would otherwise be
 * registered later by the SDK behind the caller's back (a registration reported as failed that appears anyway). A
 * failed change is therefore undone: the previous set is published again (which, if the server is still out of
 * reach, at least puts it back into the SDK's redo book-keeping). A removal is never undone: the SDK will withdraw it
 * once the server answers.
 *
 * <p>Ordering: changes of one Nacos service are serialized by its lock, held across the SDK call; different services
 * proceed in parallel, and no writer holds two locks at once. An instance spread over several Nacos services (the
 * Kratos layout) is changed one service at a time: first those it is written to, in name order, then those it leaves,
 * so that an update that drops an endpoint's scheme never leaves readers with neither the old registration nor the
 * new one whole (readers list an instance only with all its endpoints, see {@link NacosInstanceCodec}).
 *
 * <p>Thread-safe.
 */
public final class NacosPublications {
    private static final System.Logger LOG = System.getLogger(NacosPublications.class.getName());

    private final NamingService naming;
    private final String group;
    private final NacosInstanceCodec codec;
    private final Map<String, Publication> services = new ConcurrentHashMap<>();

    /**
     * Creates the publications of one registry.
     *
     * @param naming the SDK client
     * @param group the group every service is in
     * @param codec the layout
     */
    public NacosPublications(NamingService naming, String group, NacosInstanceCodec codec) {
        this.naming = Objects.requireNonNull(naming, "naming");
        this.group = Objects.requireNonNull(group, "group");
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    /** The Nacos instances one Nacos service holds for this registry, by registry4j id. */
    private static final class Publication {
        final ReentrantLock lock = new ReentrantLock();
        Map<String, List<Instance>> byId = new TreeMap<>();
    }

    private Publication publication(String service) {
        return services.computeIfAbsent(service, s -> new Publication());
    }

    /**
     * Creates or replaces an instance in every Nacos service it maps to, and removes it from those it no longer maps
     * to.
     *
     * @param instance the instance
     * @throws RegistryException if the SDK failed; the previous state is then published again
     */
    public void write(ServiceInstance instance) {
        Map<String, List<Instance>> encoded = codec.encode(instance);
        Set<String> touched = new LinkedHashSet<>(new TreeSet<>(encoded.keySet()));
        touched.addAll(servicesHolding(instance)); // in name order
        Map<String, Map<String, List<Instance>>> done = new LinkedHashMap<>();
        for (String service : touched) {
            Publication p = publication(service);
            p.lock.lock();
            try {
                Map<String, List<Instance>> previous = p.byId;
                Map<String, List<Instance>> next = new TreeMap<>(previous);
                List<Instance> mine = encoded.get(service);
                if (mine == null) {
                    next.remove(instance.id());
                } else {
                    next.put(instance.id(), mine);
                }
                try {
                    publish(service, previous, next, "register " + instance.name() + "/" + instance.id());
                } catch (RegistryException e) {
                    restore(service, p, next, previous);
                    undo(done);
                    throw e;
                }
                p.byId = next;
                done.put(service, previous);
            } finally {
                p.lock.unlock();
            }
        }
    }

    /**
     * Removes an instance from every Nacos service that holds it.
     *
     * @param instance the instance; its name and id matter
     * @throws RegistryException if the SDK failed; the SDK withdraws it once the server answers
     */
    public void remove(ServiceInstance instance) {
        RegistryException failure = null;
        for (String service : servicesHolding(instance)) {
            Publication p = publication(service);
            p.lock.lock();
            try {
                Map<String, List<Instance>> previous = p.byId;
                if (!previous.containsKey(instance.id())) {
                    continue;
                }
                Map<String, List<Instance>> next = new TreeMap<>(previous);
                next.remove(instance.id());
                // The SDK has recorded the smaller set even if the call fails, and will publish it on reconnect.
                p.byId = next;
                publish(service, previous, next, "deregister " + instance.name() + "/" + instance.id());
            } catch (RegistryException e) {
                if (failure == null) {
                    failure = e;
                }
            } finally {
                p.lock.unlock();
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * The Nacos instances of an instance this registry publishes, by Nacos service; empty if it publishes none.
     *
     * @param instance the instance; its name and id matter
     * @return Nacos service to the instance's Nacos instances there
     */
    public Map<String, List<Instance>> published(ServiceInstance instance) {
        Map<String, List<Instance>> out = new TreeMap<>();
        for (String service : servicesHolding(instance)) {
            Publication p = publication(service);
            p.lock.lock();
            try {
                List<Instance> mine = p.byId.get(instance.id());
                if (mine != null) {
                    out.put(service, mine);
                }
            } finally {
                p.lock.unlock();
            }
        }
        return out;
    }

    private Set<String> servicesHolding(ServiceInstance instance) {
        Set<String> out = new LinkedHashSet<>();
        for (String service : candidateServices(instance)) {
            Publication p = services.get(service);
            if (p != null) {
                p.lock.lock();
                try {
                    if (p.byId.containsKey(instance.id())) {
                        out.add(service);
                    }
                } finally {
                    p.lock.unlock();
                }
            }
        }
        return out;
    }

    private List<String> candidateServices(ServiceInstance instance) {
        List<String> out = new ArrayList<>();
        for (String service : services.keySet()) {
            if (instance.name().equals(codec.logicalName(service))) {
                out.add(service);
            }
        }
        out.sort(null);
        return out;
    }

    private void undo(Map<String, Map<String, List<Instance>>> done) {
        List<Map.Entry<String, Map<String, List<Instance>>>> order = new ArrayList<>(done.entrySet());
        Collections.reverse(order);
        for (Map.Entry<String, Map<String, List<Instance>>> e : order) {
            Publication p = publication(e.getKey());
            p.lock.lock();
            try {
                restore(e.getKey(), p, p.byId, e.getValue());
            } finally {
                p.lock.unlock();
            }
        }
    }

    /** Publishes {@code previous} again after {@code failed} was (perhaps half) applied; never throws. */
    private void restore(
            String service, Publication p, Map<String, List<Instance>> failed, Map<String, List<Instance>> previous) {
        p.byId = previous;
        if (failed.equals(previous)) {
            return; // a retry of the same set: nothing to undo
        }
        try {
            publish(service, failed, previous, "restore the previous instances of " + service);
        } catch (RegistryException e) {
            LOG.log(
                    Level.DEBUG,
                    "nacos: could not publish the previous instances of {0} again; the SDK will when it reconnects: {1}",
                    service,
                    e.getMessage());
        }
    }

    private void publish(
            String service, Map<String, List<Instance>> previous, Map<String, List<Instance>> next, String what) {
        List<Instance> all = flatten(next);
        List<Instance> before = flatten(previous);
        String target = group + "@@" + service;
        try {
            if (all.size() == 1) {
                naming.registerInstance(service, group, all.get(0));
            } else if (!all.isEmpty()) {
                naming.batchRegisterInstance(service, group, all);
            } else if (before.size() == 1) {
                naming.deregisterInstance(service, group, before.get(0));
            } else if (!before.isEmpty()) {
                withdrawBatch(service, before);
            }
        } catch (NacosException | RuntimeException e) {
            throw NacosErrors.wrap(what + " in " + target, e);
        }
    }

    private void withdrawBatch(String service, List<Instance> before) throws NacosException {
        try {
            naming.batchDeregisterInstance(service, group, before);
        } catch (NacosException e) {
            if (e.getErrCode() != NacosException.INVALID_PARAM) {
                throw e;
            }
            // The SDK holds no batch for the service (someone deregistered it through this client): withdraw
            // whatever it holds.
            naming.deregisterInstance(service, group, before.get(0));
        }
    }

    private static List<Instance> flatten(Map<String, List<Instance>> byId) {
        List<Instance> out = new ArrayList<>();
        byId.values().forEach(out::addAll);
        return out;
    }
}
