package dev.sshuttle.transport;

import dev.sshuttle.agent.JavaAgent;

import dev.sshuttle.exit.ExitCodes;

import dev.sshuttle.io.StreamChannels;
import dev.sshuttle.transport.Transport;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Java agent in this JVM, joined to the client by a loopback TCP connection instead of ssh:
 * the AOT training run and the tests drive a real session with it.
 */
public final class LoopbackAgentTransport implements Transport {
    private final SocketChannel clientEnd;
    private final StreamChannels channels;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();

    /** The agent logs to {@code log}. */
    public LoopbackAgentTransport(PrintStream log) throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1)) {
            clientEnd = SocketChannel.open(server.getLocalAddress());
            channels = StreamChannels.of(clientEnd);
            SocketChannel agentEnd = server.accept();
            Thread.ofPlatform().daemon(true).name("loopback-agent").start(() -> {
                try (agentEnd) {
                    exit.complete(JavaAgent.run(StreamChannels.of(agentEnd), log));
                } catch (IOException e) {
                    exit.complete(ExitCodes.REMOTE_FATAL);
                }
            });
        }
    }

    @Override
    public StreamChannels channels() {
        return channels;
    }

    @Override
    public int awaitExit(Duration timeout) {
        try {
            return exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return -1;
        } catch (Exception e) {
            return -1;
        }
    }

    @Override
    public String describe() {
        return "loopback Java agent";
    }

    @Override
    public void close() {
        channels.close();
    }
}
