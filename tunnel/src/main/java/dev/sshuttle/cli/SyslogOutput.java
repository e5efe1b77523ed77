package dev.sshuttle.cli;

import dev.sshuttle.sys.Libc;

import dev.sshuttle.sys.ChannelFd;
import dev.sshuttle.sys.SpawnedProcess;
import java.io.IOException;
import java.util.List;

/**
 * sshuttle's --syslog: everything the process writes on fd 1 and 2 (our log, the JVM's, and
 * ssh's stderr, which it inherits) goes to {@code logger -t sshuttle -p daemon.notice}, found on
 * the PATH. fd 1 and 2 are replaced with the pipe to logger, so every PrintStream on them follows.
 */
final class SyslogOutput {
    static final List<String> LOGGER = List.of("logger", "-t", "sshuttle", "-p", "daemon.notice");

    /** Held so that nothing ever closes our end of logger's pipe (fd 1 and 2 are copies of it). */
    private static SpawnedProcess logger;

    private SyslogOutput() {}

    /** Redirects fd 1 and 2 to syslog; false (output unchanged) when logger cannot be started. */
    static boolean redirect() {
        try {
            logger = SpawnedProcess.start(LOGGER);
        } catch (IOException | RuntimeException e) {
            System.err.println("sshuttle: warning: --syslog: cannot start logger (" + e.getMessage() + "); logging here");
            return false;
        }
        try {
            int fd = ChannelFd.of(logger.stdin());
            System.out.flush();
            System.err.flush();
            Libc.dup2(fd, 1, "dup2(logger, stdout)");
            Libc.dup2(fd, 2, "dup2(logger, stderr)");
            // logger's stdout is ours to drain: it prints nothing, but an unread pipe must not fill
            logger.stdout().close();
            return true;
        } catch (IOException | RuntimeException e) {
            System.err.println("sshuttle: warning: --syslog: " + e.getMessage() + "; logging here");
            return false;
        }
    }
}
