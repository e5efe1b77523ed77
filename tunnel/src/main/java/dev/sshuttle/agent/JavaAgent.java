package dev.sshuttle.agent;

import dev.sshuttle.exit.ExitCodes;

import dev.sshuttle.io.Bridges;
import dev.sshuttle.io.EventLoop;
import dev.sshuttle.io.MuxDriver;
import dev.sshuttle.io.NioConnector;
import dev.sshuttle.io.NioStream;
import dev.sshuttle.io.StreamEnd;
import dev.sshuttle.io.StripedStream;
import dev.sshuttle.mux.Mux;
import dev.sshuttle.mux.MuxConfig;
import dev.sshuttle.mux.ProtocolException;
import dev.sshuttle.mux.ProtocolVersion;
import dev.sshuttle.stripe.StripeAgent;
import dev.sshuttle.sys.Stdio;
import dev.sshuttle.mux.AgentOptions;
import dev.sshuttle.io.StreamChannels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * The Java agent (`sshuttle.jar --server`): the same job as the Python agent, on a JDK.
 * stdin/stdout carry the mux, stderr is the log. Exit codes as sshuttle's server
 * ({@link ExitCodes#REMOTE_RETURNED} normal end, {@link ExitCodes#REMOTE_FATAL} fatal).
 */
public final class JavaAgent {
    private static final int MAX_OPTIONS_LINE = 4096;
    private static final byte[] CHICKEN = "chicken".getBytes(StandardCharsets.US_ASCII);

    private final PrintStream log;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private int verbosity;

    private JavaAgent(PrintStream log) {
        this.log = log;
    }

    /** Entry point without the CLI: {@code java -cp sshuttle.jar dev.sshuttle.agent.JavaAgent}. */
    public static void main(String[] args) {
        System.exit(runOnStdio());
    }

    /** Runs the agent on this process's stdin/stdout until the session ends; returns the exit code. */
    public static int runOnStdio() {
        PrintStream stderr = System.err;
        // nothing else may write to the mux stream
        System.setOut(stderr);
        StreamChannels stdio;
        try {
            stdio = StreamChannels.of(Stdio.stdin(), Stdio.stdout());
        } catch (IOException e) {
            stderr.println("sshuttle-agent: fatal: cannot use stdin/stdout: " + e.getMessage());
            return ExitCodes.REMOTE_FATAL;
        }
        return new JavaAgent(stderr).run(stdio);
    }

    /** Runs the agent on the given channels (tests use a socket). */
    public static int run(StreamChannels stream, PrintStream log) {
        return new JavaAgent(log).run(stream);
    }

    private int run(StreamChannels stream) {
        AgentOptions options;
        InputStream in = stream.inputStream();
        OutputStream out = stream.outputStream();
        try {
            String line = readOptionsLine(in);
            if (line == null) return ExitCodes.REMOTE_RETURNED;
            options = AgentOptions.parse(line);
        } catch (IOException | IllegalArgumentException e) {
            log.println("sshuttle-agent: fatal: " + e.getMessage());
            return ExitCodes.REMOTE_FATAL;
        }
        verbosity = options.verbosity();
        ProtocolVersion version = options.protocol() >= 2 ? ProtocolVersion.V2 : ProtocolVersion.V1;
        try (EventLoop loop = new EventLoop("agent-loop", t -> fatal("internal error: " + t))) {
            AgentBridges bridges = new AgentBridges(loop, options);
            MuxConfig config = MuxConfig.defaults().withLatencyControl(options.latencyControl(), options.latencyBufferSize());
            out.write(version.syncHeader());
            out.flush();
            StripeAgent.Lanes lanes = options.stripe() != null && version == ProtocolVersion.V2
                    ? StripeAgent.handshake(options.stripe(), in, out, this::debug)
                    : new StripeAgent.Lanes(List.of(), null);
            MuxDriver driver = new MuxDriver(loop, streamEnd(loop, stream, lanes), bridges, new MuxDriver.Events() {
                public void onTransportClosed(String why) {
                    debug("client went away: " + why);
                    exit.complete(ExitCodes.REMOTE_RETURNED);
                }

                public void onProtocolError(ProtocolException e) {
                    fatal("protocol error: " + e.getMessage());
                }
            });
            ByteBuffer leftover = lanes.extra().isEmpty() ? lanes.rest() : null;
            loop.execute(() -> {
                MuxConfig muxConfig = lanes.extra().isEmpty() ? config : config.withInFlightGain(MuxConfig.STRIPED_IN_FLIGHT_GAIN);
                Mux mux = new Mux(Mux.Role.SERVER, version, muxConfig, bridges, EventLoop.now());
                bridges.attach(mux);
                mux.ping(CHICKEN);
                mux.sendRoutes(options.autoNets() ? RouteLister.ipv4Routes() : "");
                loop.setIterationHook(driver::flush);
                driver.start(mux, leftover);
            });
            loop.start();
            if (verbosity > 0) log.println(" s: Java agent running, protocol " + version.magic());
            int code = exit.join();
            loop.execute(() -> {
                driver.stop();
                bridges.abortAll();
            });
            return code;
        } catch (IOException | ProtocolException e) {
            log.println("sshuttle-agent: fatal: " + e.getMessage());
            return ExitCodes.REMOTE_FATAL;
        }
    }

    /** The first transport alone, or striped with the extra lanes (bytes read past the handshake go to lane 0). */
    private static StreamEnd streamEnd(EventLoop loop, StreamChannels stream, StripeAgent.Lanes lanes) {
        if (lanes.extra().isEmpty()) return new NioStream(loop, stream);
        List<NioStream> all = new ArrayList<>(List.of(new NioStream(loop, stream)));
        lanes.extra().forEach(ch -> all.add(new NioStream(loop, StreamChannels.of(ch))));
        StripedStream striped = new StripedStream(all, loop::execute);
        if (lanes.rest() != null) striped.preload(0, lanes.rest());
        return striped;
    }

    private void fatal(String message) {
        log.println("sshuttle-agent: " + message);
        exit.complete(ExitCodes.REMOTE_FATAL);
    }

    private void debug(String message) {
        if (verbosity >= 2) log.println(" s: " + message);
    }

    /** Reads bytes up to '\n' one at a time, so nothing past the line is consumed. */
    private static String readOptionsLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (line.size() <= MAX_OPTIONS_LINE) {
            int b = in.read();
            if (b < 0) return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
            if (b == '\n') return line.toString(StandardCharsets.UTF_8);
            line.write(b);
        }
        throw new IOException("agent options line longer than " + MAX_OPTIONS_LINE + " bytes");
    }

    /** Bridges plus what only the agent answers: DNS, EXIT. */
    private final class AgentBridges extends Bridges {
        private final DnsForwarder dns;
        private final UdpRelay udp;
        private final HostWatch hosts;

        AgentBridges(EventLoop loop, AgentOptions options) {
            super(loop, new NioConnector(loop), JavaAgent.this::debug);
            this.dns = new DnsForwarder(loop, options.toNs());
            this.udp = new UdpRelay(loop, JavaAgent.this::debug);
            this.hosts = new HostWatch(loop, options.autoHosts(), JavaAgent.this::debug);
        }

        @Override
        public void onHostRequest(String seeds) {
            hosts.start(mux(), seeds);
        }

        @Override
        public void onUdpOpen(int channel, int family) {
            udp.open(mux(), channel, family);
        }

        @Override
        public void onUdpData(int channel, byte[] payload) {
            udp.send(channel, payload);
        }

        @Override
        public void onUdpClose(int channel) {
            udp.close(channel);
        }

        @Override
        public void abortAll() {
            super.abortAll();
            udp.closeAll();
            hosts.stop();
        }

        @Override
        public void onDnsRequest(int channel, byte[] query) {
            dns.query(mux(), channel, query);
        }

        @Override
        public void onExit() {
            exit.complete(ExitCodes.REMOTE_RETURNED);
        }
    }
}
