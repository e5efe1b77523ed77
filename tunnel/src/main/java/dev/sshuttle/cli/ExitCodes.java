package dev.sshuttle.cli;

/**
 * Exit codes of the {@code sshuttle} command (documented in README). The remote codes
 * (97, 98, 99, 127, 255) are what the ssh/agent process ends with; the client explains them
 * with {@link RemoteExitExplainer} and itself ends with {@link #FAILURE} or {@link #REMOTE_FATAL}.
 */
public final class ExitCodes {
    private ExitCodes() {}

    /** Normal end, including SIGINT and SIGTERM (the tunnel was closed on request). */
    public static final int OK = 0;
    /** Any failure not listed below. */
    public static final int FAILURE = 1;
    /** Bad command line: one line says what, nothing was started. */
    public static final int USAGE = 2;
    /** {@code -D}: the pidfile names a running sshuttle (sshuttle's code). */
    public static final int PIDFILE_CONFLICT = 5;
    /** Remote: neither python3 nor python could be started by the /bin/sh wrapper. */
    public static final int REMOTE_NO_PYTHON = 97;
    /** Remote: the agent returned (normal after stdin EOF; an error during start-up). */
    public static final int REMOTE_RETURNED = 98;
    /** Remote: the agent stopped on a fatal error. Also the client's code for sshuttle's "fatal". */
    public static final int REMOTE_FATAL = 99;
    /** Remote shell: the command (/bin/sh or the --python program) was not found. */
    public static final int REMOTE_NOT_FOUND = 127;
    /** ssh itself failed, or the connection dropped (also when the client's keepalive found it dead). */
    public static final int SSH_FAILED = 255;
}
