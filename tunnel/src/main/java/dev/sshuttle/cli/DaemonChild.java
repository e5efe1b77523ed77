package dev.sshuttle.cli;

import dev.sshuttle.sys.Libc;
import dev.sshuttle.sys.NativeIOException;

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
            Libc.setsid();
        } catch (NativeIOException e) {
            System.err.println("sshuttle: warning: setsid failed; staying in the terminal's session");
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
        return openOrMinusOne(target, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_APPEND | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0600);
    }

    private static int openOrMinusOne(String path, int flags, int mode) {
        try {
            return Libc.open(path, flags, mode);
        } catch (NativeIOException e) {
            return -1;
        }
    }

    /** fd 1 and 2 (also those ssh inherits) go to the log file, or /dev/null when logging to syslog. */
    private void redirectNativeOutput() {
        String target = logfile == null ? "/dev/null" : logfile.toString();
        int fd = logfile == null ? openOrMinusOne(target, Libc.O_WRONLY, 0) : openLogFile(target);
        if (fd < 0) {
            fd = openOrMinusOne("/dev/null", Libc.O_WRONLY, 0);
            System.err.println("sshuttle: warning: cannot open log file " + target + "; output is discarded");
        }
        if (fd >= 0) {
            try {
                Libc.dup2(fd, 1, "dup2(log, stdout)");
                Libc.dup2(fd, 2, "dup2(log, stderr)");
            } catch (NativeIOException e) {
                System.err.println("sshuttle: warning: " + e.getMessage());
            }
            if (fd > 2) Libc.closeQuietly(fd);
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
