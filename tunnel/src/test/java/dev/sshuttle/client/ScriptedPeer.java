package dev.sshuttle.client;

import dev.sshuttle.mux.Command;
import dev.sshuttle.mux.Frame;
import dev.sshuttle.mux.FrameEncoder;
import dev.sshuttle.io.StreamChannels;
import dev.sshuttle.transport.Transport;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A hostile (or just scripted) server for the client in this JVM: the client gets a
 * {@link Transport} over a loopback TCP connection, the test writes exactly the bytes it wants
 * on the other end and, if it asks, reads the client's frames (answering PINGs or not).
 */
final class ScriptedPeer implements Transport {
    private final SocketChannel clientEnd;
    private final StreamChannels channels;
    private final Socket peer;
    private final OutputStream out;
    private final LinkedBlockingQueue<Frame> received = new LinkedBlockingQueue<>(10_000);
    private volatile boolean answerPings;

    ScriptedPeer() throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1)) {
            clientEnd = SocketChannel.open(server.getLocalAddress());
            channels = StreamChannels.of(clientEnd);
            peer = server.accept().socket();
        }
        out = peer.getOutputStream();
    }

    /** The sync header; the client's own preamble (none in these tests) is not read. */
    ScriptedPeer header(String version) throws IOException {
        out.write(("\0\0SSHUTTLE" + version).getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return this;
    }

    ScriptedPeer send(int channel, int command, byte[] payload) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Frame.HEADER_BYTES + payload.length);
        FrameEncoder.write(b, new Frame(channel, command, payload));
        out.write(b.array(), 0, b.position());
        out.flush();
        return this;
    }

    ScriptedPeer send(int channel, int command, String text) throws IOException {
        return send(channel, command, text.getBytes(StandardCharsets.UTF_8));
    }

    ScriptedPeer sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Reads the client's frames on a thread (kept for {@link #next}), answering PINGs when told. */
    ScriptedPeer readFrames(boolean answerPings) {
        this.answerPings = answerPings;
        Thread.ofPlatform().daemon(true).name("scripted-peer").start(() -> {
            try (DataInputStream in = new DataInputStream(peer.getInputStream())) {
                while (true) {
                    if (in.readUnsignedShort() != ('S' << 8 | 'S')) return;
                    int ch = in.readUnsignedShort();
                    int cmd = in.readUnsignedShort();
                    byte[] p = new byte[in.readUnsignedShort()];
                    in.readFully(p);
                    Frame f = new Frame(ch, cmd, p);
                    received.offer(f);
                    if (cmd == Command.PING && this.answerPings) send(0, Command.PONG, p);
                }
            } catch (IOException ended) {
                // the client closed its end
            }
        });
        return this;
    }

    Frame next(Duration within) throws InterruptedException {
        return received.poll(within.toMillis(), TimeUnit.MILLISECONDS);
    }

    InputStream peerInput() throws IOException {
        return peer.getInputStream();
    }

    @Override
    public StreamChannels channels() {
        return channels;
    }

    @Override
    public int awaitExit(Duration timeout) {
        return -1;
    }

    @Override
    public String describe() {
        return "scripted peer";
    }

    @Override
    public void close() {
        channels.close();
        try {
            peer.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
