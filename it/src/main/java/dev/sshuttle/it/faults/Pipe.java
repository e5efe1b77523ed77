package dev.sshuttle.it.faults;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One direction of a link. A reader thread stamps each chunk with its arrival time and queues
 * it (bounded: at most {@value #QUEUE_CHUNKS} chunks of {@value #CHUNK_BYTES} bytes), so latency
 * delays every chunk without throttling the stream; a writer thread applies the direction's
 * toxics and writes. Toxics act in a fixed order (Toxiproxy chains them in the order added):
 * hold (timeout, bandwidth 0), reset_peer, latency, limit_data, slicer, bandwidth; slow_close
 * acts on the EOF.
 */
final class Pipe {
    static final int CHUNK_BYTES = 32 * 1024;
    static final int QUEUE_CHUNKS = 16;
    private static final byte[] EOF = new byte[0];

    private record Chunk(byte[] data, long arrivalNanos) {}

    private final Link link;
    private final Direction direction;
    private final SocketChannel from;
    private final SocketChannel to;
    private final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUE_CHUNKS);
    private Thread reader;
    private Thread writer;
    private long passedBytes;

    Pipe(Link link, Direction direction, SocketChannel from, SocketChannel to) {
        this.link = link;
        this.direction = direction;
        this.from = from;
        this.to = to;
    }

    void start() {
        reader = Thread.ofVirtual().name("faultproxy-" + direction.json() + "-read").start(this::readLoop);
        writer = Thread.ofVirtual().name("faultproxy-" + direction.json() + "-write").start(this::writeLoop);
    }

    void stop() {
        if (reader != null) reader.interrupt();
        if (writer != null) writer.interrupt();
    }

    private void readLoop() {
        try {
            while (true) {
                ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES);
                int n = from.read(buf);
                if (n < 0) {
                    queue.put(new Chunk(EOF, System.nanoTime()));
                    return;
                }
                if (n > 0) queue.put(new Chunk(java.util.Arrays.copyOf(buf.array(), n), System.nanoTime()));
            }
        } catch (IOException e) {
            if (!link.isClosed()) link.reset(); // the peer reset or vanished: pass the reset on
        } catch (InterruptedException e) {
            // link closed
        }
    }

    private void writeLoop() {
        try {
            while (!link.isClosed()) {
                Chunk c = queue.take();
                if (c.data() == EOF) {
                    passEof();
                    return;
                }
                deliver(c);
            }
        } catch (IOException e) {
            if (!link.isClosed()) link.reset();
        } catch (InterruptedException e) {
            // link closed
        }
    }

    private void passEof() throws IOException, InterruptedException {
        for (ToxicSpec t : link.active(direction)) {
            if (t.type() == ToxicType.SLOW_CLOSE) Thread.sleep(t.attr("delay"));
        }
        if (!link.isClosed()) to.shutdownOutput();
        link.pipeDone();
    }

    private void deliver(Chunk c) throws IOException, InterruptedException {
        List<ToxicSpec> toxics = holdWhileBlocked();
        if (toxics == null) return;
        ToxicSpec reset = first(toxics, ToxicType.RESET_PEER);
        if (reset != null) {
            // like Toxiproxy: the first data after the toxic arrives is dropped and, after
            // `timeout` ms, the connection is reset
            TimeUnit.MILLISECONDS.sleep(reset.attr("timeout"));
            link.reset();
            return;
        }
        for (ToxicSpec t : toxics) {
            if (t.type() == ToxicType.LATENCY) waitUntil(c.arrivalNanos() + latencyNanos(t));
        }
        byte[] data = c.data();
        int len = data.length;
        boolean closeAfter = false;
        for (ToxicSpec t : toxics) {
            if (t.type() == ToxicType.LIMIT_DATA) {
                long left = t.attr("bytes") - passedBytes;
                if (left <= len) {
                    len = (int) Math.max(0, left);
                    closeAfter = true;
                }
            }
        }
        ToxicSpec slicer = first(toxics, ToxicType.SLICER);
        for (int off = 0; off < len; ) {
            int piece = slicer == null ? len - off : sliceSize(slicer, len - off);
            writePaced(data, off, piece, toxics);
            off += piece;
            if (slicer != null && off < len) TimeUnit.MICROSECONDS.sleep(slicer.attr("delay"));
        }
        passedBytes += len;
        if (closeAfter) link.close();
    }

    /** Waits while a timeout or a zero-rate bandwidth toxic holds this direction; null once the link closed. */
    private List<ToxicSpec> holdWhileBlocked() throws InterruptedException {
        while (!link.isClosed()) {
            List<ToxicSpec> toxics = link.active(direction);
            boolean held = toxics.stream().anyMatch(t -> t.type() == ToxicType.TIMEOUT
                    || (t.type() == ToxicType.BANDWIDTH && t.attr("rate") <= 0));
            if (!held) return toxics;
            link.awaitToxicChange();
        }
        return null;
    }

    /** Writes data[off, off+len) at the lowest bandwidth toxic's rate, in slices of at most 100 ms. */
    private void writePaced(byte[] data, int off, int len, List<ToxicSpec> toxics) throws IOException, InterruptedException {
        long rate = toxics.stream().filter(t -> t.type() == ToxicType.BANDWIDTH)
                .mapToLong(t -> t.attr("rate")).min().orElse(0);
        if (rate <= 0) {
            writeFully(data, off, len);
            return;
        }
        long bytesPer100ms = Math.max(1, rate * 100);
        for (int done = 0; done < len; ) {
            int slice = (int) Math.min(len - done, bytesPer100ms);
            writeFully(data, off + done, slice);
            done += slice;
            TimeUnit.MICROSECONDS.sleep(slice * 1000L / rate); // rate KB/s = rate bytes per ms
        }
    }

    private void writeFully(byte[] data, int off, int len) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data, off, len);
        while (b.hasRemaining()) to.write(b);
    }

    private static long latencyNanos(ToxicSpec t) {
        long jitter = t.attr("jitter");
        long ms = t.attr("latency") + (jitter > 0 ? ThreadLocalRandom.current().nextLong(-jitter, jitter + 1) : 0);
        return TimeUnit.MILLISECONDS.toNanos(Math.max(0, ms));
    }

    private static int sliceSize(ToxicSpec slicer, int left) {
        long avg = Math.max(1, slicer.attr("average_size"));
        long var = Math.min(slicer.attr("size_variation"), avg - 1);
        long size = avg + (var > 0 ? ThreadLocalRandom.current().nextLong(-var, var + 1) : 0);
        return (int) Math.min(left, Math.max(1, size));
    }

    private static void waitUntil(long deadlineNanos) throws InterruptedException {
        long left = deadlineNanos - System.nanoTime();
        if (left > 0) TimeUnit.NANOSECONDS.sleep(left);
    }

    private static ToxicSpec first(List<ToxicSpec> toxics, ToxicType type) {
        return toxics.stream().filter(t -> t.type() == type).findFirst().orElse(null);
    }
}
