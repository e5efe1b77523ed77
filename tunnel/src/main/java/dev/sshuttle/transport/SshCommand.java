package dev.sshuttle.transport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Builds the ssh command line sshuttle uses: {@code <ssh-cmd> [-p PORT] [user@]host -- <remote command>}.
 * The port is passed only when given, so ~/.ssh/config keeps deciding everything else.
 */
public final class SshCommand {
    private final List<String> sshCmd;
    private final String user;
    private final String host;
    private final int port;
    private final String sshpass;
    private final String password;

    /**
     * @param sshCmd the ssh program and its own options (-e, already split), e.g. ["ssh"]
     * @param port   0 when not given
     */
    public SshCommand(List<String> sshCmd, String user, String host, int port) {
        this(sshCmd, user, host, port, null, null);
    }

    private SshCommand(List<String> sshCmd, String user, String host, int port, String sshpass, String password) {
        this.sshCmd = sshCmd.isEmpty() ? List.of("ssh") : List.copyOf(sshCmd);
        this.user = user;
        this.host = host;
        this.port = port;
        this.sshpass = sshpass;
        this.password = password;
    }

    /**
     * The password of {@code -r user:password@host}, given to ssh by sshpass as sshuttle does:
     * {@code sshpass -e ssh ...} with the password in SSHPASS (never on a command line, where
     * every local user could read it).
     */
    public SshCommand withPassword(String sshpassProgram, String pass) {
        return new SshCommand(sshCmd, user, host, port, sshpassProgram, pass);
    }

    /** What the ssh process needs in its environment beyond ours. */
    public java.util.Map<String, String> environment() {
        return password == null ? java.util.Map.of() : java.util.Map.of("SSHPASS", password);
    }

    public List<String> argv(String remoteCommand) {
        return argv(remoteCommand, List.of());
    }

    /** As {@link #argv(String)}, with more ssh options (forwards) after the user's own. */
    public List<String> argv(String remoteCommand, List<String> options) {
        List<String> argv = new ArrayList<>();
        if (password != null) argv.addAll(List.of(sshpass, "-e"));
        argv.addAll(sshCmd);
        argv.addAll(options);
        if (port > 0) {
            argv.add("-p");
            argv.add(Integer.toString(port));
        }
        argv.add(destination());
        argv.add("--");
        argv.add(remoteCommand);
        return argv;
    }

    public String destination() {
        return user == null || user.isEmpty() ? host : user + "@" + host;
    }

    public String describe() {
        return (password != null ? "sshpass -e " : "") + String.join(" ", sshCmd) + (port > 0 ? " -p " + port : "") + " " + destination();
    }

    /**
     * The addresses ssh will really connect to: asks {@code ssh -G} (which applies
     * ~/.ssh/config: HostName, aliases) and resolves the result. Empty when ssh cannot say
     * (ProxyJump/ProxyCommand hosts are reached through the proxy; their own address is what
     * matters then, and we do not guess it).
     */
    public List<InetAddress> resolveServerAddresses() {
        String hostname = host;
        try {
            List<String> argv = new ArrayList<>(sshCmd);
            argv.add("-G");
            if (port > 0) {
                argv.add("-p");
                argv.add(Integer.toString(port));
            }
            argv.add(destination());
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                for (String line : out.split("\n")) {
                    if (line.startsWith("hostname ")) hostname = line.substring(9).strip();
                    if (line.startsWith("proxyjump ") || line.startsWith("proxycommand ")) return List.of();
                }
            }
        } catch (IOException e) {
            // no ssh -G: fall back to the name as given
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            return List.of(InetAddress.getAllByName(hostname.replace("[", "").replace("]", "")));
        } catch (UnknownHostException e) {
            return List.of();
        }
    }
}
