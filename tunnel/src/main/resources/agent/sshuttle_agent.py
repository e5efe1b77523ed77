# sshuttle-java remote agent: speaks the sshuttle mux (classic 0001 and extended 0002, see
# docs/protocol.md) over its stdin/stdout. Python 3.8+, standard library only, no root.
#
# It is exec'd by a one-line loader that read the zlib-compressed source from fd 0 through
# sys.stdin.buffer; the JSON options line follows on that same buffered reader. After the
# sync header the mux is spoken over raw, non-blocking fds 0 and 1 (the client sends no frame
# before it has read the header, so nothing is left in the buffered reader).
#
# Exit codes: 98 normal end (stdin EOF or EXIT), 99 fatal error (protocol error, bad options).
#
# One file by necessity (it is streamed as one blob), in sections named like the Java agent's
# classes, so that the two read side by side:
#   wire constants ........ mux/Command, mux/Frame, mux/MuxConfig, mux/ConnectFailure
#   the mux stream ........ PlainIO (stdin/stdout); Lane, Striper (io/StripedStream)
#   the stripe handshake .. stripe/StripeAgent, stripe/StripeWire
#   Mux ................... mux/Mux, in sections: frame writer (mux/FrameEncoder), frame reader
#                           (mux/FrameDecoder), dispatch, flow control (mux/InFlightBound,
#                           ReceiveWindow, SendCredit, SparseFlowScheduler, ClassicPacing)
#   DnsForwarder .......... agent/DnsForwarder
#   UdpRelay, UdpChannel .. agent/UdpRelay
#   HostWatch ............. agent/HostWatch
#   TcpChannel ............ mux/TcpChannel, mux/TcpTarget (parse_connect), io/SocketBridge
#   list_routes ........... agent/RouteLister
#   start-up and the loop . agent/JavaAgent, io/EventLoop

import collections
import errno
import json
import os
import selectors
import socket
import struct
import sys
import threading
import time


# ==============================================================================================
# Wire constants (mux/Command, mux/Frame, mux/MuxConfig, mux/ConnectFailure)
# ==============================================================================================
EXIT = 0x4200
PING = 0x4201
PONG = 0x4202
TCP_CONNECT = 0x4203
TCP_STOP_SENDING = 0x4204
TCP_EOF = 0x4205
TCP_DATA = 0x4206
ROUTES = 0x4207
HOST_REQ = 0x4208
HOST_LIST = 0x4209
DNS_REQ = 0x420A
DNS_RESPONSE = 0x420B
UDP_OPEN = 0x420C
UDP_DATA = 0x420D
UDP_CLOSE = 0x420E
TCP_WINDOW = 0x4210
TCP_CONNECTED = 0x4211
TCP_CONNECT_FAILED = 0x4212
TCP_RESET = 0x4213

# striping (docs/protocol.md, "Striping"): only in the handshake, before the mux starts
STRIPE_OFFER = 0x4220
STRIPE_START = 0x4221
STRIPE_TOKEN_BYTES = 16
STRIPE_MAX_LANES = 15
STRIPE_WAIT_S = 60.0              # the client's STRIPE_START, after our offer
SEG = struct.Struct("!IH")        # a segment of the striped stream: sequence, length
SEG_LEN = 6
SEG_MAX = 65535
LANE_IN_BYTES = 256 * 1024

LAST_CLASSIC = UDP_CLOSE
LAST_EXTENDED = TCP_RESET

MAGIC = 0x5353
HDR = struct.Struct("!HHHH")
HDR_LEN = 8
MAX_PAYLOAD = 65535
U32 = struct.Struct("!I")
U64 = struct.Struct("!Q")

INITIAL_WINDOW = 262144
MAX_WINDOW = 16 * 1024 * 1024
CLASSIC_CHUNK = 2048             # classic senders' frame size while latency control is on
IN_BUF_BYTES = 1024 * 1024        # one read of the mux input
OUT_HIGH_BYTES = 1024 * 1024      # 0001: stop reading sockets while this much waits for stdout
CLASSIC_PENDING_MAX = 16 * 1024 * 1024  # 0001 has no windows: stop reading stdin past this
READS_PER_EVENT = 8               # 0001: socket reads per readiness event (bounded fairness)
IOV_MAX = 512
DNS_TIMEOUT_S = 30.0
UDP_RECV_BYTES = 65535
PIPE_BYTES = 1024 * 1024
F_SETPIPE_SZ = 1031
RTT_FLOOR_S = 0.005
# 0002 bytes in flight (docs/protocol.md, "0002: bytes in flight and window growth")
PROBE_TAG = b"ack"
PROBE_LEN = 11                    # "ack" + u64 stream offset of the end of the PING frame
PROBES_MAX = 8
PROBE_EVERY_MIN = 16 * 1024
LIMIT_MIN = 256 * 1024
LIMIT_MAX = 32 * 1024 * 1024
LIMIT_GAIN = 2.0                  # the bound: this times the bandwidth-delay product
STRIPED_LIMIT_GAIN = 1.25         # in a striped session (docs/protocol.md, "Striping")
PROBE_RTT_FLOOR_S = 50e-6
RATE_BUCKET_S = 1.0               # max_rate: the largest sample of this bucket and the last one
# 0002 read scheduling: fq_codel's flow scheduling over channels, as the Java mux does it
QUANTUM = 64 * 1024               # deficit round robin, in bytes; a new flow's first share
SPARSE_SLACK = 64 * 1024          # past the limit, new flows may still be read up to limit + this
MIN_ROOM = 1024                   # less room than this below the limit counts as full (no tiny bulk frames)
SPARSE_IDLE_S = 0.001             # a socket empty this long before it is readable again: a sparse (interactive) flow
SPARSE_READ = 16 * 1024           # the most one read takes at a shut gate
PULL_BURST_BYTES = 512 * 1024     # stop reading sockets in this turn while this much waits for stdout

CONNECT_FAILED_REASON = {
    errno.ECONNREFUSED: 1,
    errno.EHOSTUNREACH: 2,
    errno.ENETUNREACH: 2,
    errno.EHOSTDOWN: 2,
    errno.ENETDOWN: 2,
    errno.ETIMEDOUT: 3,
}

EV_R = selectors.EVENT_READ
EV_W = selectors.EVENT_WRITE

verbosity = 0


# ==============================================================================================
# Errors and logging
# ==============================================================================================
class ProtocolError(Exception):
    pass


class SessionEnd(Exception):
    pass


def log(level, msg):
    if verbosity >= level:
        try:
            sys.stderr.write(" s: %s\n" % msg)
            sys.stderr.flush()
        except OSError:
            pass


def die(kind, msg, code):
    try:
        sys.stderr.write("sshuttle-agent: %s: %s\n" % (kind, msg))
        sys.stderr.flush()
    except OSError:
        pass
    os._exit(code)


def describe(err):
    return "%s (%s)" % (os.strerror(err), errno.errorcode.get(err, err))


# ==============================================================================================
# The mux stream: PlainIO (stdin/stdout), or a Striper over lanes (io/StripedStream)
# ==============================================================================================
class PlainIO:
    """The mux stream on stdin/stdout (one ssh channel)."""

    def __init__(self, mux):
        self.mux = mux

    def writev(self, iov):
        return os.writev(1, iov)

    def readinto(self, mv):
        return os.readv(0, [mv])

    def want_write(self, on):
        if on:
            self.mux.sel.register(1, EV_W, self.mux.on_stdout)
        else:
            self.mux.sel.unregister(1)

    def want_read(self, on):
        if on:
            self.mux.sel.register(0, EV_R, self.mux.on_stdin)
        else:
            self.mux.sel.unregister(0)

    def deliverable(self):
        return False

    def final_flush(self, deadline):
        with selectors.DefaultSelector() as out:
            out.register(1, EV_W)
            while self.mux.outq and time.monotonic() < deadline:
                out.select(max(0.0, deadline - time.monotonic()))
                self.mux.flush(writable=True)


class Lane:
    """One lane of a striped stream: stdin/stdout (lane 0) or a unix socket from sshd. Its read
    buffer holds [start, end); head_left is what the head segment still has to deliver."""

    def __init__(self, striper, index, sock):
        self.striper = striper
        self.index = index
        self.sock = sock
        self.rfd = 0 if sock is None else sock.fileno()
        self.wfd = 1 if sock is None else sock.fileno()
        self.buf = bytearray(LANE_IN_BYTES)
        self.mv = memoryview(self.buf)
        self.start = 0
        self.end = 0
        self.head_seq = 0
        self.head_left = 0
        self.pend = None          # the unsent rest of the segment being written (memoryview)
        self.eof = False
        self.mask = 0             # what is registered (one fd both ways for a socket)
        self.rmask = 0
        self.wmask = 0

    def head_ready(self):
        if self.head_left:
            return True
        if self.end - self.start < SEG_LEN:
            return False
        seq, n = SEG.unpack_from(self.buf, self.start)
        ahead = (seq - self.striper.expect) & 0xFFFFFFFF
        if n == 0 or ahead >= 1 << 24:
            raise ProtocolError("striped stream: segment %d (length %d) on lane %d, expected %d"
                                % (seq, n, self.index, self.striper.expect))
        self.start += SEG_LEN
        self.head_seq = seq
        self.head_left = n
        return True

    def available(self):
        return min(self.head_left, self.end - self.start)

    def fill(self):
        """Reads into the buffer: bytes read, 0 for nothing (or no room), -1 at the end."""
        if self.eof:
            return -1
        if self.end == LANE_IN_BYTES and self.start:
            rest = self.end - self.start
            self.mv[0:rest] = bytes(self.mv[self.start:self.end])
            self.start, self.end = 0, rest
        if self.end == LANE_IN_BYTES:
            return 0
        try:
            n = os.readv(self.rfd, [self.mv[self.end:]])
        except BlockingIOError:
            return 0
        except OSError as e:
            if e.errno != errno.ECONNRESET:
                raise
            n = 0
        if n == 0:
            self.eof = True
            return -1
        self.end += n
        return n

    def flush(self):
        """Writes the pending segment; True when nothing is left."""
        while self.pend is not None:
            try:
                n = os.write(self.wfd, self.pend)
            except BlockingIOError:
                return False
            except OSError as e:
                if e.errno in (errno.EPIPE, errno.ECONNRESET):
                    raise SessionEnd()
                raise
            self.pend = self.pend[n:] if n < len(self.pend) else None
        return True

    def apply(self):
        want_r = self.striper.reading and not self.eof and (self.start > 0 or self.end < LANE_IN_BYTES)
        want_w = self.pend is not None
        sel = self.striper.mux.sel
        if self.sock is None:
            for fd, ev, have, want, cb in ((0, EV_R, self.rmask, want_r, self.on_read),
                                           (1, EV_W, self.wmask, want_w, self.on_write)):
                if bool(have) != want:
                    if want:
                        sel.register(fd, ev, cb)
                    else:
                        sel.unregister(fd)
                    if fd == 0:
                        self.rmask = ev if want else 0
                    else:
                        self.wmask = ev if want else 0
            return
        mask = (EV_R if want_r else 0) | (EV_W if want_w else 0)
        if mask != self.mask:
            if not self.mask:
                sel.register(self.rfd, mask, self.on_event)
            elif not mask:
                sel.unregister(self.rfd)
            else:
                sel.modify(self.rfd, mask, self.on_event)
            self.mask = mask

    def on_event(self, mask):
        if mask & EV_W:
            self.on_write(mask)
        if mask & EV_R:
            self.on_read(mask)

    def on_read(self, mask):
        if self.striper.reading:
            self.striper.mux.on_stdin(mask)
        else:
            self.apply()

    def on_write(self, mask):
        if self.flush() and self.striper.mux.out_registered:
            self.striper.mux.on_stdout(mask)
        self.apply()


class Striper:
    """The mux stream striped over lanes (docs/protocol.md, "Striping"): segments numbered across
    all lanes; a write puts each segment on the next lane that takes bytes, a read delivers them
    strictly in sequence from whichever lane holds the next one at its head."""

    def __init__(self, mux, socks, rest):
        self.mux = mux
        self.lanes = [Lane(self, i, s) for i, s in enumerate([None] + socks)]
        for lane in self.lanes[1:]:
            lane.sock.setblocking(False)
        first = self.lanes[0]
        first.buf[0:len(rest)] = rest
        first.end = len(rest)
        self.send_seq = 0
        self.expect = 0
        self.next_lane = 0
        self.reading = False

    def writev(self, iov):
        taken = 0
        i = 0                       # iov item, and the offset into it
        off = 0
        tried = 0
        lanes = self.lanes
        while tried < len(lanes) and i < len(iov):
            lane = lanes[self.next_lane]
            self.next_lane = (self.next_lane + 1) % len(lanes)
            if not lane.flush():
                tried += 1
                continue
            parts = []
            n = 0
            while i < len(iov) and n < SEG_MAX:
                item = iov[i]
                take = min(len(item) - off, SEG_MAX - n)
                if take:
                    parts.append(item[off:off + take])
                n += take
                off += take
                if off == len(item):
                    i += 1
                    off = 0
            if n == 0:
                break               # only empty items left
            lane.pend = memoryview(SEG.pack(self.send_seq, n) + b"".join(parts))
            self.send_seq = (self.send_seq + 1) & 0xFFFFFFFF
            taken += n
            lane.flush()
            tried = 0
        for lane in lanes:
            lane.apply()
        if not taken and i < len(iov):
            raise BlockingIOError()
        return taken

    def next_lane_with_data(self):
        for lane in self.lanes:
            if lane.head_ready() and lane.head_seq == self.expect and lane.available():
                return lane
        return None

    def readinto(self, mv):
        copied = 0
        room = len(mv)
        ended = False
        while copied < room:
            lane = self.next_lane_with_data()
            if lane is not None:
                n = min(lane.available(), room - copied)
                mv[copied:copied + n] = lane.mv[lane.start:lane.start + n]
                lane.start += n
                lane.head_left -= n
                if not lane.head_left:
                    self.expect = (self.expect + 1) & 0xFFFFFFFF
                if lane.start == lane.end:
                    lane.start = lane.end = 0
                copied += n
                continue
            progress = False
            for lane in self.lanes:
                r = lane.fill()
                if r > 0:
                    progress = True
                elif r < 0:
                    ended = True
            if not progress:
                break
        for lane in self.lanes:
            lane.apply()
        if copied:
            return copied
        if ended:
            return 0
        raise BlockingIOError()

    def deliverable(self):
        return self.next_lane_with_data() is not None

    def want_write(self, on):
        for lane in self.lanes:
            lane.apply()

    def want_read(self, on):
        self.reading = on
        for lane in self.lanes:
            lane.apply()

    def final_flush(self, deadline):
        """Best effort until deadline: the queue, then every lane's pending segment."""
        with selectors.DefaultSelector() as out:
            while time.monotonic() < deadline:
                self.mux.flush(writable=True)
                waiting = [lane for lane in self.lanes if not lane.flush()]
                if not waiting and not self.mux.outq:
                    return
                for lane in waiting:
                    out.register(lane.wfd, EV_W)
                out.select(max(0.0, deadline - time.monotonic()))
                for lane in waiting:
                    out.unregister(lane.wfd)


# ==============================================================================================
# The stripe handshake (stripe/StripeAgent, stripe/StripeWire), before the mux starts
# ==============================================================================================
def write_frame(cmd, payload):
    os.write(1, HDR.pack(MAGIC, 0, cmd, len(payload)) + payload)


def stripe_handshake(opts):
    """Offers the lanes asked for (or 0 and why not), greets the connections sshd delivers to our
    socket, takes those the client's STRIPE_START names and echoes it. Returns (lanes, bytes read
    past the handshake). Blocking, on stdin/stdout, before the mux starts."""
    import hmac
    path = str(opts["stripe_socket"])
    try:
        token = bytes.fromhex(str(opts["stripe_token"]))
        most = max(0, min(int(opts.get("stripe_lanes") or 0), STRIPE_MAX_LANES))
        if len(token) != STRIPE_TOKEN_BYTES or not os.path.isabs(path):
            raise ValueError("bad stripe options")
        os.mkdir(os.path.dirname(path), 0o700)
    except (OSError, ValueError) as e:
        write_frame(STRIPE_OFFER, b"\0" + ("cannot listen on %s: %s" % (path, e)).encode("utf-8", "replace")[:1000])
        log(2, "no striping: %s" % e)
        return [], b""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lanes = {}
    try:
        try:
            srv.bind(path)
            srv.listen(STRIPE_MAX_LANES + 1)
        except OSError as e:
            write_frame(STRIPE_OFFER, b"\0" + ("cannot listen on %s: %s" % (path, e)).encode("utf-8", "replace")[:1000])
            return [], b""
        write_frame(STRIPE_OFFER, bytes([most]))
        srv.setblocking(False)
        greeting = {}
        buf = b""
        deadline = time.monotonic() + STRIPE_WAIT_S
        with selectors.DefaultSelector() as sel:
            sel.register(srv, EV_R, None)
            sel.register(0, EV_R, None)
            while True:
                if time.monotonic() > deadline:
                    die("fatal", "no STRIPE_START from the client within %d s" % STRIPE_WAIT_S, 99)
                for key, _ in sel.select(max(0.0, deadline - time.monotonic())):
                    if key.fileobj is srv:
                        try:
                            c, _ = srv.accept()
                        except BlockingIOError:
                            continue
                        c.setblocking(False)
                        greeting[c] = b""
                        sel.register(c, EV_R, None)
                    elif key.fileobj == 0:
                        data = os.read(0, 65536)
                        if not data:
                            raise SessionEnd()
                        buf += data
                    else:
                        c = key.fileobj
                        try:
                            data = c.recv(STRIPE_TOKEN_BYTES + 1 - len(greeting[c]))
                        except BlockingIOError:
                            continue
                        except OSError:
                            data = b""
                        greeting[c] += data
                        hello = greeting[c]
                        if data and len(hello) < STRIPE_TOKEN_BYTES + 1:
                            continue
                        sel.unregister(c)
                        del greeting[c]
                        lane = hello[-1] if data else 0
                        if (data and hmac.compare_digest(hello[:STRIPE_TOKEN_BYTES], token)
                                and 1 <= lane <= most and lane not in lanes):
                            c.setblocking(True)
                            c.sendall(b"\1")
                            lanes[lane] = c
                        else:
                            log(2, "extra channel refused: closed, wrong token or bad lane")
                            c.close()
                if len(buf) >= HDR_LEN:
                    magic, ch, cmd, n = HDR.unpack_from(buf, 0)
                    if magic != MAGIC or cmd != STRIPE_START:
                        raise ProtocolError("expected STRIPE_START from the client, got command 0x%04x" % cmd)
                    if len(buf) >= HDR_LEN + n:
                        break
        payload = buf[HDR_LEN:HDR_LEN + n]
        rest = buf[HDR_LEN + n:]
        wanted = list(payload[1:])
        if not payload or payload[0] != len(wanted) or any(l not in lanes for l in wanted):
            raise ProtocolError("STRIPE_START names lanes %r; greeted: %r" % (wanted, sorted(lanes)))
        taken = [lanes.pop(l) for l in wanted]
        write_frame(STRIPE_START, bytes(payload))
        log(1, "striping over %d channels" % (len(taken) + 1) if taken else "one channel")
        return taken, rest
    finally:
        for c in lanes.values():
            c.close()
        srv.close()
        try:
            os.unlink(path)
            os.rmdir(os.path.dirname(path))
        except OSError:
            pass


# ==============================================================================================
# Mux (mux/Mux): the frame writer, the frame reader, dispatch and flow control
# ==============================================================================================
class Mux:
    """The agent's end of the mux: parses stdin, batches frames to stdout, owns the channels."""

    def __init__(self, opts):
        self.v2 = opts["protocol"] == 2
        self.latency_control = (not self.v2) and bool(opts["latency_control"])
        self.latency_buffer = int(opts["latency_buffer_size"])
        self.auto_hosts = bool(opts.get("auto_hosts", False))
        self.sel = selectors.DefaultSelector()
        self.io = PlainIO(self)           # stdin/stdout, or a Striper once the lanes are up
        self.ibuf = bytearray(IN_BUF_BYTES + HDR_LEN + MAX_PAYLOAD)
        self.imv = memoryview(self.ibuf)
        self.ilen = 0
        self.ipos = 0
        self.outq = []
        self.out_bytes = 0
        self.out_registered = False
        self.in_registered = False
        self.fullness = 0
        self.too_full = False
        self.parked = []   # 0001: channels that stopped reading while the gate was shut
        self.channels = {}
        self.dns = DnsForwarder(self, opts["to_ns"])
        self.udp = UdpRelay(self)
        self.hostwatch = None
        self.pending_total = 0
        self.rtt_s = RTT_FLOOR_S
        self.chicken_sent_at = None
        # 0002 output: every frame is two items of outq (header, payload, b"" when empty), so
        # the parity of what was written says whether outq[0] is a payload whose header went
        # out already. Control frames (send_ctl) are inserted at ctl_end: after the frame that
        # is partly on the wire and the control frames before them, ahead of queued data.
        self.ctl_end = 0
        self.head_phase = 0        # 1: outq[0] is the payload of a frame whose header is written
        self.head_partial = False  # outq[0] is partly written
        # 0002 bytes in flight: out_offset counts the bytes of frames appended to the stream
        self.out_offset = 0
        self.acked = 0             # the peer has parsed the stream up to here (ack probes)
        self.acked_at = None       # when acked last moved
        self.limit = LIMIT_MIN     # no new TCP_DATA while out_offset - acked >= limit
        self.limit_gain = LIMIT_GAIN
        self.probe_every = max(PROBE_EVERY_MIN, LIMIT_MIN // 4)
        self.probe_at = 0          # out_offset at the end of the last probe
        self.probes = {}           # end offset -> (sent_at, acked at send), oldest first
        self.min_rtt = None
        self.rate_at = None        # start of the current one-second rate bucket
        self.rate_cur = 0.0
        self.rate_prev = 0.0
        self.grants = []           # channels with a TCP_WINDOW due at the end of this loop turn
        self.blocked = []          # channels with a TCP_WINDOW 0 ("blocked on your window") due
        # 0002 reads: a readable socket only marks its channel ready (scheduled); the reads happen
        # at the end of the loop turn (pull), new flows first, then old flows by deficit round robin
        self.new_flows = collections.deque()
        self.old_flows = collections.deque()

    # ---------- frame writer (mux/FrameEncoder, and Mux's output queue) ----------
    def send(self, ch, cmd, payload=b""):
        """Appends a frame behind everything queued."""
        n = len(payload)
        if self.v2:
            outq = self.outq
            outq.append(HDR.pack(MAGIC, ch, cmd, n))
            outq.append(payload)
            self.out_bytes += HDR_LEN + n
            self.out_offset += HDR_LEN + n
            return
        self.outq.append(HDR.pack(MAGIC, ch, cmd, n))
        if n:
            self.outq.append(payload)
        self.out_bytes += HDR_LEN + n
        if self.latency_control:
            self.fullness += n

    def send_ctl(self, ch, cmd, payload=b""):
        """0002: a control frame (PONG, TCP_WINDOW, connect result, DNS_RESPONSE) goes ahead of
        queued data, never into a frame that is partly written. 0001 keeps the order."""
        if not self.v2:
            self.send(ch, cmd, payload)
            return
        n = len(payload)
        i = self.ctl_end
        self.outq[i:i] = (HDR.pack(MAGIC, ch, cmd, n), payload)
        self.ctl_end = i + 2
        self.out_bytes += HDR_LEN + n
        self.out_offset += HDR_LEN + n

    def flush(self, writable=False):
        """Writes the queue while stdout takes it. Once a write found the pipe full, only the
        selector's writable event tries again (a write into a full pipe is a wasted syscall,
        and the loop flushes twice a turn)."""
        if self.out_registered and not writable:
            return
        outq = self.outq
        v2 = self.v2
        while outq:
            try:
                written = self.io.writev(outq[:IOV_MAX])
            except BlockingIOError:
                break
            except OSError as e:
                if e.errno in (errno.EPIPE, errno.ECONNRESET):
                    log(1, "stdout closed by the client; ending")
                    raise SessionEnd()
                raise
            self.out_bytes -= written
            i = 0
            cut = False
            while written:
                n = len(outq[i])
                if n <= written:
                    written -= n
                    i += 1
                else:
                    outq[i] = memoryview(outq[i])[written:]
                    written = 0
                    cut = True
            if v2:
                if not cut:
                    while i < len(outq) and not len(outq[i]):
                        i += 1  # the empty payload of a frame whose header just went out
                self.head_phase ^= i & 1
                if cut:
                    self.head_partial = True
                elif i:
                    self.head_partial = False
                head = (2 - self.head_phase) if (self.head_phase or self.head_partial) else 0
                self.ctl_end = max(self.ctl_end - i, head)
            del outq[:i]
            if i < IOV_MAX and outq:
                # a short write: the pipe is full
                break
        want = bool(outq)
        if want != self.out_registered:
            self.io.want_write(want)
            self.out_registered = want

    def on_stdout(self, mask):
        self.flush(writable=True)

    # ---------- frame reader (mux/FrameDecoder) ----------
    def start(self):
        self.set_input(True)

    def set_input(self, on):
        if on != self.in_registered:
            self.io.want_read(on)
            self.in_registered = on

    def on_stdin(self, mask):
        if self.ilen == len(self.ibuf):
            return
        try:
            n = self.io.readinto(self.imv[self.ilen:])
        except BlockingIOError:
            return
        except OSError as e:
            if e.errno == errno.ECONNRESET:
                n = 0
            else:
                raise
        if n == 0:
            log(1, "stdin closed by the client; ending")
            raise SessionEnd()
        self.ilen += n
        self.parse()

    def parse(self):
        buf = self.ibuf
        imv = self.imv
        pos = self.ipos
        end = self.ilen
        unpack = HDR.unpack_from
        try:
            while end - pos >= HDR_LEN:
                magic, ch, cmd, n = unpack(buf, pos)
                if magic != MAGIC:
                    raise ProtocolError("bad frame magic 0x%04x at input byte %d (expected 'SS')" % (magic, pos))
                if end - pos - HDR_LEN < n:
                    break
                start = pos + HDR_LEN
                pos = start + n
                self.dispatch(ch, cmd, imv[start:pos])
        finally:
            if pos == end:
                self.ilen = self.ipos = 0
            elif pos > IN_BUF_BYTES // 2 or len(buf) - end < HDR_LEN + MAX_PAYLOAD:
                rest = end - pos
                imv[0:rest] = bytes(imv[pos:end])
                self.ilen = rest
                self.ipos = 0
            else:
                self.ipos = pos

    # ---------- dispatch (Mux.dispatch) ----------
    def dispatch(self, ch, cmd, payload):
        if cmd == TCP_DATA:
            c = self.channels.get(ch)
            if c is None:
                log(2, "closed channel %d got TCP_DATA len=%d; dropped" % (ch, len(payload)))
            else:
                c.got_data(payload)
        elif cmd == TCP_WINDOW and self.v2:
            if len(payload) != 4:
                raise ProtocolError("TCP_WINDOW on channel %d with a %d-byte payload (expected 4)" % (ch, len(payload)))
            c = self.channels.get(ch)
            if c is not None:
                c.got_window(U32.unpack(payload)[0])
        elif cmd == PING:
            self.send_ctl(0, PONG, bytes(payload))
        elif cmd == PONG:
            if (self.v2 and self.probes and len(payload) == PROBE_LEN and payload[:3] == PROBE_TAG
                    and self.probe_answered(U64.unpack_from(payload, 3)[0])):
                return
            if self.chicken_sent_at is not None:
                self.rtt_s = max(RTT_FLOOR_S, time.monotonic() - self.chicken_sent_at)
                self.chicken_sent_at = None
                log(2, "round trip %.1f ms" % (self.rtt_s * 1000))
            self.fullness = 0
            self.too_full = False
        elif cmd == TCP_CONNECT:
            self.new_channel(ch, cmd)
            TcpChannel(self, ch, bytes(payload))
        elif cmd in (TCP_EOF, TCP_STOP_SENDING) or (cmd == TCP_RESET and self.v2):
            c = self.channels.get(ch)
            if c is None:
                log(2, "closed channel %d got cmd=0x%04x; dropped" % (ch, cmd))
            elif cmd == TCP_EOF:
                c.got_eof()
            elif cmd == TCP_STOP_SENDING:
                c.got_stop_sending()
            else:
                c.got_reset(bytes(payload))
        elif cmd == DNS_REQ:
            self.new_channel(ch, cmd)
            self.dns.query(ch, bytes(payload))
        elif cmd == UDP_OPEN:
            self.new_channel(ch, cmd)
            self.udp.open(ch, bytes(payload))
        elif cmd == UDP_DATA:
            self.udp.send(ch, payload)
        elif cmd == UDP_CLOSE:
            self.udp.close(ch)
        elif cmd == EXIT:
            log(1, "EXIT from the client; ending")
            raise SessionEnd()
        elif cmd == HOST_REQ:
            if self.hostwatch is None:
                self.hostwatch = HostWatch(self, bytes(payload).decode("ascii", "replace").split(),
                                           self.auto_hosts)
        elif cmd in (ROUTES, HOST_LIST, DNS_RESPONSE):
            raise ProtocolError("the client sent %s (0x%04x), which only a server sends" % (
                {ROUTES: "ROUTES", HOST_LIST: "HOST_LIST", DNS_RESPONSE: "DNS_RESPONSE"}[cmd], cmd))
        elif TCP_WINDOW <= cmd <= LAST_EXTENDED and self.v2:
            raise ProtocolError("the client sent command 0x%04x on channel %d, which only a server sends" % (cmd, ch))
        else:
            raise ProtocolError("unknown command 0x%04x on channel %d (protocol %s)" % (
                cmd, ch, "0002" if self.v2 else "0001"))

    def new_channel(self, ch, cmd):
        if ch == 0:
            raise ProtocolError("command 0x%04x on channel 0, which is reserved for control" % cmd)
        if ch in self.channels or ch in self.dns.queries or ch in self.udp.channels:
            raise ProtocolError("command 0x%04x reuses live channel %d" % (cmd, ch))

    # ---------- flow control: bytes in flight (mux/InFlightBound) ----------
    def probe(self):
        """Appends an ack probe: PING "ack" + the stream offset just past this frame."""
        if len(self.probes) >= PROBES_MAX:
            return
        end = self.out_offset + HDR_LEN + PROBE_LEN
        self.send(0, PING, PROBE_TAG + U64.pack(end))
        self.probes[end] = (time.monotonic(), self.acked, self.acked_at)
        self.probe_at = end

    def probe_answered(self, end):
        """The PONG of our probe ending at end: the peer parsed everything before it. Returns
        False when end is not one of our probes."""
        sent = self.probes.pop(end, None)
        if sent is None:
            return False
        probes = self.probes
        while probes:  # older ones: answered in order on a reliable stream, never left to clog
            first = next(iter(probes))
            if first > end:
                break
            del probes[first]
        sent_at, acked_at_send, acked_at_then = sent
        now = time.monotonic()
        if end > self.acked:
            self.acked = end
            self.acked_at = now
        rtt = now - sent_at
        if rtt < PROBE_RTT_FLOOR_S:
            rtt = PROBE_RTT_FLOOR_S
        if self.min_rtt is None or rtt < self.min_rtt:
            self.min_rtt = rtt
        # bytes confirmed since the answer the probe had seen, over the time since that answer
        # (never shorter than its round trip): both ends of the interval are answers
        since = now - acked_at_then if acked_at_then is not None else rtt
        rate = (self.acked - acked_at_send) / (since if since > rtt else rtt)
        if self.rate_at is None or now - self.rate_at >= RATE_BUCKET_S:
            recent = self.rate_at is not None and now - self.rate_at < 2 * RATE_BUCKET_S
            self.rate_prev = self.rate_cur if recent else 0.0
            self.rate_cur = 0.0
            self.rate_at = now
        if rate > self.rate_cur:
            self.rate_cur = rate
        max_rate = self.rate_cur if self.rate_cur > self.rate_prev else self.rate_prev
        limit = int(self.limit_gain * max_rate * self.min_rtt)
        self.limit = LIMIT_MIN if limit < LIMIT_MIN else (LIMIT_MAX if limit > LIMIT_MAX else limit)
        self.probe_every = max(PROBE_EVERY_MIN, self.limit // 4)
        log(3, "ack %d: rtt %.3f ms (min %.3f), rate %.1f MB/s (max %.1f), in flight %d, limit %d" % (
            end, rtt * 1000, self.min_rtt * 1000, rate / 1e6, max_rate / 1e6,
            self.out_offset - self.acked, self.limit))
        return True

    # ---------- flow control: windows (mux/ReceiveWindow, mux/SendCredit) ----------
    def send_grants(self):
        """One TCP_WINDOW per channel per loop turn, carrying everything consumed (0002); then
        the blocked signals (TCP_WINDOW 0) of channels still out of credit."""
        grants = self.grants
        if grants:
            self.grants = []
            for c in grants:
                c.grant_due = False
                if not c.closed:
                    c.grant()
        blocked = self.blocked
        if blocked:
            self.blocked = []
            for c in blocked:
                c.send_blocked()

    # ---------- flow control: read scheduling (mux/SparseFlowScheduler) ----------
    def pull(self):
        """Reads the sockets of the ready channels into TCP_DATA frames, in scheduler order, while
        the in-flight gate allows: below the limit any flow, new flows first; from the limit to
        limit + SPARSE_SLACK only new flows, SPARSE_READ bytes a read. A flow that used its quantum
        goes to the back of the old flows with a fresh one; a channel with nothing to read or no
        credit leaves the lists until its socket is readable again."""
        new, old = self.new_flows, self.old_flows
        while (new or old) and self.out_bytes < PULL_BURST_BYTES:
            room = self.limit - (self.out_offset - self.acked)
            if room >= MIN_ROOM:
                # bulk fills the bound but never passes it: the slack above stays for new flows
                most = MAX_PAYLOAD if room - HDR_LEN > MAX_PAYLOAD else room - HDR_LEN
                q = new if new else old
            elif new and room > -SPARSE_SLACK:
                most = SPARSE_READ
                q = new
            else:
                return
            c = q[0]
            if not c.ready or not c.pullable():
                q.popleft()
                c.scheduled = False
                c.update_interest()
                continue
            if c.deficit <= 0:
                q.popleft()
                c.deficit += QUANTUM
                old.append(c)
                continue
            try:
                more = c.pull(most)
            except OSError as e:
                c.socket_failed(e)
                more = False
            if not more:
                q.popleft()
                c.ready = False
                c.scheduled = False
                c.drained_at = time.monotonic()
                c.update_interest()

    def pull_pending(self):
        """True when pull() would read now: it stopped for this turn's share of output only."""
        new = self.new_flows
        if not (new or self.old_flows) or self.out_bytes >= PULL_BURST_BYTES:
            return False
        in_flight = self.out_offset - self.acked
        return self.limit - in_flight >= MIN_ROOM or (bool(new) and in_flight < self.limit + SPARSE_SLACK)

    # ---------- flow control: the gates (mux/InFlightBound, mux/ClassicPacing) ----------
    def may_read(self):
        """Whether channels may read their sockets (start new TCP_DATA; under 0002, bulk reads:
        new flows have SPARSE_SLACK more, see pull)."""
        if self.v2:
            return self.limit - (self.out_offset - self.acked) >= MIN_ROOM
        return self.out_bytes < OUT_HIGH_BYTES and not self.too_full

    def check_gates(self):
        if self.v2:
            if self.out_offset - self.probe_at >= self.probe_every:
                self.probe()
            elif self.limit - (self.out_offset - self.acked) < MIN_ROOM and (
                    not self.probes or self.out_offset - self.probe_at >= PROBE_EVERY_MIN):
                self.probe()  # a shut gate always has a probe on its way that covers it all
        if self.latency_control and not self.too_full and self.fullness > self.latency_buffer:
            self.send(0, PING, b"rttest")
            self.too_full = True
        # 0001: shutting the gate costs nothing: a channel parks itself when it next becomes
        # readable. (0002 channels never park: pull reads them when the gate allows.)
        gate_open = self.may_read()
        if gate_open and self.udp.parked:
            self.udp.unpark_all()
        if gate_open and self.parked:
            parked, self.parked = self.parked, []
            for c in parked:
                c.parked = False
                c.update_interest()
        if not self.v2:
            self.set_input(self.pending_total < CLASSIC_PENDING_MAX)

    # ---------- the loop turn (the end of one turn of JavaAgent's event loop) ----------
    def end_turn(self):
        """The end of one loop turn: 0002 reads the ready sockets first, so a read that used up
        the credit has its blocked signal in this turn; then grants and blocked signals, output,
        probes and gates, output."""
        if self.v2:
            self.pull()
        self.send_grants()
        self.flush()
        self.check_gates()
        self.flush()
        if self.in_registered and self.io.deliverable():
            # striped input left in the lanes' buffers when ours was full: no readiness will come
            self.on_stdin(EV_R)

    def next_timeout(self):
        if self.v2 and self.pull_pending():
            return 0.0
        if self.in_registered and self.io.deliverable():
            return 0.0
        deadline = self.dns.next_deadline()
        if deadline is None:
            return None
        return max(0.0, deadline - time.monotonic())


# ==============================================================================================
# DnsForwarder (agent/DnsForwarder)
# ==============================================================================================
class DnsForwarder:
    """DNS_REQ (as agent/DnsForwarder): each query goes out on a UDP socket of its own to a
    nameserver of /etc/resolv.conf (or to_ns), and the first reply comes back as DNS_RESPONSE
    on the query's channel; no reply within DNS_TIMEOUT_S and the query is dropped."""
    def __init__(self, mux, to_ns):
        self.mux = mux
        self.to_ns = to_ns
        self.queries = {}  # channel -> (socket, deadline)
        self.ns_cache = None

    def nameserver(self):
        if self.to_ns:
            ip, _, port = self.to_ns.rpartition("@")
            if not ip:
                ip, port = self.to_ns, "0"
            return ip, int(port or 0) or 53
        if self.ns_cache is None:
            servers = []
            try:
                with open("/etc/resolv.conf") as f:
                    for line in f:
                        words = line.split()
                        if len(words) >= 2 and words[0] == "nameserver":
                            servers.append(words[1].split("%")[0])
            except OSError:
                pass
            self.ns_cache = servers or ["127.0.0.1"]
        import random  # here, not at the top: only DNS needs it, and every start paid its import
        return random.choice(self.ns_cache), 53

    def query(self, ch, query):
        last = None
        for _ in range(3):
            ip, port = self.nameserver()
            family = socket.AF_INET6 if ":" in ip else socket.AF_INET
            try:
                s = socket.socket(family, socket.SOCK_DGRAM)
            except OSError as e:
                last = e
                continue
            try:
                s.setblocking(False)
                s.connect((ip, port))
                s.send(query)
            except OSError as e:
                s.close()
                last = e
                continue
            log(2, "DNS request on channel %d to %s:%d" % (ch, ip, port))
            self.queries[ch] = (s, time.monotonic() + DNS_TIMEOUT_S)
            self.mux.sel.register(s, EV_R, lambda mask, ch=ch: self.on_reply(ch))
            return
        log(1, "DNS request on channel %d failed: %s" % (ch, last))

    def on_reply(self, ch):
        if ch not in self.queries:
            return  # dropped earlier in this batch of events
        s, _ = self.queries[ch]
        try:
            reply = s.recv(4096)
        except BlockingIOError:
            return
        except OSError as e:
            log(1, "DNS reply on channel %d failed: %s" % (ch, e))
            self.drop(ch)
            return
        self.mux.send_ctl(ch, DNS_RESPONSE, reply)
        self.drop(ch)

    def drop(self, ch):
        s, _ = self.queries.pop(ch)
        self.mux.sel.unregister(s)
        s.close()

    def expire(self, now):
        for ch in [ch for ch, (_, deadline) in self.queries.items() if deadline <= now]:
            log(1, "DNS request on channel %d timed out" % ch)
            self.drop(ch)

    def next_deadline(self):
        """When the oldest query times out, or None without queries."""
        if not self.queries:
            return None
        return min(d for _, d in self.queries.values())


# ==============================================================================================
# UdpRelay (agent/UdpRelay)
# ==============================================================================================
class UdpRelay:
    """UDP_OPEN, UDP_DATA and UDP_CLOSE (as agent/UdpRelay): one UdpChannel per channel."""
    def __init__(self, mux):
        self.mux = mux
        self.channels = {}
        self.parked = []  # channels not reading while the output gate is shut

    def open(self, ch, payload):
        try:
            family = int(payload)
        except ValueError:
            raise ProtocolError("UDP_OPEN on channel %d with family %r (expected a decimal number)" % (ch, payload[:40]))
        family = socket.AF_INET if family == socket.AF_INET else socket.AF_INET6
        try:
            self.channels[ch] = UdpChannel(self.mux, self, ch, family)
        except OSError as e:
            log(1, "UDP_OPEN on channel %d failed: %s; its datagrams will be dropped" % (ch, e))

    def send(self, ch, payload):
        u = self.channels.get(ch)
        if u is None:
            log(2, "closed channel %d got UDP_DATA; dropped" % ch)
        else:
            u.send(bytes(payload))

    def close(self, ch):
        u = self.channels.pop(ch, None)
        if u is not None:
            u.close()

    def unpark_all(self):
        """The gate opened again: the parked channels read their sockets again."""
        parked, self.parked = self.parked, []
        for u in parked:
            u.unpark()


class UdpChannel:
    """One channel of the UdpRelay: an unconnected socket; replies go out as UDP_DATA under the same gate as
    TCP data (the 0002 bytes in flight, the 0001 output bound): while it is shut the socket is
    not read, so a flood waits in (and overflows) the kernel's buffer, never in our queue, and
    TCP keeps its turn. One datagram per readiness event: every flow gets its turn."""
    def __init__(self, mux, relay, ch, family):
        self.mux = mux
        self.relay = relay
        self.ch = ch
        self.family = family
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.setblocking(False)
        self.closed = False
        self.parked = False
        mux.sel.register(self.sock, EV_R, self.on_read)

    def send(self, payload):
        # a bad datagram is dropped with a line, as the Java agent does (docs/protocol.md): it
        # costs nothing to keep, and the channel and the session carry on
        parts = payload.split(b",", 2)
        if len(parts) != 3:
            log(1, "UDP channel %d: datagram without 'ip,port,' dropped" % self.ch)
            return
        try:
            ip = parts[0].decode("ascii")
            socket.inet_pton(self.family, ip)  # an IP literal only, never a name to look up (as the Java agent)
            to = (ip, int(parts[1]))
            if not 0 <= to[1] <= 65535:
                raise ValueError("port out of range")
        except (ValueError, UnicodeDecodeError, OSError):
            log(1, "UDP channel %d: datagram with a bad address %r dropped" % (self.ch, payload[:60]))
            return
        try:
            self.sock.sendto(parts[2], to)
        except OSError as e:
            log(1, "UDP send on channel %d failed: %s" % (self.ch, e))

    def on_read(self, mask):
        if self.closed:
            return
        if not self.mux.may_read():
            self.park()
            return
        try:
            data, peer = self.sock.recvfrom(UDP_RECV_BYTES)
        except BlockingIOError:
            return
        except OSError as e:
            log(1, "UDP receive on channel %d failed: %s" % (self.ch, e))
            return
        head = ("%s,%d," % (peer[0], peer[1])).encode("ascii")
        self.mux.send(self.ch, UDP_DATA, head + data[:MAX_PAYLOAD - len(head)])

    def park(self):
        self.parked = True
        self.mux.sel.unregister(self.sock)
        self.relay.parked.append(self)

    def unpark(self):
        if self.closed or not self.parked:
            return
        self.parked = False
        self.mux.sel.register(self.sock, EV_R, self.on_read)

    def close(self):
        self.closed = True
        if not self.parked:
            self.mux.sel.unregister(self.sock)
        self.sock.close()


# ==============================================================================================
# HostWatch (agent/HostWatch)
# ==============================================================================================
HOST_NAME = None  # compiled on first use (re is only needed with -H)
HOSTWATCH_INTERVAL_S = 30
HOSTWATCH_MAX_NAMES = 4096


class HostWatch:
    """sshuttle's hostwatch (-H, --seed-hosts): names this host can resolve, IPv4 and IPv6, sent
    as HOST_LIST "name,ip" lines, full and short names. The seeds are looked up; with -H the
    hosts files are read too. Lookups block, so a thread does them every 30 s and hands the new
    or changed lines to the loop through a pipe."""
    def __init__(self, mux, seeds, read_files):
        global HOST_NAME
        import re
        HOST_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}\Z")
        self.mux = mux
        self.lock = threading.Lock()
        self.pending = []
        self.r, self.w = os.pipe()
        os.set_blocking(self.r, False)
        mux.sel.register(self.r, EV_R, self.on_ready)
        t = threading.Thread(target=self.watch, args=(seeds, read_files), name="hostwatch", daemon=True)
        t.start()

    def watch(self, seeds, read_files):
        sent = {}
        while True:
            found = {}
            for seed in seeds:
                self.resolve(seed, found)
            if read_files:
                for path in ("/etc/hosts", os.path.expanduser("~/.sshuttle.hosts")):
                    self.read_hosts(path, found)
            lines = []
            for name, ip in found.items():
                if sent.get(name) == ip or (name not in sent and len(sent) >= HOSTWATCH_MAX_NAMES):
                    continue
                sent[name] = ip
                lines.append("%s,%s\n" % (name, ip))
            if lines:
                with self.lock:
                    self.pending.append("".join(lines))
                os.write(self.w, b"x")
            time.sleep(HOSTWATCH_INTERVAL_S)

    def resolve(self, name, found):
        if not HOST_NAME.match(name):
            log(2, "hostwatch: seed %r is not a host name; skipped" % name[:80])
            return
        try:
            infos = socket.getaddrinfo(name, None, 0, socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            log(2, "hostwatch: %s does not resolve here" % name)
            return
        for info in infos:
            self.add(name, info[4][0], found)

    def read_hosts(self, path, found):
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                lines = f.readlines()
        except OSError:
            return
        for line in lines:
            fields = line.split("#", 1)[0].split()
            if len(fields) >= 2:
                for name in fields[1:]:
                    self.add(name, fields[0], found)

    @staticmethod
    def add(name, ip, found):
        import ipaddress
        try:
            a = ipaddress.ip_address(ip.split("%", 1)[0])
        except ValueError:
            return
        if a.is_loopback or a.is_unspecified or a.is_multicast or a.is_link_local:
            return
        if not HOST_NAME.match(name) or name.lower() == "localhost":
            return
        found.setdefault(name, str(a))
        short = name.split(".", 1)[0]
        if short and short != name:
            found.setdefault(short, str(a))

    def on_ready(self, mask):
        try:
            os.read(self.r, 4096)
        except BlockingIOError:
            pass
        with self.lock:
            texts, self.pending = self.pending, []
        for text in texts:
            self.mux.send(0, HOST_LIST, text.encode("ascii"))


# ==============================================================================================
# TcpChannel (mux/TcpChannel; parse_connect: mux/TcpTarget)
# ==============================================================================================
def parse_connect(ch, payload):
    try:
        fam, ip, port = payload.decode("ascii").split(",", 2)
        family = socket.AF_INET if int(fam) == socket.AF_INET else socket.AF_INET6
        socket.inet_pton(family, ip)
        port = int(port)
        if not 0 < port < 65536:
            raise ValueError("port out of range")
        return family, ip, port
    except (ValueError, UnicodeDecodeError, OSError):
        raise ProtocolError("garbage TCP_CONNECT on channel %d: %r (expected 'family,ip,port')" % (ch, payload[:80]))


class TcpChannel:
    """One outbound TCP connection paired with one mux channel, with sshuttle's half-close rules.

    Directions: 'up' is socket -> mux (we send TCP_DATA/TCP_EOF), 'down' is mux -> socket.
    The channel is free once up is done (we sent EOF or got STOP_SENDING) and down is done
    (we got EOF and shut the socket's write side, or we sent STOP_SENDING)."""

    def __init__(self, mux, ch, payload):
        self.mux = mux
        self.ch = ch
        family, ip, port = parse_connect(ch, payload)
        self.dest = "%s:%d" % (ip, port)
        self.sock = None
        self.connecting = True
        self.reading = True        # up: still reading the socket
        self.up_done = False
        self.down_eof = False      # got TCP_EOF; shut the socket once wbuf drains
        self.down_done = False
        self.wbuf = bytearray()
        self.interest = 0
        self.closed = False
        self.parked = False        # 0001: waiting for the output gate to open
        self.scheduled = False     # 0002: in mux.new_flows or mux.old_flows
        self.ready = False         # 0002: readable as far as we know (not watched for reading until a read drains it)
        self.drained_at = None     # 0002: when a read last found the socket empty
        self.deficit = 0           # 0002: bytes it may still send in this round of the scheduler
        # 0002 flow control
        self.credit = INITIAL_WINDOW       # bytes we may still send
        self.window = INITIAL_WINDOW       # what we grant the client
        self.unacked = 0                   # bytes written to the socket, not yet granted back
        self.recv_allowed = INITIAL_WINDOW # bytes the client may still send us
        self.grown = 0                     # window growth not granted yet
        self.consumed_since_growth = 0     # growth needs half a window consumed since the last one
        self.grant_due = False             # in mux.grants for the end of this loop turn
        self.blocked_signal = 0            # TCP_WINDOW 0 of this blocked episode: 0 none, 1 queued, 2 sent
        mux.channels[ch] = self
        log(1, "channel %d: connecting to %s" % (ch, self.dest))
        try:
            self.sock = socket.socket(family, socket.SOCK_STREAM)
            self.sock.setblocking(False)
            # as the Java agent: what arrives in a frame goes out now (the application's own
            # Nagle already ran on its side), and a dead target is noticed
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            self.fd = self.sock.fileno()
            err = self.sock.connect_ex((ip, port))
        except OSError as e:  # e.g. EMFILE, EAFNOSUPPORT: this connection fails, the session goes on
            err = e.errno or errno.EINVAL
        if err in (0, errno.EINPROGRESS, errno.EAGAIN):
            self.update_interest()
        else:
            self.connect_failed(err)

    # ---------- selector ----------
    def update_interest(self):
        if self.closed:
            return
        if self.connecting:
            want = EV_W
        else:
            want = EV_W if self.wbuf else 0
            if self.reading and not self.parked and not self.ready and (self.credit > 0 or not self.mux.v2):
                want |= EV_R
        if want != self.interest:
            sel = self.mux.sel
            if not want:
                sel.unregister(self.fd)
            elif not self.interest:
                sel.register(self.fd, want, self.on_event)
            else:
                sel.modify(self.fd, want, self.on_event)
            self.interest = want

    def on_event(self, mask):
        if self.closed:
            return
        try:
            self.handle_event(mask)
        except OSError as e:
            self.socket_failed(e)

    def socket_failed(self, e):
        """An unexpected error on this channel's socket ends this channel, never the session."""
        log(1, "channel %d: socket error on %s: %s" % (self.ch, self.dest, e))
        if self.closed:
            return
        if self.mux.v2:
            self.reset("socket error on %s: %s" % (self.dest, e.strerror or e))
            return
        if not self.up_done:
            self.up_done = True
            self.mux.send(self.ch, TCP_EOF)
        if not self.down_done:
            self.down_done = True
            self.mux.send(self.ch, TCP_STOP_SENDING)
        self.free(abort=True)

    def handle_event(self, mask):
        if self.connecting:
            self.finish_connect()
            return
        if mask & EV_W and self.wbuf:
            self.write_pending()
        if mask & EV_R and not self.closed and self.reading:
            if self.mux.v2:
                if self.credit <= 0:
                    self.note_blocked()  # readable, but no credit (not normally registered so)
                    self.update_interest()
                else:
                    self.mark_ready()
            elif self.mux.may_read():
                self.read_socket()
            elif not self.parked:
                self.parked = True
                self.mux.parked.append(self)
                self.update_interest()

    # ---------- connect ----------
    def finish_connect(self):
        err = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            self.connect_failed(err)
            return
        self.connecting = False
        log(1, "channel %d: connected to %s" % (self.ch, self.dest))
        if self.mux.v2:
            self.mux.send_ctl(self.ch, TCP_CONNECTED)
        if self.wbuf:
            self.write_pending()
        elif self.down_eof:
            self.shut_down()
        self.update_interest()

    def connect_failed(self, err):
        log(1, "channel %d: connect to %s failed: %s" % (self.ch, self.dest, describe(err)))
        if self.mux.v2:
            reason = CONNECT_FAILED_REASON.get(err, 4)
            self.mux.send_ctl(self.ch, TCP_CONNECT_FAILED, bytes([reason]) + describe(err).encode("utf-8"))
        else:
            self.mux.send(self.ch, TCP_EOF)
            self.mux.send(self.ch, TCP_STOP_SENDING)
        self.free()

    # ---------- socket -> mux ----------
    def read_socket(self):
        """0001: up to READS_PER_EVENT reads per readiness event, while the output gate allows."""
        mux = self.mux
        for _ in range(READS_PER_EVENT):
            size = MAX_PAYLOAD
            if mux.latency_control:
                size = max(CLASSIC_CHUNK, mux.latency_buffer - mux.fullness)
                if size > MAX_PAYLOAD:
                    size = MAX_PAYLOAD
            try:
                data = self.sock.recv(size)
            except BlockingIOError:
                break
            except OSError as e:
                self.read_error(e)
                return
            n = len(data)
            if n == 0:
                log(2, "channel %d: EOF from %s" % (self.ch, self.dest))
                self.reading = False
                self.send_eof()
                break
            mux.send(self.ch, TCP_DATA, data)
            if n < size or mux.out_bytes >= OUT_HIGH_BYTES or mux.too_full:
                break
            if mux.latency_control and mux.fullness > mux.latency_buffer:
                break
        self.update_interest()

    def mark_ready(self):
        """0002: the socket is readable: the channel joins the new flows with a fresh quantum
        (unless it is scheduled already) and is not watched for reading until it leaves them."""
        self.ready = True
        if not self.scheduled:
            self.scheduled = True
            if self.drained_at is None or time.monotonic() - self.drained_at >= SPARSE_IDLE_S:
                # quiet for a while (or new): a sparse flow, first in line and allowed the slack
                self.deficit = QUANTUM
                self.mux.new_flows.append(self)
            else:
                # a busy channel whose socket ran dry between two writes: back among the old
                # flows, so it cannot jump the queue and take the interactive channels' slack
                if self.deficit <= 0:
                    self.deficit += QUANTUM
                self.mux.old_flows.append(self)
        self.update_interest()

    def pullable(self):
        return not self.closed and self.reading and self.credit > 0

    def pull(self, most):
        """0002: one read of at most min(most, credit) bytes into a TCP_DATA frame. Returns True
        when more is likely waiting (a full read with credit left)."""
        mux = self.mux
        size = self.credit if self.credit < most else most
        try:
            data = self.sock.recv(size)
        except BlockingIOError:
            return False
        except OSError as e:
            self.read_error(e)
            return False
        n = len(data)
        if n == 0:
            log(2, "channel %d: EOF from %s" % (self.ch, self.dest))
            self.reading = False
            self.send_eof()
            return False
        mux.send(self.ch, TCP_DATA, data)
        self.credit -= n
        self.deficit -= n
        if mux.out_offset - mux.probe_at >= mux.probe_every:
            mux.probe()
        if self.credit <= 0:
            if n == size:
                self.note_blocked()  # a full read: more is likely waiting, and no credit
            return False
        return n == size

    def send_eof(self):
        if not self.up_done:
            self.up_done = True
            self.mux.send(self.ch, TCP_EOF)
        self.maybe_free()

    def read_error(self, e):
        log(1, "channel %d: read from %s failed: %s" % (self.ch, self.dest, e))
        if self.mux.v2 and e.errno == errno.ECONNRESET:
            self.reset("connection reset by %s" % self.dest)
            return
        # classic: a read error counts as EOF, and the socket cannot take data any more either
        self.reading = False
        self.send_eof()
        self.stop_down()

    # ---------- mux -> socket ----------
    def got_data(self, payload):
        n = len(payload)
        v2 = self.mux.v2
        if v2:
            if n > self.recv_allowed:
                raise ProtocolError("channel %d: %d bytes of TCP_DATA exceed the %d bytes of credit left" % (
                    self.ch, n, self.recv_allowed))
            self.recv_allowed -= n
        if self.down_done or self.down_eof:
            if self.down_eof:
                raise ProtocolError("channel %d: TCP_DATA after TCP_EOF" % self.ch)
            self.consumed(n)  # we sent STOP_SENDING: drop, but keep the sender's credit flowing
            return
        if self.wbuf or self.connecting:
            self.wbuf += payload
            self.mux.pending_total += n
            self.update_interest()
        else:
            try:
                sent = self.sock.send(payload)
            except BlockingIOError:
                sent = 0
            except OSError as e:
                self.write_error(e)
                return
            if sent < n:
                self.wbuf += payload[sent:]
                self.mux.pending_total += n - sent
                self.update_interest()
            if sent:
                self.consumed(sent)

    def sender_blocked(self):
        """0002 window growth: the client says it is blocked on our window (TCP_WINDOW 0). If
        the socket keeps up (less than window / 8 waits unwritten) and half a window went by since
        the last growth, double the window and grant the difference at once; a slow or stalled
        reader's window never grows. The half-window rule keeps routine grants, which end the
        client's blocked episode, from doubling the window again before the last doubling told."""
        window = self.window
        if window < MAX_WINDOW and len(self.wbuf) < window >> 3 and self.consumed_since_growth >= window >> 1:
            grown = min(MAX_WINDOW, 2 * window) - window
            self.grown += grown
            self.window = window + grown
            self.consumed_since_growth = 0
            log(2, "channel %d: the client is blocked on credit; window grows to %d" % (self.ch, self.window))
            self.want_grant()
        else:
            log(3, "channel %d: the client is blocked on credit; window stays %d (%d bytes unwritten)" % (
                self.ch, window, len(self.wbuf)))

    def write_pending(self):
        try:
            sent = self.sock.send(self.wbuf)
        except BlockingIOError:
            return
        except OSError as e:
            self.write_error(e)
            return
        del self.wbuf[:sent]
        self.mux.pending_total -= sent
        self.consumed(sent, drained=not self.wbuf)
        if not self.wbuf:
            if self.down_eof:
                self.shut_down()
            self.update_interest()

    def consumed(self, n, drained=False):
        if not self.mux.v2:
            return
        self.unacked += n
        self.consumed_since_growth += n
        if self.unacked >= self.window // 4 or (drained and self.unacked):
            self.want_grant()

    def want_grant(self):
        if not self.grant_due:
            self.grant_due = True
            self.mux.grants.append(self)

    def grant(self):
        amount = self.unacked + self.grown
        self.unacked = 0
        self.grown = 0
        if amount:
            self.recv_allowed += amount
            self.mux.send_ctl(self.ch, TCP_WINDOW, U32.pack(amount))

    def shut_down(self):
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError as e:
            log(2, "channel %d: shutdown: %s" % (self.ch, e))
        self.down_done = True
        self.maybe_free()

    def write_error(self, e):
        log(1, "channel %d: write to %s failed: %s" % (self.ch, self.dest, e))
        if self.mux.v2:
            self.reset("write to %s failed: %s" % (self.dest, e.strerror))
            return
        self.stop_down()

    def stop_down(self):
        """The socket takes no more data: tell the client to stop sending (classic)."""
        self.mux.pending_total -= len(self.wbuf)
        self.wbuf = bytearray()
        if not self.down_done:
            self.down_done = True
            self.mux.send(self.ch, TCP_STOP_SENDING)
        self.maybe_free()
        self.update_interest()

    def note_blocked(self):
        """0002: bytes to send but no credit: one TCP_WINDOW 0 per blocked episode, sent at the
        end of this loop turn unless credit came meanwhile."""
        if not self.blocked_signal:
            self.blocked_signal = 1
            self.mux.blocked.append(self)

    def send_blocked(self):
        if self.blocked_signal != 1:
            return
        if self.closed or self.credit > 0 or not self.reading:
            self.blocked_signal = 0
            return
        self.blocked_signal = 2
        log(3, "channel %d: blocked on the client's window" % self.ch)
        self.mux.send_ctl(self.ch, TCP_WINDOW, U32.pack(0))

    # ---------- frames from the client ----------
    def got_window(self, inc):
        if inc == 0:
            self.sender_blocked()  # never an error, and the credit stays as it is
            return
        if self.blocked_signal == 2:
            self.blocked_signal = 0  # the episode is over; a queued signal (1) is checked when it is due
        self.credit += inc
        if self.credit > 2 * MAX_WINDOW + INITIAL_WINDOW:
            raise ProtocolError("channel %d: TCP_WINDOW grows the credit to %d, beyond any window" % (self.ch, self.credit))
        self.update_interest()

    def got_eof(self):
        if self.down_eof:
            log(1, "channel %d: second TCP_EOF dropped" % self.ch)  # harmless, as sshuttle treats it (protocol.md)
            return
        self.down_eof = True
        if self.down_done:
            self.maybe_free()
        elif not self.wbuf and not self.connecting:
            self.shut_down()

    def got_stop_sending(self):
        self.reading = False
        self.up_done = True
        try:
            self.sock.shutdown(socket.SHUT_RD)
        except OSError:
            pass
        self.maybe_free()
        self.update_interest()

    def got_reset(self, text):
        log(1, "channel %d: reset by the client: %s" % (self.ch, text.decode("utf-8", "replace")))
        self.free(abort=True)

    def reset(self, why):
        self.mux.send(self.ch, TCP_RESET, why.encode("utf-8")[:MAX_PAYLOAD])
        self.free(abort=True)

    # ---------- freeing ----------
    def maybe_free(self):
        if self.up_done and self.down_done and not self.closed:
            self.free()

    def free(self, abort=False):
        if self.closed:
            return
        self.closed = True
        mux = self.mux
        mux.pending_total -= len(self.wbuf)
        self.wbuf = bytearray()
        if self.interest:
            mux.sel.unregister(self.fd)
            self.interest = 0
        if abort and self.sock is not None:
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        if self.sock is not None:
            self.sock.close()
        if mux.channels.get(self.ch) is self:
            del mux.channels[self.ch]
        log(2, "channel %d: freed" % self.ch)


# ==============================================================================================
# list_routes (agent/RouteLister)
# ==============================================================================================
def list_routes():
    """IPv4 routes of this host as sshuttle's --auto-nets reports them (from `ip route`)."""
    import subprocess  # only -N needs it; imported here so a start without -N does not pay for it
    try:
        out = subprocess.run(["ip", "-4", "route"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             timeout=10, check=False).stdout.decode("ascii", "replace")
    except (OSError, subprocess.SubprocessError) as e:
        log(1, "WARNING: cannot run 'ip route' (%s); --auto-nets will not work" % e)
        return []
    routes = []
    for line in out.splitlines():
        word = line.split(" ", 1)[0]
        if "/" not in word:
            continue
        ip, width = word.split("/", 1)
        try:
            width = int(width)
            addr = struct.unpack("!I", socket.inet_aton(ip))[0]
        except (ValueError, OSError):
            continue
        addr &= (0xFFFFFFFF << (32 - width)) & 0xFFFFFFFF
        net = socket.inet_ntoa(struct.pack("!I", addr))
        if net.startswith("0.") or net.startswith("127."):
            continue
        route = "%d,%s,%d\n" % (socket.AF_INET, net, width)
        if route not in routes:
            routes.append(route)
    return routes


# ==============================================================================================
# Start-up and the event loop (agent/JavaAgent, io/EventLoop)
# ==============================================================================================
def read_options():
    line = sys.stdin.buffer.readline(65536)
    if not line:
        die("fatal", "stdin ended before the options line", 99)
    try:
        opts = json.loads(line.decode("utf-8"))
        if not isinstance(opts, dict):
            raise ValueError("not a JSON object")
        full = {"protocol": 1, "latency_control": True, "latency_buffer_size": 32768,
                "verbosity": 0, "auto_nets": False, "to_ns": None, "auto_hosts": False}
        full.update(opts)
        if full["protocol"] not in (1, 2):
            raise ValueError("protocol must be 1 or 2")
        if int(full["latency_buffer_size"]) < 1:
            raise ValueError("latency_buffer_size must be positive")
        int(full["verbosity"])
        return full
    except (ValueError, TypeError) as e:
        die("fatal", "bad options line %r: %s" % (line[:200], e), 99)


def grow_pipe(fd):
    try:
        import fcntl
        fcntl.fcntl(fd, F_SETPIPE_SZ, PIPE_BYTES)
    except (OSError, ImportError):
        pass  # not a pipe (e.g. a socket), or the limit is lower: the default works too


def keep_heap():
    """Every socket read is a new bytes object of up to 64 KiB, freed once written; glibc then
    gives the top of the heap back and takes it again (thousands of brk calls per GB). A trim
    threshold of 4 MiB keeps that much; best effort, where ctypes and glibc are there."""
    try:
        import ctypes
        ctypes.CDLL(None).mallopt(-1, 4 << 20)  # M_TRIM_THRESHOLD
    except (ImportError, OSError, AttributeError):
        pass


def raise_fd_limit():
    """Take the hard limit on open files: the usual soft limit of 1024 would refuse the
    thousandth concurrent connection (the original's select() ceiling), while the hard one
    (often 512k) is ours for the asking. The JVM does the same for the Java agent."""
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = hard if hard != resource.RLIM_INFINITY else 1 << 20
        if soft != resource.RLIM_INFINITY and soft < want:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    except (ImportError, ValueError, OSError):
        pass  # keep the soft limit; running out shows as one failed connect, not a dead session


def run(mux):
    sel = mux.sel
    while True:
        mux.end_turn()
        handle_events(sel, sel.select(mux.next_timeout()))
        if mux.dns.queries:
            mux.dns.expire(time.monotonic())


def handle_events(sel, events):
    """Runs the handlers of one select() batch, skipping stale events: an earlier handler in the
    same batch may have closed and unregistered a later event's socket (a channel reset by the
    client), or even given its fd number to a new socket. Running such an event hit a closed
    socket (EBADF) and ended the whole session. The selector is level-triggered, so skipping
    loses nothing: whatever is still ready is reported again in the next round."""
    registered = sel.get_map()
    for key, mask in events:
        now = registered.get(key.fd)
        if now is None or now.data != key.data:
            continue
        mask &= now.events
        if mask:
            now.data(mask)


def final_flush(mux):
    """Best effort, bounded: a client that stopped reading must not keep us alive."""
    deadline = time.monotonic() + 2.0
    try:
        mux.flush(writable=True)
        if mux.outq or isinstance(mux.io, Striper):
            mux.io.final_flush(deadline)
    except (OSError, SessionEnd):
        pass


def main():
    global verbosity
    opts = read_options()
    verbosity = int(opts["verbosity"])
    header = b"\0\0SSHUTTLE0002" if opts["protocol"] == 2 else b"\0\0SSHUTTLE0001"
    log(1, "agent starting: python %s, protocol %d" % (sys.version.split()[0], opts["protocol"]))
    routes = list_routes() if opts["auto_nets"] else []
    mux = Mux(opts)
    for fd in (0, 1):
        grow_pipe(fd)
    raise_fd_limit()
    keep_heap()
    os.write(1, header)
    lanes, rest = [], b""
    if opts.get("stripe_socket") and opts.get("stripe_token") and opts["protocol"] == 2:
        try:
            lanes, rest = stripe_handshake(opts)
        except SessionEnd:
            os._exit(98)
        except ProtocolError as e:
            die("protocol error", str(e), 99)
    os.set_blocking(0, False)
    os.set_blocking(1, False)
    if lanes:
        mux.io = Striper(mux, lanes, rest)
        mux.limit_gain = STRIPED_LIMIT_GAIN
    elif rest:
        mux.ibuf[0:len(rest)] = rest
        mux.ilen = len(rest)
    mux.send(0, PING, b"chicken")
    mux.chicken_sent_at = time.monotonic()
    mux.send(0, ROUTES, "".join(routes).encode("ascii"))
    mux.start()
    try:
        run(mux)
    except SessionEnd:
        pass
    except ProtocolError as e:
        die("protocol error", str(e), 99)
    except Exception as e:  # a bug: one clear line, the traceback only when asked for
        if verbosity >= 2:
            import traceback
            traceback.print_exc()
        die("fatal", "%s: %s" % (type(e).__name__, e), 99)
    final_flush(mux)
    for c in list(mux.channels.values()):
        c.free()
    log(1, "agent ending")
    try:
        sys.stderr.flush()
    except OSError:
        pass
    os._exit(98)


# The loader execs this source as __main__; tests import it as a module to call its parts.
if __name__ == "__main__":
    main()
