package dev.sshuttle.io;

import dev.sshuttle.mux.ConnectFailure;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.util.Locale;
import java.util.Map;

/**
 * Why an outbound connect failed, for 0002's TCP_CONNECT_FAILED: the same errno table as the
 * Python agent's {@code CONNECT_FAILED_REASON} (ECONNREFUSED refused; EHOSTUNREACH, ENETUNREACH,
 * EHOSTDOWN, ENETDOWN unreachable; ETIMEDOUT timed out; anything else other).
 * <p>
 * The JDK does not hand out the errno. Its exception type tells it only in part:
 * {@link NoRouteToHostException} is EHOSTUNREACH, {@link PortUnreachableException} is a UDP
 * socket's ECONNREFUSED, {@link SocketTimeoutException} a timeout (also our own 30 s connect
 * timer); but a {@link java.net.ConnectException} is ECONNREFUSED or ETIMEDOUT, and ENETUNREACH,
 * EHOSTDOWN and ENETDOWN are a plain {@link java.net.SocketException}. For those the message,
 * which is libc's strerror text, is the only way, so this class is the one place that reads it.
 */
final class ConnectFailures {
    private ConnectFailures() {}

    /** The Python agent's CONNECT_FAILED_REASON, by errno name. */
    static final Map<String, ConnectFailure> BY_ERRNO = Map.of(
            "ECONNREFUSED", ConnectFailure.REFUSED,
            "EHOSTUNREACH", ConnectFailure.UNREACHABLE,
            "ENETUNREACH", ConnectFailure.UNREACHABLE,
            "EHOSTDOWN", ConnectFailure.UNREACHABLE,
            "ENETDOWN", ConnectFailure.UNREACHABLE,
            "ETIMEDOUT", ConnectFailure.TIMED_OUT);

    /** glibc's strerror text of each errno in the table, as the JDK puts it in the message. */
    static final Map<String, String> ERRNO_BY_STRERROR = Map.of(
            "connection refused", "ECONNREFUSED",
            "no route to host", "EHOSTUNREACH",
            "network is unreachable", "ENETUNREACH",
            "host is down", "EHOSTDOWN",
            "network is down", "ENETDOWN",
            "connection timed out", "ETIMEDOUT");

    static ConnectFailure of(Exception e) {
        String errno = errnoName(e);
        return errno == null ? ConnectFailure.OTHER : BY_ERRNO.getOrDefault(errno, ConnectFailure.OTHER);
    }

    /** The errno behind {@code e}, by its type where that says it, else by its strerror text; null if neither. */
    static String errnoName(Exception e) {
        if (e instanceof NoRouteToHostException) return "EHOSTUNREACH";
        if (e instanceof PortUnreachableException) return "ECONNREFUSED";
        if (e instanceof SocketTimeoutException) return "ETIMEDOUT";
        String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        for (Map.Entry<String, String> text : ERRNO_BY_STRERROR.entrySet()) {
            if (message.contains(text.getKey())) return text.getValue();
        }
        return null;
    }
}
