package dev.sshuttle.config;

/**
 * A command-line value the user has to fix (bad subnet, bad port, unreadable file). The CLI
 * prints the message as one line and exits with the usage code 2.
 */
public final class BadArgumentException extends RuntimeException {
    public BadArgumentException(String message) {
        super(message);
    }

    public BadArgumentException(String message, Throwable cause) {
        super(message, cause);
    }
}
