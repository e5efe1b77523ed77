package dev.sshuttle.it.topology;

import dev.sshuttle.it.sys.Cmd;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSSH sshd in the gateway namespace: its own config, host key and port, key-only
 * login for root with a generated client key. Nothing of the machine's /etc/ssh is used.
 */
public final class SshGateway implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private final Process sshd;
    private final InetAddress address;
    private final int port;
    private final Path clientKey;
    private final Path log;

    private SshGateway(Process sshd, InetAddress address, int port, Path clientKey, Path log) {
        this.sshd = sshd;
        this.address = address;
        this.port = port;
        this.clientKey = clientKey;
        this.log = log;
    }

    /** Generates keys and config under dir, starts sshd in ns on address:port and waits until it listens. */
    static SshGateway start(Netns ns, InetAddress address, int port, Path dir) throws IOException {
        Path hostKey = dir.resolve("ssh_host_ed25519_key");
        Path clientKey = dir.resolve("client_ed25519");
        keygen(hostKey, "sshj-gateway-host");
        keygen(clientKey, "sshj-client");
        Path authorized = dir.resolve("authorized_keys");
        Files.copy(dir.resolve("client_ed25519.pub"), authorized);
        Path config = dir.resolve("sshd_config");
        Files.writeString(config, String.join("\n",
                "Port " + port,
                "ListenAddress " + address.getHostAddress(),
                "HostKey " + hostKey,
                "PidFile none",
                "UsePAM no",
                "StrictModes no",
                "PermitRootLogin prohibit-password",
                "PubkeyAuthentication yes",
                "AuthorizedKeysFile " + authorized,
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "AllowTcpForwarding yes",
                "X11Forwarding no",
                "PrintMotd no",
                "UseDNS no",
                // load tests open many sessions at once; OpenSSH's default 10:30:100 would drop them
                "MaxStartups 200",
                "MaxSessions 100",
                "LogLevel VERBOSE",
                ""));
        String sshdPath = "/usr/sbin/sshd";
        privilegeSeparationDirectory();
        Cmd.run(Duration.ofSeconds(10), sshdPath, "-t", "-f", config.toString()).orThrow();

        Path log = dir.resolve("sshd.log");
        Process p = ns.command(sshdPath, "-D", "-e", "-f", config.toString())
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        CompletableFuture<Void> listening = new CompletableFuture<>();
        Thread.ofVirtual().name("sshd-log").start(() -> copyLog(p, log, listening));
        try {
            listening.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IllegalStateException("sshd in " + ns + " did not start listening within " + START_TIMEOUT
                    + "; its log (" + log + "):\n" + readQuietly(log), e);
        }
        return new SshGateway(p, address, port, clientKey, log);
    }

    /**
     * sshd refuses to start without /run/sshd ("Missing privilege separation directory"). The
     * package's service unit creates it at boot; on a machine where openssh-server was just
     * installed and never started as a service (CI, containers) it is absent, so make it as
     * systemd-tmpfiles would: root-owned, 0755, empty.
     */
    private static void privilegeSeparationDirectory() throws IOException {
        Path dir = Path.of("/run/sshd");
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
        }
    }

    private static void keygen(Path key, String comment) {
        Cmd.run(Duration.ofSeconds(20), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment,
                "-f", key.toString()).orThrow();
    }

    /** Copies sshd's stderr to the log file; completes `listening` at "Server listening". */
    private static void copyLog(Process p, Path log, CompletableFuture<Void> listening) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             Writer w = Files.newBufferedWriter(log)) {
            for (String line; (line = r.readLine()) != null; ) {
                w.write(line);
                w.write('\n');
                w.flush();
                if (line.contains("Server listening")) listening.complete(null);
            }
        } catch (IOException e) {
            listening.completeExceptionally(e);
        }
        // only reached when sshd closed its stderr, i.e. exited: report how, if it did already
        String how = p.onExit().completeOnTimeout(null, 2, TimeUnit.SECONDS).join() == null ? "" : " with " + p.exitValue();
        listening.completeExceptionally(new IllegalStateException("sshd exited" + how));
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /** The address sshd listens on (the gateway's client-side address). */
    public InetAddress address() {
        return address;
    }

    public int port() {
        return port;
    }

    /** The private key the client logs in with (root@gateway). */
    public Path clientKey() {
        return clientKey;
    }

    /**
     * A home directory for a client that reads ~/.ssh like a user's (e.g. --transport builtin):
     * .ssh/config maps {@code alias} to this sshd (address, port, root, the client key), and
     * .ssh/known_hosts holds its host key, or is empty when {@code knowsHostKey} is false.
     */
    public Path clientHome(Path dir, String alias, boolean knowsHostKey) throws IOException {
        Path ssh = Files.createDirectories(dir.resolve(".ssh"));
        Files.writeString(ssh.resolve("config"), String.join("\n",
                "Host " + alias,
                "  HostName " + address.getHostAddress(),
                "  Port " + port,
                "  User root",
                "  IdentityFile " + clientKey, ""));
        String hostKey = Files.readString(clientKey.resolveSibling("ssh_host_ed25519_key.pub")).strip();
        Files.writeString(ssh.resolve("known_hosts"),
                knowsHostKey ? "[" + address.getHostAddress() + "]:" + port + " " + hostKey + "\n" : "");
        return dir;
    }

    /** {@code root@GATEWAY_IP}: sshuttle's -r argument. */
    public String destination() {
        return "root@" + address.getHostAddress();
    }

    /** The ssh options, without destination: the exact value for sshuttle's {@code -e}. */
    public String sshCommand() {
        return sshCommand(port);
    }

    /** As {@link #sshCommand()} but to another port (e.g. a fault proxy in front of sshd). */
    public String sshCommand(int toPort) {
        return String.join(" ", sshOptions(toPort));
    }

    /** Full argv: ssh to root@gateway running remoteCommand. Run it in the client namespace. */
    public List<String> sshArgv(String... remoteCommand) {
        return sshArgvVia(address.getHostAddress(), port, remoteCommand);
    }

    /** Full argv: ssh root@host:port (e.g. through a fault proxy) running remoteCommand. */
    public List<String> sshArgvVia(String host, int toPort, String... remoteCommand) {
        List<String> argv = new ArrayList<>(sshOptions(toPort));
        argv.add("root@" + host);
        argv.addAll(List.of(remoteCommand));
        return argv;
    }

    private List<String> sshOptions(int toPort) {
        return List.of("ssh", "-F", "/dev/null", "-i", clientKey.toString(),
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10",
                "-p", Integer.toString(toPort));
    }

    /** PID of the listening sshd (its per-connection children are its descendants). */
    public long pid() {
        return sshd.pid();
    }

    /** sshd's log (-e output, LogLevel VERBOSE): attach it to failure messages. */
    public Path log() {
        return log;
    }

    public String logText() {
        return readQuietly(log);
    }

    @Override
    public void close() {
        sshd.descendants().forEach(ProcessHandle::destroy);
        sshd.destroy();
        try {
            if (!sshd.waitFor(3, TimeUnit.SECONDS)) sshd.destroyForcibly();
        } catch (InterruptedException e) {
            sshd.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
