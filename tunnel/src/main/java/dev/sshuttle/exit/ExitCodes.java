package dev.sshuttle.exit;

/**
 * The one table of exit codes: the {@code sshuttle} command's (documented in README), the
 * firewall helper's, and those the remote side ends with (the ssh/agent process: 96, 97, 98,
 * 99, 127, 255). The agents (Java and the Python one's bootstrap) end with these; the client
 * explains the remote ones ({@code cli.RemoteExitExplainer}) and passes the ones README lists on.
 * It lives below every package that exits, so none of them writes a number of its own.
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
    /** Remote: no JDK 25 for the Java agent and no Python fallback ({@code --java-agent} upload script). */
    public static final int REMOTE_NO_JAVA = 96;
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
