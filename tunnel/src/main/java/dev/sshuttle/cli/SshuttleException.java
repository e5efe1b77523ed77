package dev.sshuttle.cli;

/**
 * A failure the user should read as one line ("sshuttle: message") with a chosen exit code,
 * e.g. the remote agent died, the firewall helper refused, a pidfile conflict. Runners throw
 * it; {@link Main} prints it without a stack trace.
 */
public class SshuttleException extends Exception {
    private final int exitCode;

    public SshuttleException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    public SshuttleException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
