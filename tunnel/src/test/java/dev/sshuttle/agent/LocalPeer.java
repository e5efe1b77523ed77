package dev.sshuttle.agent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** The destination the agent connects to: a listening socket on 127.0.0.1 and its accepted peer. */
final class LocalPeer implements AutoCloseable {
    private static final int TIMEOUT_MS = 10_000;
    private final ServerSocket server;
    private Socket socket;

    LocalPeer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        server.setSoTimeout(TIMEOUT_MS);
    }

    int port() {
        return server.getLocalPort();
    }

    Socket accept() throws IOException {
        socket = server.accept();
        socket.setSoTimeout(TIMEOUT_MS);
        return socket;
    }

    Socket socket() {
        return socket;
    }

    /** Reads exactly n bytes. */
    String read(int n) throws IOException {
        return new String(socket.getInputStream().readNBytes(n), StandardCharsets.US_ASCII);
    }

    /** Reads until EOF; returns what came before it. */
    String readToEof() throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.US_ASCII);
    }

    void write(String ascii) throws IOException {
        socket.getOutputStream().write(ascii.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    /** A port on 127.0.0.1 where nothing listens (bound, then closed). */
    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws IOException {
        if (socket != null) socket.close();
        server.close();
    }
}
