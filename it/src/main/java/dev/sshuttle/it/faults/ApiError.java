package dev.sshuttle.it.faults;

/** A control-API request the proxy refuses: becomes {@code {"error": message, "status": status}}. */
final class ApiError extends RuntimeException {
    final int status;

    ApiError(int status, String message) {
        super(message);
        this.status = status;
    }
}
