package io.registry4j.polaris.internal;

import com.tencent.polaris.api.exception.ErrorCode;
import com.tencent.polaris.api.exception.PolarisException;
import io.registry4j.RegistryException;
import io.registry4j.RegistryException.Kind;

/**
 * Turns Polaris SDK failures into {@link RegistryException}s.
 *
 * <p>Design: the SDK throws an unchecked {@link PolarisException} with an {@link ErrorCode} of its own and, when the
 * server answered, the server's code ({@link PolarisException#getServerErrCode()}: {@code 400202} not found,
 * {@code 400201} existed, {@code 401000} unauthorized, …). Network failures and timeouts are retryable; a refusal by
 * the server is not. Stateless and thread-safe.
 */
public final class PolarisErrors {
    /** The server's "resource not found" (an instance it does not hold). */
    public static final int NOT_FOUND_RESOURCE = 400202;

    /** The server's "service not found". */
    public static final int NOT_FOUND_SERVICE = 400301;

    /** The server's "instance not found" on heartbeat (code of the health-check server). */
    public static final int NOT_FOUND_INSTANCE = 400304;

    private PolarisErrors() {}

    /**
     * Tells whether the server said it does not hold what a heartbeat or deregistration named.
     *
     * @param e the failure
     * @return true for the server's not-found codes
     */
    public static boolean isNotFound(Throwable e) {
        if (e instanceof PolarisException p) {
            int server = p.getServerErrCode();
            return server == NOT_FOUND_RESOURCE
                    || server == NOT_FOUND_SERVICE
                    || server == NOT_FOUND_INSTANCE
                    || p.getCode() == ErrorCode.INSTANCE_NOT_FOUND
                    || p.getCode() == ErrorCode.SERVICE_NOT_FOUND;
        }
        return false;
    }

    /**
     * Wraps a native failure.
     *
     * @param what the call that failed, such as {@code register orders/1}
     * @param failure the failure
     * @return the exception, with the native failure as its cause
     */
    public static RegistryException wrap(String what, Throwable failure) {
        if (failure instanceof RegistryException re) {
            return re;
        }
        if (!(failure instanceof PolarisException e)) {
            return new RegistryException(Kind.INTERNAL, "polaris", what + " failed: " + failure, failure);
        }
        Kind kind = kind(e.getCode(), e.getServerErrCode());
        String server = e.getServerErrCode() > 0 ? " (server code " + e.getServerErrCode() + ")" : "";
        return new RegistryException(
                kind, "polaris", what + " failed: " + e.getCode() + server + ", " + e.getMessage(), e);
    }

    static Kind kind(ErrorCode code, int serverCode) {
        if (serverCode == 401000 || serverCode == 401001 || serverCode == 407000) {
            return Kind.UNAUTHENTICATED;
        }
        if (serverCode == 403000 || serverCode == 403001) {
            return Kind.PERMISSION_DENIED;
        }
        return switch (code) {
            case API_INVALID_ARGUMENT, INVALID_CONFIG, INVALID_REQUEST, PARAMETER_ERROR -> Kind.INVALID_ARGUMENT;
            case API_TIMEOUT, RPC_TIMEOUT -> Kind.TIMEOUT;
            case NETWORK_ERROR,
                    CONNECT_ERROR,
                    SERVER_EXCEPTION,
                    SERVER_ERROR,
                    RPC_ERROR,
                    INVALID_SERVER_RESPONSE,
                    UNKNOWN_SERVER_ERROR,
                    REQUEST_LIMIT,
                    INVALID_STATE -> Kind.UNAVAILABLE;
            case UNAUTHORIZED -> Kind.UNAUTHENTICATED;
            case SERVER_USER_ERROR -> serverCode >= 500000 ? Kind.UNAVAILABLE : Kind.INVALID_ARGUMENT;
            default -> Kind.INTERNAL;
        };
    }
}
