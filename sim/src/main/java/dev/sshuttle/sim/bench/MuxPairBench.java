package dev.sshuttle.sim.bench;

import dev.sshuttle.mux.Mux;
import dev.sshuttle.mux.MuxConfig;
import dev.sshuttle.mux.MuxListener;
import dev.sshuttle.mux.ProtocolException;
import dev.sshuttle.mux.ProtocolVersion;
import dev.sshuttle.mux.TcpTarget;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A client and a server mux in one thread, joined by a 256 KiB buffer: the server sends one
 * MiB on one channel, the client's listener consumes it at once. One operation = 1 MiB through
 * both muxes (send, schedule, frame, decode, deliver, window), so MB/s = score * 1.048576.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class MuxPairBench {
    private static final int MIB = 1 << 20;

    @Param({"V2", "V1"})
    public String version;

    private Mux client;
    private Mux server;
    private int channel;
    private final ByteBuffer wire = ByteBuffer.allocate(256 * 1024);
    private final ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
    private long received;

    @Setup(Level.Trial)
    public void setUp() throws ProtocolException {
        ProtocolVersion v = ProtocolVersion.valueOf(version);
        MuxConfig config = MuxConfig.defaults().withLatencyControl(false, 32768);
        client = new Mux(Mux.Role.CLIENT, v, config, new MuxListener() {
            @Override
            public void onData(int ch, byte[] data) {
                received += data.length;
                client.consumed(ch, data.length);
            }
        }, 0);
        server = new Mux(Mux.Role.SERVER, v, config, new MuxListener() {}, 0);
        channel = client.openTcp(new TcpTarget(false, "10.0.0.1", 80));
        pump(client, server);
        server.connected(channel);
    }

    @Benchmark
    public long oneMebibyte() throws ProtocolException {
        long target = received + MIB;
        int offered = 0;
        while (received < target) {
            while (offered < MIB) {
                chunk.clear().limit(Math.min(chunk.capacity(), MIB - offered));
                int took = server.send(channel, chunk);
                offered += took;
                if (took == 0) break;
            }
            pump(server, client);
            pump(client, server); // window updates
        }
        return received;
    }

    private void pump(Mux from, Mux to) throws ProtocolException {
        for (int n = 1; n > 0; ) {
            wire.clear();
            n = from.drainTo(wire, 0);
            wire.flip();
            to.receive(wire, 0);
        }
    }
}
