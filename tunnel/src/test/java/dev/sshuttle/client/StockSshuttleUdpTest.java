package dev.sshuttle.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.sshuttle.mux.Mux;
import dev.sshuttle.mux.MuxConfig;
import dev.sshuttle.mux.MuxListener;
import dev.sshuttle.mux.ProtocolVersion;
import dev.sshuttle.mux.SyncHeaderReader;
import dev.sshuttle.mux.UdpPayload;
import dev.sshuttle.testkit.Prerequisites;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Our client's UDP channel framing against the stock sshuttle 1.x server (Debian's package,
 * 0001): UDP_OPEN and UDP_DATA "ip,port,data" reach a local UDP socket, its reply comes back as
 * UDP_DATA naming the sender, which our parser reads.
 */
class StockSshuttleUdpTest {
    private static final Path STOCK = Path.of("/usr/lib/python3/dist-packages/sshuttle/server.py");

    @Test
    void aDatagramGoesThroughTheStockServerAndItsReplyComesBack() throws Exception {
        Prerequisites.require(Files.isRegularFile(STOCK) && Files.isExecutable(Path.of("/usr/bin/python3")),
                "Debian's sshuttle package (stock 1.x server) is not installed: apt-get install sshuttle");
        Process server = new ProcessBuilder("/usr/bin/python3", "-c",
                "import sshuttle.server as s; s.main(True, 32768, False, None, False)")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        // bounded: a server that says nothing more is killed, and the blocked read ends
        java.util.concurrent.CompletableFuture.delayedExecutor(30, TimeUnit.SECONDS).execute(server::destroyForcibly);
        BlockingQueue<byte[]> replies = new ArrayBlockingQueue<>(16);
        MuxListener listener = new MuxListener() {
            @Override
            public void onUdpData(int channel, byte[] payload) {
                replies.add(payload);
            }
        };
        try (DatagramSocket target = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            target.setSoTimeout(10_000);
            InputStream in = server.getInputStream();
            OutputStream out = server.getOutputStream();
            SyncHeaderReader header = new SyncHeaderReader();
            byte[] buf = new byte[65536];
            ByteBuffer rest = null;
            while (rest == null) {
                int n = in.read(buf);
                if (n < 0) throw new AssertionError("the stock server ended before its sync header");
                ByteBuffer chunk = ByteBuffer.wrap(buf, 0, n);
                ProtocolVersion v = header.feed(chunk);
                if (v != null) {
                    assertEquals(ProtocolVersion.V1, v);
                    rest = ByteBuffer.allocate(chunk.remaining()).put(chunk).flip();
                }
            }
            Mux mux = new Mux(Mux.Role.CLIENT, ProtocolVersion.V1, MuxConfig.defaults(), listener, System.nanoTime());
            mux.receive(rest, System.nanoTime());
            int ch = mux.openUdp(2);
            InetSocketAddress to = (InetSocketAddress) target.getLocalSocketAddress();
            byte[] hello = "hello, stock".getBytes(StandardCharsets.US_ASCII);
            mux.sendUdpData(ch, UdpPayload.encode(to, hello, 0, hello.length));
            ByteBuffer wire = ByteBuffer.allocate(1 << 16);
            mux.drainTo(wire, System.nanoTime());
            out.write(wire.array(), 0, wire.position());
            out.flush();

            DatagramPacket p = new DatagramPacket(new byte[512], 512);
            target.receive(p);
            assertEquals("hello, stock", new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII));
            target.send(new DatagramPacket("back".getBytes(StandardCharsets.US_ASCII), 4, p.getSocketAddress()));

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            byte[] reply = null;
            while (reply == null && System.nanoTime() < deadline) {
                int n = in.read(buf);
                if (n < 0) break;
                mux.receive(ByteBuffer.wrap(buf, 0, n), System.nanoTime());
                reply = replies.poll();
            }
            assertNotNull(reply, "no UDP_DATA from the stock server");
            UdpPayload.Parsed parsed = UdpPayload.parse(reply);
            assertEquals(to, parsed.address(), "the reply names its sender");
            assertEquals("back", StandardCharsets.US_ASCII.decode(parsed.data()).toString());
        } finally {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
