package io.registry4j.nacos.internal;

import com.alibaba.nacos.api.exception.NacosException;
import io.registry4j.RegistryException;
import io.registry4j.RegistryException.Kind;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

/**
 * Turns nacos-client failures into {@link RegistryException}s.
 *
 * <p>Design: the SDK reports every failure as a checked {@link NacosException} carrying an error code: negative codes
 * are the client's own ({@code -401} not connected, {@code -400} bad argument), positive ones are the server's,
 * HTTP-like ({@code 400}, {@code 403}, {@code 500}, {@code 503}, …). A request that got no answer in time is a
 * {@code 500} whose cause is a {@link TimeoutException}. Anything else the SDK throws (it has unchecked paths too) is
 * {@code INTERNAL}. Stateless and thread-safe.
 */
public final class NacosErrors {
    private NacosErrors() {}

    /**
     * Wraps a native failure.
     *
     * @param what the call that failed, such as {@code register orders/1 in DEFAULT_GROUP@@orders}
     * @param failure the failure
     * @return the exception, with the native failure as its cause
     */
    public static RegistryException wrap(String what, Throwable failure) {
        if (failure instanceof RegistryException re) {
            return re;
        }
        if (!(failure instanceof NacosException e)) {
            return new RegistryException(Kind.INTERNAL, "nacos", what + " failed: " + failure, failure);
        }
        String message = e.getErrMsg() == null ? String.valueOf(e.getMessage()) : e.getErrMsg();
        Kind kind = kind(e.getErrCode(), message, hasTimeoutCause(e));
        return new RegistryException(kind, "nacos", what + " failed: code " + e.getErrCode() + ", " + message, e);
    }

    static Kind kind(int code, String message, boolean timedOut) {
        if (timedOut) {
            return Kind.TIMEOUT;
        }
        String lower = message.toLowerCase(Locale.ROOT);
        return switch (code) {
            case NacosException.CLIENT_INVALID_PARAM, NacosException.INVALID_PARAM -> Kind.INVALID_ARGUMENT;
            case NacosException.NO_RIGHT, 401 ->
                lower.contains("unknown user") || lower.contains("token") || lower.contains("password")
                        ? Kind.UNAUTHENTICATED
                        : Kind.PERMISSION_DENIED;
            case NacosException.CONFLICT -> Kind.CONFLICT;
            case NacosException.CLIENT_DISCONNECT,
                    NacosException.CLIENT_OVER_THRESHOLD,
                    NacosException.SERVER_ERROR,
                    NacosException.BAD_GATEWAY,
                    NacosException.OVER_THRESHOLD,
                    NacosException.INVALID_SERVER_STATUS,
                    NacosException.UN_REGISTER,
                    NacosException.NO_HANDLER,
                    NacosException.CLIENT_ERROR -> Kind.UNAVAILABLE;
            default -> Kind.INTERNAL;
        };
    }

    private static boolean hasTimeoutCause(Throwable e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }
}
