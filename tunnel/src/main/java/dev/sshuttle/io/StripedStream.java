package dev.sshuttle.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * The mux stream striped over several lanes (ssh channels of one ssh connection), so a session
 * gets K channel windows per round trip instead of one (docs/protocol.md, "Striping"). The mux
 * and its driver see one ordered stream, unchanged: its bytes travel as segments
 * {@code seq u32 | length u16 | payload} numbered across all lanes; a write puts each segment on
 * the next lane that takes bytes (a lane whose ssh channel has no window left stops taking them,
 * so the others carry the load), and a read delivers segments strictly in sequence, from
 * whichever lane holds the next one at its head. A lane's segments are in sequence order, so
 * the next one is always at the head of some lane or still on its way: nothing is reordered in
 * memory, and a lane that is ahead simply waits (its buffer fills, ssh's window closes).
 */
public final class StripedStream implements StreamEnd {
    public static final int SEGMENT_HEADER = 6;
    public static final int MAX_SEGMENT = 65535;
    /** A sequence number further ahead than this is not an honest peer's. */
    static final int MAX_SEQUENCE_GAP = 1 << 24;
    static final int LANE_IN_BYTES = 256 * 1024;

    private final List<Lane> lanes = new ArrayList<>();
    private final Executor soon;
    private Readiness events;
    private boolean readInterest;
    private boolean writeInterest;
    private int nextLane;
    private int sendSeq;
    private int expectSeq;
    private boolean recheckPosted;

    /**
     * @param streams the lanes, the session's first transport first
     * @param soon    runs a task on the loop after the current one (a read that filled the
     *                caller's buffer may leave deliverable bytes behind with no readiness to come)
     */
    public StripedStream(List<? extends NonBlockingStream> streams, Executor soon) {
        if (streams.isEmpty()) throw new IllegalArgumentException("a striped stream needs at least one lane");
        for (int i = 0; i < streams.size(); i++) lanes.add(new Lane(i, streams.get(i)));
        this.soon = soon;
    }

    /** Bytes of lane {@code lane} read before the stream started (past the handshake). */
    public void preload(int lane, ByteBuffer bytes) {
        Lane l = lanes.get(lane);
        if (bytes.remaining() > l.in.capacity() - l.end) throw new IllegalArgumentException("preload larger than a lane buffer");
        l.in.put(l.end, bytes, bytes.position(), bytes.remaining());
        l.end += bytes.remaining();
        bytes.position(bytes.limit());
    }

    public int laneCount() {
        return lanes.size();
    }

    @Override
    public void start(Readiness events) {
        this.events = events;
        for (Lane l : lanes) l.io.start(l);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int copied = 0;
        boolean ended = false;
        while (dst.hasRemaining()) {
            Lane next = laneWithNext();
            if (next != null) {
                copied += next.copyPayload(dst);
                continue;
            }
            boolean progress = false;
            for (Lane l : lanes) {
                int n = l.fill();
                if (n > 0) progress = true;
                if (n < 0) ended = true;
            }
            if (!progress) break;
        }
        updateInterest();
        if (!dst.hasRemaining()) postRecheck();
        if (copied == 0 && ended) return -1;
        return copied;
    }

    /** The lane whose head is the next segment in sequence, with payload bytes to give; null if none. */
    private Lane laneWithNext() throws IOException {
        for (Lane l : lanes) {
            if (l.headReady() && l.headSeq == expectSeq && l.available() > 0) return l;
        }
        return null;
    }

    private void postRecheck() {
        if (recheckPosted) return;
        recheckPosted = true;
        soon.execute(() -> {
            recheckPosted = false;
            try {
                if (readInterest && laneWithNext() != null) events.onReadable();
            } catch (IOException e) {
                events.onReadable(); // the read that follows reports it
            }
        });
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int taken = 0;
        for (int tried = 0; tried < lanes.size() && src.hasRemaining(); ) {
            Lane l = lanes.get(nextLane);
            nextLane = (nextLane + 1) % lanes.size();
            if (!l.flush()) {
                tried++;
                continue;
            }
            int n = Math.min(MAX_SEGMENT, src.remaining());
            l.out.clear();
            l.out.putInt(sendSeq++).putShort((short) n);
            l.out.put(l.out.position(), src, src.position(), n).position(l.out.position() + n).flip();
            src.position(src.position() + n);
            taken += n;
            l.flush();
            tried = 0;
        }
        updateInterest();
        return taken;
    }

    @Override
    public void interest(boolean read, boolean write) {
        readInterest = read;
        writeInterest = write;
        updateInterest();
    }

    private void updateInterest() {
        for (Lane l : lanes) l.applyInterest();
    }

    @Override
    public void awaitWritable(long timeoutMillis) {
        // the final flush: push what the lanes hold, each lane waiting on its own
        for (Lane l : lanes) {
            try {
                if (!l.flush() && l.io instanceof StreamEnd end) end.awaitWritable(timeoutMillis / lanes.size() + 1);
                l.flush();
            } catch (IOException e) {
                // the remote is gone; the driver's next write says so
            }
        }
    }

    /** One lane: its read buffer [start, end), the head segment being delivered, its unsent segment. */
    private final class Lane implements Readiness {
        final int index;
        final NonBlockingStream io;
        final ByteBuffer in = ByteBuffer.allocateDirect(LANE_IN_BYTES);
        final ByteBuffer out = ByteBuffer.allocateDirect(SEGMENT_HEADER + MAX_SEGMENT).limit(0);
        int start;
        int end;
        int headSeq;
        int headLeft; // payload bytes of the head segment not yet delivered; 0: no head parsed
        boolean eof;
        boolean reading;
        boolean writing;

        Lane(int index, NonBlockingStream io) {
            this.index = index;
            this.io = io;
        }

        int available() {
            return Math.min(headLeft, end - start);
        }

        /** Parses the next segment header if none is current; true when a head segment is known. */
        boolean headReady() throws IOException {
            if (headLeft > 0) return true;
            if (end - start < SEGMENT_HEADER) return false;
            int seq = in.getInt(start);
            int len = Short.toUnsignedInt(in.getShort(start + 4));
            int ahead = seq - expectSeq;
            if (len == 0) throw new IOException("striped stream: empty segment " + seq + " on lane " + index);
            if (ahead < 0) throw new IOException("striped stream: segment " + seq + " on lane " + index + " arrived twice (expected " + expectSeq + ")");
            if (ahead > MAX_SEQUENCE_GAP) throw new IOException("striped stream: segment " + seq + " on lane " + index + " is far ahead of " + expectSeq);
            start += SEGMENT_HEADER;
            headSeq = seq;
            headLeft = len;
            return true;
        }

        int copyPayload(ByteBuffer dst) {
            int n = Math.min(available(), dst.remaining());
            dst.put(dst.position(), in, start, n).position(dst.position() + n);
            start += n;
            headLeft -= n;
            if (headLeft == 0) expectSeq++;
            if (start == end) start = end = 0;
            return n;
        }

        /** Reads what the lane has into its buffer: bytes read, 0 for none or no room, -1 at its end. */
        int fill() throws IOException {
            if (eof) return -1;
            if (start > 0 && end == in.capacity()) {
                in.limit(end).position(start);
                in.compact(); // overlapping move, defined for compact()
                end -= start;
                start = 0;
            }
            if (end == in.capacity()) return 0;
            int n = io.read(in.limit(in.capacity()).position(end));
            if (n < 0) {
                eof = true;
                return -1;
            }
            end += n;
            return n;
        }

        /** Writes the unsent segment; true when none is left. */
        boolean flush() throws IOException {
            while (out.hasRemaining()) {
                if (io.write(out) == 0) return false;
            }
            return true;
        }

        void applyInterest() {
            boolean read = readInterest && !eof && (start > 0 || end < in.capacity());
            boolean write = out.hasRemaining();
            if (read != reading || write != writing) {
                reading = read;
                writing = write;
                io.interest(read, write);
            }
        }

        @Override
        public void onReadable() {
            if (readInterest) events.onReadable();
            else applyInterest();
        }

        @Override
        public void onWritable() {
            try {
                if (flush() && writeInterest) events.onWritable();
            } catch (IOException e) {
                events.onWritable(); // the driver's write reports it
            }
            applyInterest();
        }
    }
}
