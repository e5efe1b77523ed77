package dev.sshuttle.cli;

import dev.sshuttle.exit.ExitCodes;
import dev.sshuttle.startup.SelfLaunch;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code -D/--daemon}. The JVM cannot fork, so the launching process re-executes the same
 * program as a child and waits; the child connects in the foreground session (so ssh and sudo
 * can still ask for passwords on the terminal), and once connected calls {@link #connected()}:
 * it writes its PID into the pidfile, leaves the terminal's session (setsid), reports
 * readiness on its stdout pipe and sends its output to the log (syslog through
 * {@code logger}, or {@code --logfile}). The launcher then exits 0. The pidfile is created
 * with O_EXCL semantics before the child starts (a live PID in it is a conflict: exit 5, as in
 * sshuttle) and removed when the daemon exits.
 */
public final class Daemonizer {
    /** Set in the child's environment: the absolute pidfile path. */
    static final String PIDFILE_ENV = "SSHUTTLE_DAEMON_PIDFILE";
    /** Set in the child's environment with --logfile. */
    static final String LOGFILE_ENV = "SSHUTTLE_DAEMON_LOGFILE";
    /** The line the child writes on its stdout pipe when it is connected. */
    static final String READY_LINE = "sshuttle-daemon-ready";

    private static volatile DaemonChild child;

    private final Path pidfile;
    private final PrintStream out;
    private final PrintStream err;

    public Daemonizer(Path pidfile, PrintStream out, PrintStream err) {
        this.pidfile = pidfile.toAbsolutePath();
        this.out = out;
        this.err = err;
    }

    // ------------------------------------------------------------------ launching side

    /**
     * Claims the pidfile, starts {@code command} detached from stdin, and waits until it reports
     * it is connected (returns 0) or ends first (returns its exit code).
     */
    public int launch(List<String> command, Path logfile) throws SshuttleException, InterruptedException {
        long ownPid = ProcessHandle.current().pid();
        claimPidfile(ownPid);
        Thread release = new Thread(() -> removePidfileIfItHolds(ownPid), "sshuttle-pidfile-release");
        Runtime.getRuntime().addShutdownHook(release);
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectInput(new File("/dev/null"))
                    .redirectOutput(ProcessBuilder.Redirect.PIPE)
                    .redirectError(ProcessBuilder.Redirect.INHERIT);
            builder.environment().put(PIDFILE_ENV, pidfile.toString());
            if (logfile != null) builder.environment().put(LOGFILE_ENV, logfile.toAbsolutePath().toString());
            builder.environment().remove(dev.sshuttle.config.ArgsExpander.ENV_VAR); // already in the arguments
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                throw new SshuttleException("cannot start the daemon process: " + e.getMessage(), ExitCodes.FAILURE, e);
            }
            if (waitForReady(process)) {
                return ExitCodes.OK;
            }
            return process.waitFor();
        } finally {
            removePidfileIfItHolds(ownPid);
            try {
                Runtime.getRuntime().removeShutdownHook(release);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs anyway
            }
        }
    }

    /** Forwards what the child prints before it is ready; true when it reported readiness. */
    private boolean waitForReady(Process process) throws SshuttleException {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.equals(READY_LINE)) return true;
                out.println(line);
            }
            return false;
        } catch (IOException e) {
            throw new SshuttleException("lost the daemon process's output: " + e.getMessage(), ExitCodes.FAILURE, e);
        }
    }

    /** sshuttle's check_daemon + O_EXCL open: a stale pidfile is removed, a live one is a conflict. */
    void claimPidfile(long ownPid) throws SshuttleException {
        long oldPid = readPid(pidfile);
        if (oldPid > 0 && ProcessHandle.of(oldPid).map(ProcessHandle::isAlive).orElse(false)) {
            throw conflict(oldPid);
        }
        try {
            Files.deleteIfExists(pidfile); // empty, garbage, or the PID of a process that is gone
            // O_EXCL: never through a symlink; owner-only, like the rewrite in DaemonChild
            try (var f = Files.newByteChannel(pidfile, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")))) {
                f.write(java.nio.ByteBuffer.wrap((ownPid + "\n").getBytes(StandardCharsets.US_ASCII)));
            }
        } catch (FileAlreadyExistsException e) {
            throw conflict(readPid(pidfile)); // another sshuttle claimed it just now
        } catch (IOException e) {
            throw new SshuttleException("failed to create/write pidfile " + pidfile + ": " + e.getMessage(),
                    ExitCodes.FAILURE, e);
        }
    }

    private SshuttleException conflict(long pid) {
        return new SshuttleException(pidfile + ": sshuttle is already running (pid=" + pid + ")",
                ExitCodes.PIDFILE_CONFLICT);
    }

    /** The PID in the file, 0 if it is missing, empty or not a number. */
    static long readPid(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
            return text.matches("\\d{1,10}") ? Long.parseLong(text) : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    static void removePidfileIfItHolds(Path file, long pid) {
        if (readPid(file) != pid) return;
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // nothing better to do while exiting; a stale pidfile is tolerated by the next start
        }
    }

    private void removePidfileIfItHolds(long pid) {
        removePidfileIfItHolds(pidfile, pid);
    }

    /** The command that runs {@code mainClass} in a JVM like this one, with {@code args}. */
    public static List<String> selfCommand(String mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String jvmArg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // a debugger port can be bound only once
            if (!jvmArg.startsWith("-agentlib:jdwp") && !jvmArg.startsWith("-Xrunjdwp")) command.add(jvmArg);
        }
        command.addAll(SelfLaunch.mainArguments(mainClass,
                List.of("--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED")));
        command.addAll(args);
        return command;
    }

    // ------------------------------------------------------------------ daemon side

    /** True in the re-executed child: it must not daemonize again. */
    public static boolean isChild(Map<String, String> env) {
        return env.get(PIDFILE_ENV) != null;
    }

    /** Called by {@link Main} in the child, before the client runs. */
    public static void initChild(Map<String, String> env) {
        String pid = env.get(PIDFILE_ENV);
        String log = env.get(LOGFILE_ENV);
        child = pid == null ? null : new DaemonChild(Path.of(pid), log == null ? null : Path.of(log));
    }

    /**
     * The client calls this once connected to the agent. In a daemon child it detaches (see
     * the class comment); otherwise it does nothing. Only the first call has an effect.
     */
    public static void connected() {
        DaemonChild c = child;
        child = null;
        if (c != null) c.detach();
    }
}
