package dev.sshuttle.sim.bench;

import dev.sshuttle.mux.Command;
import dev.sshuttle.mux.Frame;
import dev.sshuttle.mux.FrameDecoder;
import dev.sshuttle.mux.FrameEncoder;
import dev.sshuttle.mux.ProtocolException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Frame codec speed. One operation = one frame, so the score is frames/s; MB/s is the score
 * times {@code payloadBytes}. 2048 is what classic peers send, 65535 the 0002 maximum.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CodecBench {
    private static final int FRAMES = 64;

    @Param({"2048", "65535"})
    public int payloadBytes;

    private Frame frame;
    private ByteBuffer encodeBuffer;
    private ByteBuffer encoded;
    private final FrameDecoder decoder = new FrameDecoder();

    @Setup
    public void setUp() {
        frame = new Frame(1, Command.TCP_DATA, new byte[payloadBytes]);
        encodeBuffer = ByteBuffer.allocate(FRAMES * (Frame.HEADER_BYTES + payloadBytes));
        encoded = ByteBuffer.allocate(encodeBuffer.capacity());
        for (int i = 0; i < FRAMES; i++) FrameEncoder.write(encoded, frame);
        encoded.flip();
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public ByteBuffer encode() {
        encodeBuffer.clear();
        for (int i = 0; i < FRAMES; i++) FrameEncoder.write(encodeBuffer, frame);
        return encodeBuffer;
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void decode(Blackhole hole) throws ProtocolException {
        decoder.decode(encoded.duplicate(), (channel, command, payload) -> hole.consume(payload.remaining()));
    }
}
