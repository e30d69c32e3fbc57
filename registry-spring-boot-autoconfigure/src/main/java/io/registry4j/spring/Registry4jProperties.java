package io.registry4j.spring;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** The {@code registry4j.*} settings. */
@ConfigurationProperties("registry4j")
public class Registry4jProperties {

    /** Whether registry4j is configured at all. */
    private boolean enabled = true;

    /**
     * The registry URL, such as etcd://localhost:2379 or zookeeper://localhost:2181; the backend module for its scheme
     * must be on the class path.
     */
    private @Nullable String url;

    private final Instance instance = new Instance();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public @Nullable String getUrl() {
        return url;
    }

    public void setUrl(@Nullable String url) {
        this.url = url;
    }

    public Instance getInstance() {
        return instance;
    }

    /** How this application registers itself. */
    public static class Instance {

        /** Whether the application registers itself when its web server is ready. */
        private boolean register = true;

        /** The service name; defaults to spring.application.name. */
        private @Nullable String name;

        /** The instance id; defaults to a stable id from the service name, host and port. */
        private @Nullable String id;

        /** The version; defaults to the build-info version if there is one, else empty. */
        private @Nullable String version;

        /** Metadata published with the instance. */
        private Map<String, String> metadata = new LinkedHashMap<>();

        /**
         * Endpoints published, such as http://host:8080; defaults to the web server's actual port, with https when
         * server.ssl is enabled.
         */
        private List<String> endpoints = new ArrayList<>();

        /** The host in the default endpoint and id; defaults to this machine's address. */
        private @Nullable String host;

        public boolean isRegister() {
            return register;
        }

        public void setRegister(boolean register) {
            this.register = register;
        }

        public @Nullable String getName() {
            return name;
        }

        public void setName(@Nullable String name) {
            this.name = name;
        }

        public @Nullable String getId() {
            return id;
        }

        public void setId(@Nullable String id) {
            this.id = id;
        }

        public @Nullable String getVersion() {
            return version;
        }

        public void setVersion(@Nullable String version) {
            this.version = version;
        }

        public Map<String, String> getMetadata() {
            return metadata;
        }

        public void setMetadata(Map<String, String> metadata) {
            this.metadata = metadata;
        }

        public List<String> getEndpoints() {
            return endpoints;
        }

        public void setEndpoints(List<String> endpoints) {
            this.endpoints = endpoints;
        }

        public @Nullable String getHost() {
            return host;
        }

        public void setHost(@Nullable String host) {
            this.host = host;
        }
    }
}
