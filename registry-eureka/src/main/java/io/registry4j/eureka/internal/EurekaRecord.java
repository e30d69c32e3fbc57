package io.registry4j.eureka.internal;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One Eureka instance as the server lists it, with only the fields registry4j reads. Values are kept as sent, even
 * invalid ones: {@link EurekaInstanceCodec#decode} judges them, so that one bad instance is skipped alone.
 *
 * @param app the application name, upper case
 * @param instanceId Eureka's instance id, empty if missing
 * @param status {@code UP}, {@code DOWN}, {@code STARTING}, {@code OUT_OF_SERVICE} or {@code UNKNOWN}
 * @param ipAddr the address, or null
 * @param port the plain port
 * @param portEnabled whether the plain port is in use
 * @param securePort the TLS port
 * @param securePortEnabled whether the TLS port is in use
 * @param homePageUrl the home page URL, or null; Kratos writes its endpoint there, plus {@code /}
 * @param metadata the metadata, without Eureka's {@code @class} marker
 * @param actionType {@code ADDED}, {@code MODIFIED} or {@code DELETED} in a delta, else null
 * @param problem what was malformed in this instance's JSON, or null
 */
public record EurekaRecord(
        String app,
        String instanceId,
        String status,
        @Nullable String ipAddr,
        int port,
        boolean portEnabled,
        int securePort,
        boolean securePortEnabled,
        @Nullable String homePageUrl,
        Map<String, String> metadata,
        @Nullable String actionType,
        @Nullable String problem) {

    /** Eureka's status of a healthy instance. */
    public static final String UP = "UP";

    /**
     * Tells whether the instance is {@code UP}.
     *
     * @return true if it is
     */
    public boolean isUp() {
        return UP.equals(status);
    }

    /**
     * Where this instance is, for log messages about it.
     *
     * @return such as {@code app ORDERS instance o-1:http:10.0.0.1:80}
     */
    public String key() {
        return "app " + app + " instance " + (instanceId.isEmpty() ? "(no instanceId)" : instanceId);
    }
}
