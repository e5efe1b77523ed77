package dev.sshuttle.client;

import dev.sshuttle.server.JavaAgent;
import dev.sshuttle.transport.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The Java agent in this JVM, joined to the client by a loopback TCP connection instead of ssh. */
final class LoopbackAgentTransport implements Transport {
    private final Socket clientEnd;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();

    LoopbackAgentTransport() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            clientEnd = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
            Socket agentEnd = server.accept();
            Thread.ofPlatform().daemon(true).name("loopback-agent").start(() -> {
                try (agentEnd) {
                    exit.complete(JavaAgent.run(agentEnd.getInputStream(), agentEnd.getOutputStream(), new PrintStream(System.err)));
                } catch (IOException e) {
                    exit.complete(99);
                }
            });
        }
    }

    @Override
    public InputStream in() {
        try {
            return clientEnd.getInputStream();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public OutputStream out() {
        try {
            return clientEnd.getOutputStream();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
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
        try {
            clientEnd.close();
        } catch (IOException ignored) {
            // test teardown
        }
    }
}
