package dev.sshuttle.it.gates;

import dev.sshuttle.it.target.SinkService;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * The kinds of connection {@link MixedLoad} makes, each with what an application must see
 * through the tunnel. {@link #exchange} returns null when the connection behaved as expected,
 * else a short description of what happened instead (counted per kind).
 */
public enum ConnectionKind {
    /** Echo: request, the whole answer, then close. Data identical. */
    NORMAL("normal") {
        @Override
        String exchange(Socket s, byte[] payload) throws IOException {
            s.getOutputStream().write(payload);
            byte[] back = s.getInputStream().readNBytes(payload.length);
            return Arrays.equals(back, payload) ? null : "echo returned " + back.length + " of " + payload.length + " bytes or different ones";
        }
    },
    /** Echo: request, the first byte of the answer, then abort with RST while the rest is in flight. */
    CLIENT_RESET("client-reset") {
        @Override
        String exchange(Socket s, byte[] payload) throws IOException {
            s.getOutputStream().write(payload);
            int first = s.getInputStream().read();
            s.setSoLinger(true, 0); // the close that follows sends RST
            return first == (payload[0] & 0xff) ? null : "echo's first byte was " + first + ", not " + (payload[0] & 0xff);
        }
    },
    /** The reset service reads a little and sends RST: the application must see a reset, not EOF. */
    SERVER_RESET("server-reset") {
        @Override
        String exchange(Socket s, byte[] payload) throws IOException {
            try {
                s.getOutputStream().write(payload);
                return readUntilReset(s.getInputStream(), "the server's reset");
            } catch (SocketException reset) {
                return null;
            }
        }
    },
    /** Sink: data, our half-close, the server's receipt, then its close. */
    HALF_CLOSE("half-close") {
        @Override
        String exchange(Socket s, byte[] payload) throws IOException {
            s.getOutputStream().write(payload);
            s.shutdownOutput();
            CRC32 crc = new CRC32();
            crc.update(payload);
            String want = SinkService.receipt(payload.length, crc.getValue()).strip();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String got = in.readLine();
            if (!want.equals(got)) return "sink receipt '" + got + "', expected '" + want + "'";
            return in.read() == -1 ? null : "data after the sink's receipt";
        }
    },
    /** A port where nothing listens: with protocol 0002 a reset (or a refused connect), promptly. */
    REFUSED("refused") {
        @Override
        String exchange(Socket s, byte[] payload) throws IOException {
            long t0 = System.nanoTime();
            try {
                return readUntilReset(s.getInputStream(), "a reset for the refused connect");
            } catch (SocketException reset) {
                long ms = (System.nanoTime() - t0) / 1_000_000;
                return ms <= PROMPT_MS ? null : "reset only after " + ms + " ms (> " + PROMPT_MS + ")";
            }
        }
    };

    /** A refused connect reaches the application within this (one round trip, and then some). */
    static final long PROMPT_MS = 5_000;

    private final String label;

    ConnectionKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** Where a connection of this kind goes. */
    public InetSocketAddress target(MixedLoad.Targets t) {
        return switch (this) {
            case NORMAL, CLIENT_RESET -> t.echo();
            case SERVER_RESET -> t.reset();
            case HALF_CLOSE -> t.sink();
            case REFUSED -> t.closed();
        };
    }

    /** Talks over a connected socket; null when it behaved as expected, else what happened instead. */
    abstract String exchange(Socket s, byte[] payload) throws IOException;

    /** Reads until the peer resets (throws SocketException); a clean EOF or data is the failure described. */
    private static String readUntilReset(InputStream in, String expected) throws IOException {
        int got = in.read();
        if (got == -1) return "clean EOF instead of " + expected;
        return "data instead of " + expected;
    }
}
