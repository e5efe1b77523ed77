package dev.sshuttle.sim.bench;

import dev.sshuttle.io.Bridges;
import dev.sshuttle.io.ConnectOutcome;
import dev.sshuttle.io.LocalSocket;
import dev.sshuttle.io.MuxDriver;
import dev.sshuttle.io.Readiness;
import dev.sshuttle.io.StreamEnd;
import dev.sshuttle.io.Timers;
import dev.sshuttle.mux.Mux;
import dev.sshuttle.mux.MuxConfig;
import dev.sshuttle.mux.ProtocolException;
import dev.sshuttle.mux.ProtocolVersion;
import dev.sshuttle.mux.TcpTarget;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The production data path of both ends in one thread: the agent's bridge reads a target socket
 * into its mux, its driver writes the frames into a pipe, the client's driver reads and decodes
 * them, and its bridge writes them to the application's socket; window grants and probe
 * answers go back the same way. Only the sockets and the pipes are in memory. One operation
 * moves {@code mebibytes} MiB, so MB/s = score x mebibytes x 1.048576, and with {@code -prof gc}
 * gc.alloc.rate.norm is what the data path allocates per {@code mebibytes} MiB (0 in steady state).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DriverPairBench {
    private static final int PIPE_BYTES = 1 << 20;

    @Param({"1024"})
    public int mebibytes;

    @Param({"V2", "V1"})
    public String version;

    private MemoryPipe up;
    private MemoryPipe down;
    private MuxDriver clientDriver;
    private MuxDriver serverDriver;
    private TargetSocket target;
    private AppSocket app;

    @Setup
    public void setUp() {
        ProtocolVersion v = ProtocolVersion.valueOf(version);
        MuxConfig config = MuxConfig.defaults().withLatencyControl(false, 32768);
        Timers timers = new Timers() {
            public long nanos() { return System.nanoTime(); }
            public void scheduleAt(long deadlineNanos, Runnable task) { }
        };
        up = new MemoryPipe();
        down = new MemoryPipe();
        target = new TargetSocket();
        app = new AppSocket();
        ConnectOutcome[] connect = new ConnectOutcome[1];
        Bridges clientBridges = new Bridges(timers, null, m -> { });
        Bridges serverBridges = new Bridges(timers, (t, outcome) -> {
            connect[0] = outcome;
            target.events = outcome;
            return target;
        }, m -> { });
        Mux client = new Mux(Mux.Role.CLIENT, v, config, clientBridges, System.nanoTime());
        Mux server = new Mux(Mux.Role.SERVER, v, config, serverBridges, System.nanoTime());
        clientBridges.attach(client);
        serverBridges.attach(server);
        MuxDriver.Events fail = new MuxDriver.Events() {
            public void onTransportClosed(String why) { throw new IllegalStateException(why); }
            public void onProtocolError(ProtocolException e) { throw new IllegalStateException(e); }
        };
        clientDriver = new MuxDriver(timers, new PipeEnd(down, up), clientBridges, fail);
        serverDriver = new MuxDriver(timers, new PipeEnd(up, down), serverBridges, fail);
        clientDriver.start(client, null);
        serverDriver.start(server, null);
        int channel = client.openTcp(new TcpTarget(false, "10.0.0.1", 80));
        clientBridges.bridgeAccepted(channel, app);
        turn();
        connect[0].onConnected();
        turn();
    }

    /** One round of both loops: flush, then read what arrived. */
    private void turn() {
        serverDriver.flush();
        if (down.readable()) clientDriver.onReadable();
        clientDriver.flush();
        if (up.readable()) serverDriver.onReadable();
        if (target.events != null) target.events.onReadable();
    }

    @Benchmark
    public long download() {
        long goal = app.received + ((long) mebibytes << 20);
        while (app.received < goal) turn();
        return app.received;
    }

    /** A byte pipe between the two drivers: a ring in memory. */
    static final class MemoryPipe {
        final ByteBuffer ring = ByteBuffer.allocateDirect(PIPE_BYTES);
        long written;
        long read;

        boolean readable() {
            return written > read;
        }

        int write(ByteBuffer src) {
            int n = (int) Math.min(src.remaining(), PIPE_BYTES - (written - read));
            for (int left = n; left > 0; ) {
                int at = (int) (written % PIPE_BYTES);
                int k = Math.min(left, PIPE_BYTES - at);
                ring.put(at, src, src.position(), k);
                src.position(src.position() + k);
                written += k;
                left -= k;
            }
            return n;
        }

        int read(ByteBuffer dst) {
            int n = (int) Math.min(dst.remaining(), written - read);
            for (int left = n; left > 0; ) {
                int at = (int) (read % PIPE_BYTES);
                int k = Math.min(left, PIPE_BYTES - at);
                dst.put(dst.position(), ring, at, k);
                dst.position(dst.position() + k);
                read += k;
                left -= k;
            }
            return n;
        }
    }

    /** One driver's view of the two pipes. */
    static final class PipeEnd implements StreamEnd {
        private final MemoryPipe in;
        private final MemoryPipe out;

        PipeEnd(MemoryPipe in, MemoryPipe out) {
            this.in = in;
            this.out = out;
        }

        public int read(ByteBuffer dst) { return in.read(dst); }
        public int write(ByteBuffer src) { return out.write(src); }
        public void interest(boolean read, boolean write) { }
        public void start(Readiness events) { }
        public void awaitWritable(long timeoutMillis) { }
    }

    /** The target's socket: always has bytes to give. */
    static final class TargetSocket implements LocalSocket {
        Readiness events;

        public int read(ByteBuffer dst) {
            int n = dst.remaining();
            dst.position(dst.limit());
            return n;
        }

        public int write(ByteBuffer src) {
            int n = src.remaining();
            src.position(src.limit());
            return n;
        }

        public void interest(boolean read, boolean write) { }
        public void start(Readiness e) { events = e; }
        public void shutdownOutput() { }
        public void shutdownInput() { }
        public void close(boolean reset) { throw new IllegalStateException("the target socket was closed"); }
    }

    /** The application's socket: takes everything. */
    static final class AppSocket implements LocalSocket {
        long received;

        public int read(ByteBuffer dst) { return 0; }

        public int write(ByteBuffer src) {
            int n = src.remaining();
            src.position(src.limit());
            received += n;
            return n;
        }

        public void interest(boolean read, boolean write) { }
        public void start(Readiness e) { }
        public void shutdownOutput() { }
        public void shutdownInput() { }
        public void close(boolean reset) { throw new IllegalStateException("the application socket was closed"); }
    }
}
