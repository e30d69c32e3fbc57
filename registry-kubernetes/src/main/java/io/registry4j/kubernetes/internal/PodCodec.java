package io.registry4j.kubernetes.internal;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.registry4j.Endpoints;
import io.registry4j.RegistryException;
import io.registry4j.ServiceInstance;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Kratos' Kubernetes layout: a pod carries one instance in its labels {@code kratos-service-id}, {@code
 * kratos-service-app}, {@code kratos-service-version} and its annotations {@code kratos-service-metadata} (a JSON object
 * of strings) and {@code kratos-service-protocols} (a JSON object {@code {"<port>":"<scheme>"}}); the endpoints' host is
 * the pod's IP. A version that is not a valid label value is written to the label in a label-safe form and in full to
 * the annotation {@value #VERSION_ANNOTATION}.
 *
 * <p>Stateless and thread-safe.
 */
public final class PodCodec {
    /** The label holding the instance id. */
    public static final String ID_LABEL = "kratos-service-id";
    /** The label holding the service name; discovery selects pods on it. */
    public static final String APP_LABEL = "kratos-service-app";
    /** The label holding the version. */
    public static final String VERSION_LABEL = "kratos-service-version";
    /** The annotation holding the metadata as a JSON object. */
    public static final String METADATA_ANNOTATION = "kratos-service-metadata";
    /** The annotation holding {@code {"<port>":"<scheme>"}}. */
    public static final String PROTOCOLS_ANNOTATION = "kratos-service-protocols";
    /** The full version, written only when it is not a valid label value. */
    public static final String VERSION_ANNOTATION = "registry4j.io/version";

    /** Kubernetes' rule for a label value (apimachinery {@code IsValidLabelValue}). */
    static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");

    static final String LABEL_RULE =
            "a Kubernetes label value: at most 63 characters, letters, digits, '-', '_' or '.', starting and ending "
                    + "with a letter or digit";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private PodCodec() {}

    /**
     * Tells whether {@code value} is a valid label value.
     *
     * @param value the value
     * @return true if Kubernetes accepts it as a label value
     */
    public static boolean isLabelValue(String value) {
        return value.length() <= 63 && LABEL_VALUE.matcher(value).matches();
    }

    /**
     * The label form of a version: the version itself if it is a valid label value, else each character outside the
     * label alphabet replaced with {@code _}, cut to 63 characters, with leading and trailing non-alphanumerics
     * removed.
     *
     * @param version the version
     * @return a valid label value
     */
    public static String versionLabel(String version) {
        if (isLabelValue(version)) {
            return version;
        }
        StringBuilder b = new StringBuilder(version.length());
        for (int i = 0; i < version.length(); i++) {
            char c = version.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '_'
                    || c == '.';
            b.append(ok ? c : '_');
        }
        String s = b.length() > 63 ? b.substring(0, 63) : b.toString();
        int start = 0;
        int end = s.length();
        while (start < end && !Character.isLetterOrDigit(s.charAt(start))) {
            start++;
        }
        while (end > start && !Character.isLetterOrDigit(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    /**
     * Checks that an instance fits the layout, before anything is written.
     *
     * @param instance the instance
     * @throws RegistryException of kind {@code INVALID_ARGUMENT} naming the field, the value and the rule
     */
    public static void check(ServiceInstance instance) {
        if (!isLabelValue(instance.id())) {
            throw invalid(
                    "id", instance.id(), "must be " + LABEL_RULE + " (it is stored in the label " + ID_LABEL + ")");
        }
        if (!isLabelValue(instance.name())) {
            throw invalid(
                    "name",
                    instance.name(),
                    "must be " + LABEL_RULE + " (it is stored in the label " + APP_LABEL + ")");
        }
        Map<Integer, URI> ports = new LinkedHashMap<>();
        for (URI e : instance.endpoints()) {
            URI before = ports.putIfAbsent(Endpoints.port(e), e);
            if (before != null) {
                throw invalid(
                        "endpoints",
                        before + ", " + e,
                        "must use different ports: Kubernetes' layout keeps one scheme per port of the pod");
            }
        }
    }

    private static RegistryException invalid(String field, String value, String rule) {
        return new RegistryException(
                RegistryException.Kind.INVALID_ARGUMENT,
                KubernetesErrors.BACKEND,
                field + " \"" + value + "\" " + rule);
    }

    /**
     * The JSON merge patch that writes an instance onto a pod, touching only the layout's keys.
     *
     * @param instance the instance
     * @return the patch
     */
    public static String registerPatch(ServiceInstance instance) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode metadata = root.putObject("metadata");
        ObjectNode labels = metadata.putObject("labels");
        labels.put(ID_LABEL, instance.id());
        labels.put(APP_LABEL, instance.name());
        String versionLabel = versionLabel(instance.version());
        labels.put(VERSION_LABEL, versionLabel);
        ObjectNode annotations = metadata.putObject("annotations");
        annotations.put(METADATA_ANNOTATION, metadataJson(instance.metadata()));
        annotations.put(PROTOCOLS_ANNOTATION, protocolsJson(instance.endpoints()));
        if (versionLabel.equals(instance.version())) {
            annotations.putNull(VERSION_ANNOTATION);
        } else {
            annotations.put(VERSION_ANNOTATION, instance.version());
        }
        return JSON.writeValueAsString(root);
    }

    /**
     * The JSON merge patch that removes exactly the layout's keys, guarded by the pod's resource version.
     *
     * @param resourceVersion the version of the pod read just before, or null for no guard
     * @return the patch
     */
    public static String deregisterPatch(@Nullable String resourceVersion) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode metadata = root.putObject("metadata");
        if (resourceVersion != null) {
            metadata.put("resourceVersion", resourceVersion);
        }
        ObjectNode labels = metadata.putObject("labels");
        labels.putNull(ID_LABEL);
        labels.putNull(APP_LABEL);
        labels.putNull(VERSION_LABEL);
        ObjectNode annotations = metadata.putObject("annotations");
        annotations.putNull(METADATA_ANNOTATION);
        annotations.putNull(PROTOCOLS_ANNOTATION);
        annotations.putNull(VERSION_ANNOTATION);
        return JSON.writeValueAsString(root);
    }

    static String metadataJson(Map<String, String> metadata) {
        ObjectNode node = JSON.createObjectNode();
        metadata.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> node.put(e.getKey(), e.getValue()));
        return JSON.writeValueAsString(node);
    }

    static String protocolsJson(List<URI> endpoints) {
        ObjectNode node = JSON.createObjectNode();
        for (URI e : endpoints) {
            node.put(Integer.toString(Endpoints.port(e)), e.getScheme());
        }
        return JSON.writeValueAsString(node);
    }

    /**
     * Tells whether a pod carries this instance (same service and id in its labels).
     *
     * @param pod the pod
     * @param instance the instance
     * @return true if the labels name it
     */
    public static boolean carries(Pod pod, ServiceInstance instance) {
        Map<String, String> labels = labels(pod);
        return instance.id().equals(labels.get(ID_LABEL)) && instance.name().equals(labels.get(APP_LABEL));
    }

    /**
     * Tells whether a pod carries exactly this instance, as the registry wrote it.
     *
     * @param pod the pod
     * @param instance the instance
     * @return true if labels and annotations are as written
     */
    public static boolean carriesExactly(Pod pod, ServiceInstance instance) {
        if (!carries(pod, instance)) {
            return false;
        }
        Map<String, String> labels = labels(pod);
        Map<String, String> annotations = annotations(pod);
        return versionLabel(instance.version()).equals(labels.get(VERSION_LABEL))
                && metadataJson(instance.metadata()).equals(annotations.get(METADATA_ANNOTATION))
                && protocolsJson(instance.endpoints()).equals(annotations.get(PROTOCOLS_ANNOTATION));
    }

    /**
     * The service a pod is labelled with.
     *
     * @param pod the pod
     * @return the value of {@value #APP_LABEL}, or null
     */
    public static @Nullable String service(Pod pod) {
        return labels(pod).get(APP_LABEL);
    }

    /**
     * Applies the health policy: the pod has an IP, is not terminating, and its {@code Ready} condition is true.
     *
     * @param pod the pod
     * @return true if it is healthy
     */
    public static boolean healthy(Pod pod) {
        if (pod.getMetadata() != null && pod.getMetadata().getDeletionTimestamp() != null) {
            return false;
        }
        if (pod.getStatus() == null) {
            return false;
        }
        String ip = pod.getStatus().getPodIP();
        if (ip == null || ip.isEmpty()) {
            return false;
        }
        List<PodCondition> conditions = pod.getStatus().getConditions();
        if (conditions == null) {
            return false;
        }
        for (PodCondition c : conditions) {
            if ("Ready".equals(c.getType())) {
                return "True".equals(c.getStatus());
            }
        }
        return false;
    }

    /**
     * Reads the instance a pod carries. Endpoints are the ports of the protocols annotation on the pod IP, those the
     * containers declare first, in their order, then the others in the annotation's order; without that annotation (or with an empty one), every container port, its scheme from the port's name up to
     * the first {@code -} ({@code grpc-api} is {@code grpc}), else from its L4 protocol, lower-cased.
     *
     * @param pod a pod labelled {@value #APP_LABEL}
     * @return the instance
     * @throws IllegalArgumentException if the labels or annotations do not make a valid instance, saying why
     */
    public static ServiceInstance decode(Pod pod) {
        Map<String, String> labels = labels(pod);
        Map<String, String> annotations = annotations(pod);
        String name = Objects.requireNonNullElse(labels.get(APP_LABEL), "");
        String id = Objects.requireNonNullElse(labels.get(ID_LABEL), "");
        String versionLabel = Objects.requireNonNullElse(labels.get(VERSION_LABEL), "");
        String fullVersion = annotations.get(VERSION_ANNOTATION);
        String version =
                fullVersion != null && versionLabel(fullVersion).equals(versionLabel) ? fullVersion : versionLabel;
        Map<String, String> metadata = stringMap(annotations.get(METADATA_ANNOTATION), METADATA_ANNOTATION);
        Map<String, String> protocols = stringMap(annotations.get(PROTOCOLS_ANNOTATION), PROTOCOLS_ANNOTATION);
        String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
        if (ip == null || ip.isEmpty()) {
            throw new IllegalArgumentException("the pod has no IP yet");
        }
        String host = ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip;
        List<String> endpoints = new ArrayList<>();
        if (!protocols.isEmpty()) {
            // In the order of the container ports, as Kratos lists them (its annotation is a Go map, in no order);
            // ports the containers do not declare follow in the annotation's order.
            Map<String, String> left = new LinkedHashMap<>(protocols);
            for (ContainerPort p : containerPorts(pod)) {
                String port = String.valueOf(p.getContainerPort());
                String scheme = left.remove(port);
                if (scheme != null) {
                    endpoints.add(scheme + "://" + host + ":" + port);
                }
            }
            left.forEach((port, scheme) -> endpoints.add(scheme + "://" + host + ":" + port));
        } else if (pod.getSpec() != null && pod.getSpec().getContainers() != null) {
            for (Container c : pod.getSpec().getContainers()) {
                if (c.getPorts() == null) {
                    continue;
                }
                for (ContainerPort p : c.getPorts()) {
                    String scheme = schemeOf(p);
                    endpoints.add(scheme + "://" + host + ":" + p.getContainerPort());
                }
            }
        }
        ServiceInstance.Builder b =
                ServiceInstance.builder().id(id).name(name).version(version).metadata(metadata);
        endpoints.forEach(b::endpoint);
        return b.build();
    }

    private static List<ContainerPort> containerPorts(Pod pod) {
        List<ContainerPort> out = new ArrayList<>();
        if (pod.getSpec() != null && pod.getSpec().getContainers() != null) {
            for (Container c : pod.getSpec().getContainers()) {
                if (c.getPorts() != null) {
                    out.addAll(c.getPorts());
                }
            }
        }
        return out;
    }

    private static String schemeOf(ContainerPort p) {
        String portName = p.getName();
        if (portName != null && !portName.isEmpty()) {
            int dash = portName.indexOf('-');
            return dash < 0 ? portName : portName.substring(0, dash);
        }
        return Objects.requireNonNullElse(p.getProtocol(), "TCP").toLowerCase(java.util.Locale.ROOT);
    }

    private static boolean isEmptyObject(@Nullable String s) {
        // Kratos treats these as "no value", and writes "{}" on deregister.
        return s == null || s.isEmpty() || s.equals("{}") || s.equals("null") || s.equals("nil") || s.equals("[]");
    }

    private static Map<String, String> stringMap(@Nullable String json, String annotation) {
        if (isEmptyObject(json == null ? null : json.strip())) {
            return Map.of();
        }
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(
                    "annotation " + annotation + " is not JSON: " + e.getOriginalMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("annotation " + annotation + " is not a JSON object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isString()) {
                throw new IllegalArgumentException(
                        "annotation " + annotation + " has a value that is not a string at key " + e.getKey());
            }
            out.put(e.getKey(), e.getValue().asString());
        }
        return out;
    }

    private static Map<String, String> labels(Pod pod) {
        Map<String, String> l =
                pod.getMetadata() == null ? null : pod.getMetadata().getLabels();
        return l == null ? Map.of() : l;
    }

    private static Map<String, String> annotations(Pod pod) {
        Map<String, String> a =
                pod.getMetadata() == null ? null : pod.getMetadata().getAnnotations();
        return a == null ? Map.of() : a;
    }
}
