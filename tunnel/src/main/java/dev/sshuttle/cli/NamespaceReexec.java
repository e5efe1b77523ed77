package dev.sshuttle.cli;

import dev.sshuttle.exit.ExitCodes;

import dev.sshuttle.config.BadArgumentException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import sun.misc.Signal;

/**
 * sshuttle 1.3's {@code --namespace NAME} / {@code --namespace-pid PID}: the whole client runs
 * inside that network namespace. A JVM cannot move all its threads into another namespace, so
 * this process starts the client again under {@code ip netns exec NAME} or {@code nsenter
 * --net=/proc/PID/ns/net} and only waits for it: it forwards SIGINT and SIGTERM, and returns its
 * exit code. It never runs any of the tunnel itself, so nothing is ever set up in the namespace
 * it was started in. The child stops when this process disappears (even by SIGKILL): it watches
 * the pid in {@link #PARENT_ENV}.
 */
final class NamespaceReexec {
    static final String PARENT_ENV = "SSHUTTLE_NAMESPACE_PARENT";
    private static final List<Path> TOOL_DIRS = List.of(Path.of("/usr/sbin"), Path.of("/sbin"), Path.of("/usr/bin"), Path.of("/bin"));

    private NamespaceReexec() {}

    /** Whether this command line asks for a namespace that this process is not in yet. */
    static boolean wanted(ClientCommand command, Map<String, String> env) {
        return (command.namespace != null || command.namespacePid != null) && env.get(PARENT_ENV) == null;
    }

    /** The prefix that enters the namespace; usage errors for a bad name or pid. */
    static List<String> prefix(String namespace, String pid) {
        if (namespace != null && pid != null) throw new BadArgumentException("--namespace and --namespace-pid exclude each other");
        if (namespace != null) {
            if (!namespace.matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")) {
                throw new BadArgumentException("--namespace: '" + namespace + "' is not a network namespace name");
            }
            if (!Files.exists(Path.of("/run/netns", namespace))) {
                throw new BadArgumentException("--namespace: no network namespace '" + namespace + "' (ip netns list)");
            }
            return List.of(tool("ip"), "netns", "exec", namespace);
        }
        if (!pid.matches("\\d{1,10}") || !Files.exists(Path.of("/proc", pid, "ns", "net"))) {
            throw new BadArgumentException("--namespace-pid: no process " + pid + " whose network namespace could be entered");
        }
        return List.of(tool("nsenter"), "--net=/proc/" + pid + "/ns/net", "--");
    }

    /** The arguments without the namespace options (both forms: "--namespace X" and "--namespace=X"). */
    static List<String> withoutNamespaceOptions(List<String> args) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--namespace") || a.equals("--namespace-pid")) {
                i++;
            } else if (!a.startsWith("--namespace=") && !a.startsWith("--namespace-pid=")) {
                out.add(a);
            }
        }
        return out;
    }

    /** Starts the client inside the namespace and waits for it; returns its exit code. */
    static int run(List<String> prefix, List<String> args) throws IOException, InterruptedException, SshuttleException {
        if (new com.sun.security.auth.module.UnixSystem().getUid() != 0) {
            throw new SshuttleException("--namespace/--namespace-pid need root (entering a network namespace)", ExitCodes.USAGE);
        }
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(Daemonizer.selfCommand(Main.class.getName(), withoutNamespaceOptions(args)));
        ProcessBuilder pb = new ProcessBuilder(argv).inheritIO();
        pb.environment().remove("SSHUTTLE_ARGS"); // already in args
        pb.environment().put(PARENT_ENV, Long.toString(ProcessHandle.current().pid()));
        Process child = pb.start();
        for (String name : new String[] {"INT", "TERM", "HUP"}) {
            try {
                Signal.handle(new Signal(name), s -> child.destroy()); // SIGTERM: the child cleans up and exits 0
            } catch (IllegalArgumentException e) {
                // reserved here: the child still stops when we are gone
            }
        }
        return child.waitFor();
    }

    private static String tool(String name) {
        for (Path dir : TOOL_DIRS) {
            if (Files.isExecutable(dir.resolve(name))) return dir.resolve(name).toString();
        }
        throw new BadArgumentException("--namespace needs " + name + ", which is not installed");
    }
}
