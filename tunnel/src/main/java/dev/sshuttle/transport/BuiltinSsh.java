package dev.sshuttle.transport;

import dev.sshuttle.io.StreamChannels;

import dev.sshuttle.exit.ExitCodes;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.config.hosts.HostConfigEntry;
import org.apache.sshd.client.keyverifier.DefaultKnownHostsServerKeyVerifier;
import org.apache.sshd.client.keyverifier.RejectAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;
import org.apache.sshd.core.CoreModuleProperties;

/**
 * {@code --transport builtin}: ssh inside the JVM (Apache MINA SSHD) instead of the system ssh
 * client, for hosts without one. It reads ~/.ssh/config (HostName, Port, User, IdentityFile,
 * ProxyJump), uses the keys named there or the usual ~/.ssh/id_ed25519, id_ecdsa, id_rsa, and
 * accepts only servers whose key is in ~/.ssh/known_hosts (as StrictHostKeyChecking=yes: an
 * unknown key is refused with a sentence, never trusted silently). No passwords, no ssh-agent.
 * One instance serves every session of a run (reconnects open a new ssh session).
 */
public final class BuiltinSsh implements AutoCloseable {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    private static final List<String> DEFAULT_KEYS = List.of("id_ed25519", "id_ecdsa", "id_rsa");

    private final SshClient client;
    private final HostConfigEntry entry;
    private final String description;

    private BuiltinSsh(SshClient client, HostConfigEntry entry) {
        this.client = client;
        this.entry = entry;
        this.description = "ssh (builtin) " + entry.getUsername() + "@" + entry.getHostName() + ":" + entry.getPort();
    }

    /** Resolves host through ~/.ssh/config and starts the client; connects later, in {@link #exec}. */
    public static BuiltinSsh start(String user, String host, int port) throws IOException {
        SshClient client = SshClient.setUpDefaultClient();
        Path ssh = Path.of(System.getProperty("user.home"), ".ssh");
        client.setServerKeyVerifier(new DefaultKnownHostsServerKeyVerifier(RejectAllServerKeyVerifier.INSTANCE, true,
                ssh.resolve("known_hosts")));
        List<Path> keys = DEFAULT_KEYS.stream().map(ssh::resolve).filter(Files::isReadable).toList();
        if (!keys.isEmpty()) client.setKeyIdentityProvider(new FileKeyPairProvider(keys));
        // AES-GCM first: with the JDK's intrinsics it is several times faster than chacha20 here
        var ciphers = new ArrayList<>(client.getCipherFactories());
        ciphers.sort(Comparator.comparing(c -> c.getName().equals(BuiltinCiphers.aes128gcm.getName()) ? 0 : 1));
        client.setCipherFactories(ciphers);
        // the mux's own keepalive watches the session; MINA's 10-minute idle close must not
        CoreModuleProperties.IDLE_TIMEOUT.set(client, Duration.ZERO);
        // Nagle holds back a small packet (an ack probe's PING, a window grant) behind unacknowledged
        // bulk until the server's delayed ACK, 40 ms; the mux waits for those answers, so with
        // Nagle on a bulk transfer crawled at 6 MB/s. OpenSSH sets TCP_NODELAY too.
        CoreModuleProperties.TCP_NODELAY.set(client, true);
        client.start();
        try {
            // port 0 = not given on the command line: ~/.ssh/config's Port applies, else 22
            HostConfigEntry resolved = client.getHostConfigEntryResolver()
                    .resolveEffectiveHost(host, Math.max(port, 0), null, user, null, null);
            if (resolved == null) resolved = new HostConfigEntry(host, host, 0, null);
            if (resolved.getPort() <= 0) resolved.setPort(port > 0 ? port : 22);
            if (resolved.getUsername() == null) resolved.setUsername(user != null ? user : System.getProperty("user.name"));
            return new BuiltinSsh(client, resolved);
        } catch (IOException | RuntimeException e) {
            client.stop();
            throw new IOException("cannot read the ssh configuration for " + host + ": " + e.getMessage(), e);
        }
    }

    /** The server's addresses, so the firewall never captures the tunnel's own connection. */
    public List<InetAddress> serverAddresses() {
        try {
            return Arrays.asList(InetAddress.getAllByName(entry.getHostName()));
        } catch (IOException e) {
            return List.of();
        }
    }

    public String describe() {
        return description;
    }

    /** A new authenticated ssh session; errors are sentences a user can act on. */
    public ClientSession openSession() throws IOException {
        ClientSession session;
        try {
            session = client.connect(entry).verify(CONNECT_TIMEOUT).getSession();
        } catch (IOException e) {
            throw new IOException("cannot connect to " + entry.getHostName() + ":" + entry.getPort() + ": " + reason(e), e);
        }
        try {
            session.auth().verify(CONNECT_TIMEOUT);
            return session;
        } catch (IOException e) {
            session.close(true);
            throw new IOException(explain(e), e);
        }
    }

    /**
     * The receive window the builtin ssh advertises on each channel of a striped session (--channels):
     * what the agent may send per round trip per channel, past OpenSSH's and MINA's 2 MiB.
     */
    static final long STRIPED_WINDOW_BYTES = 16L << 20;

    /** A new ssh session running remoteCommand; its stdin/stdout are the transport. */
    public Transport exec(String remoteCommand) throws IOException {
        return exec(remoteCommand, false);
    }

    /**
     * As {@link #exec(String)}; with {@code striped}, the session's channels advertise
     * {@link #STRIPED_WINDOW_BYTES} and the transport opens extra channels to the agent.
     */
    public Transport exec(String remoteCommand, boolean striped) throws IOException {
        ClientSession session = openSession();
        if (striped) CoreModuleProperties.WINDOW_SIZE.set(session, STRIPED_WINDOW_BYTES);
        try {
            ChannelExec channel = session.createExecChannel(remoteCommand);
            channel.open().verify(CONNECT_TIMEOUT);
            return new ExecTransport(session, channel, description);
        } catch (IOException e) {
            session.close(true);
            throw new IOException(explain(e), e);
        }
    }

    private String explain(IOException e) {
        String why = reason(e);
        String lower = why.toLowerCase();
        if (lower.contains("server key") || lower.contains("host key")) {
            return "the host key of " + entry.getHostName() + " is not in ~/.ssh/known_hosts (or does not match it): "
                    + "connect once with the system ssh to check and record it (" + why + ")";
        }
        if (lower.contains("authentication") || lower.contains("no more")) {
            return "ssh authentication as " + entry.getUsername() + "@" + entry.getHostName() + " failed: the builtin "
                    + "transport uses the IdentityFile of ~/.ssh/config or ~/.ssh/id_ed25519, id_ecdsa, id_rsa "
                    + "(no passwords, no ssh-agent) (" + why + ")";
        }
        return "ssh to " + entry.getHostName() + " failed: " + why;
    }

    private static String reason(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        String m = t.getMessage() != null ? t.getMessage() : e.getMessage();
        return m != null ? m : t.toString();
    }

    @Override
    public void close() {
        client.stop();
    }

    /** One exec channel: the agent's stdin/stdout, its stderr copied to ours. */
    private static final class ExecTransport implements Transport {
        private final ClientSession session;
        private final ChannelExec channel;
        private final String description;
        private final StreamChannels channels;

        ExecTransport(ClientSession session, ChannelExec channel, String description) throws IOException {
            this.session = session;
            this.channel = channel;
            this.description = description;
            this.channels = StreamChannels.bridging(channel.getInvertedOut(), channel.getInvertedIn(), "ssh-channel");
            Thread.ofPlatform().name("ssh-stderr").daemon(true).start(() -> {
                try (InputStream err = channel.getInvertedErr()) {
                    err.transferTo(System.err);
                } catch (IOException ignored) {
                    // the session ended; nothing more to copy
                }
            });
        }

        @Override
        public StreamChannels channels() {
            return channels;
        }

        /** Extra channels of this session, each a direct-streamlocal channel to the agent's socket. */
        @Override
        public dev.sshuttle.stripe.StripeClient.LaneOpener laneOpener(String remoteSocket) {
            return () -> {
                DirectStreamLocalChannel lane = new DirectStreamLocalChannel(remoteSocket);
                session.getService(org.apache.sshd.common.session.ConnectionService.class).registerChannel(lane);
                try {
                    lane.open().verify(CONNECT_TIMEOUT);
                } catch (IOException e) {
                    lane.close(true);
                    throw new IOException("the server refused a stream-local channel: " + reason(e), e);
                }
                return StreamChannels.bridging(lane.getInvertedOut(), lane.getInvertedIn(), "ssh-lane");
            };
        }

        /** The remote command's exit status; 255 (as ssh) when the connection ended without one. */
        @Override
        public int awaitExit(Duration timeout) {
            var events = channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED, ClientChannelEvent.EXIT_STATUS), timeout);
            Integer status = channel.getExitStatus();
            if (status != null) return status;
            return events.contains(ClientChannelEvent.CLOSED) ? ExitCodes.SSH_FAILED : -1;
        }

        @Override
        public String describe() {
            return description;
        }

        @Override
        public void close() {
            channels.close();
            channel.close(true);
            session.close(true);
        }
    }
}
