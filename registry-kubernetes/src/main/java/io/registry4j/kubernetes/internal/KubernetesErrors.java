package io.registry4j.kubernetes.internal;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.registry4j.RegistryException;
import java.io.InterruptedIOException;

/** Turns the fabric8 client's failures into {@link RegistryException}s that say what to do. Stateless. */
public final class KubernetesErrors {
    /** The backend name, also the URL scheme. */
    public static final String BACKEND = "kubernetes";

    private KubernetesErrors() {}

    /**
     * Classifies a failed call.
     *
     * @param what the call, such as {@code patch pod default/orders-1}
     * @param verb the RBAC verb the call needs, such as {@code patch}
     * @param namespace the namespace, or null for all namespaces
     * @param e the failure
     * @return the exception to throw
     */
    public static RegistryException of(String what, String verb, String namespace, RuntimeException e) {
        if (e instanceof RegistryException re) {
            return re;
        }
        if (e instanceof KubernetesClientTimeoutException) {
            return new RegistryException(RegistryException.Kind.TIMEOUT, BACKEND, what + " timed out", e);
        }
        if (e instanceof KubernetesClientException k) {
            int code = k.getCode();
            String reason = k.getStatus() != null && k.getStatus().getMessage() != null
                    ? k.getStatus().getMessage()
                    : String.valueOf(k.getMessage());
            String scope =
                    namespace.isEmpty() ? "all namespaces (a ClusterRole)" : "namespace '" + namespace + "' (a Role)";
            RegistryException mapped = switch (code) {
                case 401 ->
                    new RegistryException(
                            RegistryException.Kind.UNAUTHENTICATED,
                            BACKEND,
                            "authentication failed: " + what + ": the API server rejected the client's "
                                    + "credentials (401); check the token or certificate of the kubeconfig or "
                                    + "service account",
                            e);
                case 403 ->
                    new RegistryException(
                            RegistryException.Kind.PERMISSION_DENIED,
                            BACKEND,
                            what + " is forbidden: grant the verb '" + verb + "' on the resource 'pods' in " + scope
                                    + " to this service account (see the registry-kubernetes README); the API "
                                    + "server said: " + reason,
                            e);
                case 404 ->
                    new RegistryException(
                            RegistryException.Kind.UNAVAILABLE, BACKEND, what + ": not found (404): " + reason, e);
                case 409 ->
                    new RegistryException(
                            RegistryException.Kind.CONFLICT, BACKEND, what + ": conflict (409): " + reason, e);
                case 400, 422 ->
                    new RegistryException(
                            RegistryException.Kind.INVALID_ARGUMENT,
                            BACKEND,
                            what + ": the API server refused it (" + code + "): " + reason,
                            e);
                default -> null;
            };
            if (mapped != null) {
                return mapped;
            }
            if (hasCause(e, InterruptedException.class) || hasCause(e, InterruptedIOException.class)) {
                if (Thread.currentThread().isInterrupted() || hasCause(e, InterruptedException.class)) {
                    return new RegistryException(
                            RegistryException.Kind.INTERRUPTED, BACKEND, what + " was interrupted", e);
                }
                return new RegistryException(RegistryException.Kind.TIMEOUT, BACKEND, what + " timed out", e);
            }
            return new RegistryException(
                    RegistryException.Kind.UNAVAILABLE,
                    BACKEND,
                    what + " failed" + (code > 0 ? " (" + code + ")" : "") + ": " + reason,
                    e);
        }
        return new RegistryException(RegistryException.Kind.INTERNAL, BACKEND, what + " failed: " + e, e);
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
