package dev.sshuttle.cli;

import dev.sshuttle.exit.ExitCodes;

/**
 * Turns the exit code of the ssh/agent process into the sentence the user reads (sshuttle's
 * {@code client.py} messages, shorter and with the fix first).
 */
public final class RemoteExitExplainer {
    private RemoteExitExplainer() {}

    public static String explain(int code, boolean sshHostInsideSubnets) {
        return explain(code, sshHostInsideSubnets, null, null);
    }

    /**
     * @param python  the {@code --python} value, or null when the /bin/sh wrapper picked one
     * @param sshHost the ssh host as given to {@code -r}, for the {@code -x} hint; may be null
     */
    public static String explain(int code, boolean sshHostInsideSubnets, String python, String sshHost) {
        String prefix = "the remote side ended with exit code " + code + ": ";
        return prefix + switch (code) {
            case ExitCodes.REMOTE_NO_PYTHON -> python == null
                    ? "neither python3 nor python runs on the remote; install python3 there, or name the"
                      + " interpreter with --python PATH, or use --agent java"
                    : "the remote could not exec '" + python + "'; check the --python path";
            case ExitCodes.REMOTE_RETURNED ->
                    "python started on the remote but the agent returned early; try another interpreter"
                    + " with --python";
            case ExitCodes.REMOTE_FATAL ->
                    "the agent started but stopped on a fatal error; run with -vv to see its message";
            case ExitCodes.REMOTE_NOT_FOUND -> notFound(python);
            case ExitCodes.SSH_FAILED -> sshFailed(sshHostInsideSubnets, sshHost);
            default -> code > 128 && code < 128 + 65
                    ? "the remote process was killed by signal " + (code - 128)
                    : "unexpected; run with -vv to see the remote's messages";
        };
    }

    private static String notFound(String python) {
        if (python == null) {
            return "/bin/sh could not be run there (missing, or a restricted shell); try --python python3";
        }
        String text = "the remote could not run --python '" + python + "' (not found)";
        if (python.startsWith("/")) {
            text += "; a restricted shell may refuse absolute paths, so try just the program name";
        }
        return text;
    }

    private static String sshFailed(boolean inside, String sshHost) {
        String host = sshHost == null ? "HOST" : sshHost;
        if (inside) {
            return "ssh failed or the connection dropped. The ssh server's address is inside the captured"
                    + " subnets, so the firewall rules can catch ssh's own packets: exclude it with -x " + host
                    + " (or -x " + host + ":22)";
        }
        return "ssh failed or the connection dropped; check that 'ssh " + host + "' works on its own"
                + " (ssh's own message is above)";
    }
}
