package dev.sshuttle.agent;

import dev.sshuttle.io.EventLoop;
import dev.sshuttle.mux.Mux;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Agent side of DNS_REQ: sends the query over UDP to a nameserver of this host (or --to-ns)
 * and returns the first reply as DNS_RESPONSE. A query with no answer in 30 s is dropped,
 * as sshuttle does.
 */
final class DnsForwarder {
    private static final long TIMEOUT_NANOS = 30_000_000_000L;

    private final EventLoop loop;
    private final InetSocketAddress fixedServer;

    DnsForwarder(EventLoop loop, String toNs) {
        this.loop = loop;
        this.fixedServer = toNs == null ? null : parse(toNs);
    }

    private static InetSocketAddress parse(String ipAtPort) {
        int at = ipAtPort.lastIndexOf('@');
        String ip = at < 0 ? ipAtPort : ipAtPort.substring(0, at);
        int port = at < 0 ? 53 : Integer.parseInt(ipAtPort.substring(at + 1));
        return new InetSocketAddress(ip, port == 0 ? 53 : port);
    }

    void query(Mux mux, int channel, byte[] query) {
        try {
            DatagramChannel udp = DatagramChannel.open();
            udp.connect(nameserver());
            udp.write(ByteBuffer.wrap(query));
            SelectionKey key = loop.register(udp, SelectionKey.OP_READ, k -> {
                ByteBuffer reply = ByteBuffer.allocate(4096);
                try {
                    udp.read(reply);
                    mux.sendDnsResponse(channel, java.util.Arrays.copyOf(reply.array(), reply.position()));
                } catch (IOException e) {
                    // ICMP port unreachable and the like: no answer, as with a lost datagram
                } finally {
                    k.cancel();
                    udp.close();
                }
            });
            loop.scheduleAt(EventLoop.now() + TIMEOUT_NANOS, () -> {
                if (key.isValid()) {
                    key.cancel();
                    try {
                        udp.close();
                    } catch (IOException ignored) {
                        // timed out: nothing to report
                    }
                }
            });
        } catch (IOException e) {
            // no usable nameserver: the client's resolver times out, as with the original
        }
    }

    private InetSocketAddress nameserver() throws IOException {
        if (fixedServer != null) return fixedServer;
        List<String> servers = new ArrayList<>();
        Path conf = Path.of("/etc/resolv.conf");
        if (Files.isReadable(conf)) {
            for (String line : Files.readAllLines(conf)) {
                String[] f = line.strip().split("\\s+");
                if (f.length >= 2 && f[0].equals("nameserver")) servers.add(f[1]);
            }
        }
        String pick = servers.isEmpty() ? "127.0.0.1" : servers.get((int) (Math.random() * servers.size()));
        return new InetSocketAddress(pick, 53);
    }
}
