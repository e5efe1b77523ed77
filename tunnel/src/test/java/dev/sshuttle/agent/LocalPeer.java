package dev.sshuttle.agent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32C;

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

    /** Writes all of data on another thread (a blocked write must not block the test's reads). */
    CompletableFuture<Void> writeAsync(byte[] data) {
        return CompletableFuture.runAsync(() -> {
            try {
                OutputStream out = socket.getOutputStream();
                out.write(data);
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    void shutdownOutputQuietly() {
        try {
            socket.shutdownOutput();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads to EOF; returns {byte count, CRC32C}. */
    long[] checksumToEof() {
        CRC32C crc = new CRC32C();
        byte[] buf = new byte[256 * 1024];
        long n = 0;
        try {
            InputStream in = socket.getInputStream();
            int r;
            while ((r = in.read(buf)) > 0) {
                crc.update(buf, 0, r);
                n += r;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new long[] {n, crc.getValue()};
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
