package dev.sshuttle.cli;

import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.LinkOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/** The daemon child's half of {@link Daemonizer}: what happens once it is connected. */
final class DaemonChild {
    private final Path pidfile;
    private final Path logfile;

    DaemonChild(Path pidfile, Path logfile) {
        this.pidfile = pidfile;
        this.logfile = logfile;
    }

    void detach() {
        long pid = ProcessHandle.current().pid();
        try {
            writePid(pidfile, pid);
        } catch (IOException e) {
            System.err.println("sshuttle: warning: cannot write pidfile " + pidfile + ": " + e.getMessage());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(
                () -> Daemonizer.removePidfileIfItHolds(pidfile, pid), "sshuttle-pidfile-remove"));
        boolean nativeOk = true;
        try {
            if (Posix.setsid() < 0) System.err.println("sshuttle: warning: setsid failed; staying in the terminal's session");
        } catch (RuntimeException | LinkageError e) {
            nativeOk = false;
        }
        System.out.println(Daemonizer.READY_LINE);
        System.out.flush();
        if (nativeOk) {
            redirectNativeOutput();
        } else {
            System.out.close(); // at least release the launcher's pipe
            System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
        }
        // fd 1 and 2 to logger (ssh's messages too); without native calls, Java's output at least
        if (logfile == null && !(nativeOk && SyslogOutput.redirect())) sendJavaOutputToSyslog();
    }

    /**
     * Writes the PID into the pidfile the launcher claimed. The pidfile may sit in a directory
     * others can write (/tmp, /run): a symlink put there meanwhile is not followed (O_NOFOLLOW),
     * and a file created here is the owner's only.
     */
    static void writePid(Path pidfile, long pid) throws IOException {
        try (var out = Files.newByteChannel(pidfile, java.util.Set.of(StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            out.write(java.nio.ByteBuffer.wrap((pid + "\n").getBytes(StandardCharsets.US_ASCII)));
        }
    }

    /** Opens the log for appending: never through a symlink, created owner-only. -1 when it cannot. */
    static int openLogFile(String target) {
        return Posix.open(target, Posix.O_WRONLY | Posix.O_CREAT | Posix.O_APPEND | Posix.O_NOFOLLOW | Posix.O_CLOEXEC, 0600);
    }

    /** fd 1 and 2 (also those ssh inherits) go to the log file, or /dev/null when logging to syslog. */
    private void redirectNativeOutput() {
        String target = logfile == null ? "/dev/null" : logfile.toString();
        int fd = logfile == null ? Posix.open(target, Posix.O_WRONLY, 0) : openLogFile(target);
        if (fd < 0) {
            fd = Posix.open("/dev/null", Posix.O_WRONLY, 0);
            System.err.println("sshuttle: warning: cannot open log file " + target + "; output is discarded");
        }
        if (fd >= 0) {
            Posix.dup2(fd, 1);
            Posix.dup2(fd, 2);
            if (fd > 2) Posix.close(fd);
        }
    }

    /** sshuttle's --syslog for Java's output only: {@code logger -t sshuttle -p daemon.notice}. */
    private static void sendJavaOutputToSyslog() {
        try {
            Process logger = new ProcessBuilder(SyslogOutput.LOGGER)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            PrintStream toSyslog = new PrintStream(logger.getOutputStream(), true, StandardCharsets.UTF_8);
            System.setOut(toSyslog);
            System.setErr(toSyslog);
        } catch (IOException e) {
            // no logger: the output stays on /dev/null
        }
    }
}
