package dev.sshuttle.it.lfn;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * One direction of a relayed connection: a reader stamps each chunk it reads with the time it
 * is due at the far end, a writer passes it on then. Chunks leave in the order they came, so a
 * late one (loss) holds back everything behind it, as in TCP. At most
 * {@link LinkShape#maxQueuedBytes()} are held, in reused direct buffers; a full line stops
 * reading, and the sender's TCP window closes.
 */
final class DelayLine {
    static final int CHUNK_BYTES = 64 * 1024;
    private static final ByteBuffer EOF = ByteBuffer.allocate(0);

    private record Chunk(ByteBuffer data, long dueNanos) {}

    private final String name;
    private final SocketChannel from;
    private final SocketChannel to;
    private final Supplier<LinkShape> shape;
    private final Runnable onFailure;
    private final Runnable onDone;
    private final Semaphore room;
    private final Queue<ByteBuffer> spare = new ConcurrentLinkedQueue<>();
    private final LinkedBlockingQueue<Chunk> line = new LinkedBlockingQueue<>();
    private final AtomicLong passed = new AtomicLong();
    private long bottleneckFreeAt;
    private long lastDue;
    private Thread reader;
    private Thread writer;

    DelayLine(String name, SocketChannel from, SocketChannel to, Supplier<LinkShape> shape, Runnable onFailure, Runnable onDone) {
        this.name = name;
        this.from = from;
        this.to = to;
        this.shape = shape;
        this.onFailure = onFailure;
        this.onDone = onDone;
        this.room = new Semaphore((int) Math.min(Integer.MAX_VALUE, shape.get().maxQueuedBytes() / CHUNK_BYTES));
    }

    void start() {
        // platform threads: the delay is a sleep, and its precision is what the benchmark measures
        reader = Thread.ofPlatform().daemon().name(name + "-read").start(this::readLoop);
        writer = Thread.ofPlatform().daemon().name(name + "-write").start(this::writeLoop);
    }

    void stop() {
        if (reader != null) reader.interrupt();
        if (writer != null) writer.interrupt();
    }

    long passedBytes() {
        return passed.get();
    }

    private void readLoop() {
        try {
            while (true) {
                room.acquire();
                ByteBuffer buf = spare.poll();
                if (buf == null) buf = ByteBuffer.allocateDirect(CHUNK_BYTES);
                buf.clear();
                int n = from.read(buf);
                if (n < 0) {
                    line.put(new Chunk(EOF, dueAt(0)));
                    return;
                }
                buf.flip();
                line.put(new Chunk(buf, dueAt(n)));
            }
        } catch (IOException e) {
            onFailure.run();
        } catch (InterruptedException e) {
            // the connection closed
        }
    }

    /** When `bytes` read now reach the far end: after the bottleneck (if capped), the delay, a retransmission (if lost). */
    private long dueAt(int bytes) {
        LinkShape s = shape.get();
        long now = System.nanoTime();
        long departs = now;
        if (s.bytesPerSecond() > 0) {
            departs = Math.max(now, bottleneckFreeAt) + bytes * 1_000_000_000L / s.bytesPerSecond();
            bottleneckFreeAt = departs;
        }
        long due = departs + s.oneWay().toNanos();
        if (bytes > 0 && s.lossRate() > 0 && ThreadLocalRandom.current().nextDouble() < s.lossRate()) {
            due += s.roundTrip().toNanos();
        }
        lastDue = Math.max(lastDue, due);
        return lastDue;
    }

    private void writeLoop() {
        try {
            while (true) {
                Chunk c = line.take();
                for (long left; (left = c.dueNanos() - System.nanoTime()) > 0; ) LockSupport.parkNanos(left);
                if (Thread.interrupted()) return;
                if (c.data() == EOF) {
                    to.shutdownOutput();
                    onDone.run();
                    return;
                }
                int n = c.data().remaining();
                while (c.data().hasRemaining()) to.write(c.data());
                passed.addAndGet(n);
                spare.offer(c.data());
                room.release();
            }
        } catch (IOException e) {
            onFailure.run();
        } catch (InterruptedException e) {
            // the connection closed
        }
    }
}
