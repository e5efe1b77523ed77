package dev.sshuttle.cli;

import dev.sshuttle.exit.ExitCodes;

import dev.sshuttle.client.ClientSession;
import dev.sshuttle.client.TransparentListener;
import dev.sshuttle.config.HostResolver;
import dev.sshuttle.mux.MuxConfig;
import dev.sshuttle.transport.LoopbackAgentTransport;
import dev.sshuttle.mux.AgentOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The training run for the JDK's AOT cache ({@code --aot-training}, run by the build and by the
 * launcher with {@code -XX:AOTCacheOutput}): what a start does, in this JVM and without root or
 * a network. It parses a typical command line, then runs a client session against the Java
 * agent over loopback and sends connections through it to a local echo server, so the classes
 * of the command line, the mux, the event loop and both ends of a channel are loaded, linked
 * and profiled in the cache. Bounded: 100 connections, a 30 s limit.
 */
final class AotTraining {
    static final String OPTION = "--aot-training";
    private static final int CONNECTIONS = 100;
    private static final int BYTES_PER_CONNECTION = 16 * 1024;
    private static final Duration LIMIT = Duration.ofSeconds(30);

    private AotTraining() {}

    static int run(PrintStream err) {
        try {
            parseTypicalCommandLine();
            tunnelSomeConnections();
            return ExitCodes.OK;
        } catch (Exception e) {
            // a partial training still makes a usable cache; say what stopped it
            err.println("sshuttle: AOT training stopped early: " + e);
            return ExitCodes.FAILURE;
        }
    }

    private static void parseTypicalCommandLine() {
        ClientCommand command = new ClientCommand();
        Main.newCommandLine(command).parseArgs("-v", "--dns", "-r", "user@192.0.2.1:22", "-x", "10.1.0.0/16",
                "10.0.0.0/8", "192.168.0.0/16");
        HostResolver literalsOnly = host -> new InetAddress[] {InetAddress.getByName("192.0.2.1")};
        command.toOptions(literalsOnly, warning -> { }, Path.of("").toAbsolutePath());
    }

    private static void tunnelSomeConnections() throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket echo = new ServerSocket(0, 50, loopback);
             TransparentListener listener = TransparentListener.bind(List.of(new InetSocketAddress(loopback, 0)));
             LoopbackAgentTransport agent = new LoopbackAgentTransport(new PrintStream(OutputStream.nullOutputStream()))) {
            Thread.ofPlatform().daemon().name("aot-echo").start(() -> echo(echo));
            InetSocketAddress target = new InetSocketAddress(loopback, echo.getLocalPort());
            CountDownLatch ready = new CountDownLatch(1);
            byte[] preamble = AgentOptions.defaults(2).toJsonLine().getBytes(StandardCharsets.UTF_8);
            ClientSession session = new ClientSession(agent, preamble, MuxConfig.defaults(), listener, accepted -> target,
                    new ClientSession.Hooks() {
                        public void serverReady(int port, String routes) {
                            ready.countDown();
                        }

                        public void log(int level, String message) {}

                        public boolean shows(int level) {
                            return false;
                        }
                    });
            CompletableFuture<ClientSession.End> end = new CompletableFuture<>();
            Thread.ofPlatform().daemon().name("aot-session").start(() -> end.complete(session.run()));
            if (!ready.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)) throw new IOException("the agent did not get ready");
            InetSocketAddress through = new InetSocketAddress(loopback, listener.port());
            byte[] data = new byte[BYTES_PER_CONNECTION];
            for (int i = 0; i < CONNECTIONS && System.nanoTime() < deadline; i++) {
                try (Socket s = new Socket()) {
                    s.setTcpNoDelay(true); // loopback with Nagle and delayed ACKs waits 40 ms a turn
                    s.connect(through, 5000);
                    s.setSoTimeout(5000);
                    s.getOutputStream().write(data);
                    if (s.getInputStream().readNBytes(data.length).length != data.length) throw new IOException("short echo");
                }
            }
            session.stop();
            end.get(10, TimeUnit.SECONDS);
        }
    }

    private static void echo(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                Thread.ofVirtual().start(() -> {
                    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                        in.transferTo(out);
                    } catch (IOException e) {
                        // the connection ended: nothing to train on there
                    }
                });
            } catch (IOException closed) {
                return;
            }
        }
    }
}
