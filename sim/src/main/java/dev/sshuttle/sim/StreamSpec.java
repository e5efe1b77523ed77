package dev.sshuttle.sim;

/**
 * One action of a scenario: a TCP connection the client application opens at {@code startNanos}
 * and what both applications then do with it.
 *
 * <p>BULK: each side writes its bytes at once. REQUEST_RESPONSE: the client writes
 * {@code requestBytes}, the server answers {@code responseBytes} once a whole request arrived,
 * the client thinks {@code thinkNanos} and asks again, {@code rounds} times (small sizes make
 * an interactive session). The fault fires on its side after that side's application has read
 * {@code faultAfterBytes} (so it may never fire, when fewer bytes come).
 */
public record StreamSpec(int id, long startNanos, Mode mode, long requestBytes, long responseBytes, int rounds,
                         long thinkNanos, Close close, Reader clientReader, Reader serverReader, Fault fault,
                         long faultAfterBytes, long connectDelayNanos) {

    /** DNS: a query of requestBytes, a reply of responseBytes after connectDelay; the client gives up after thinkNanos (0 = never). */
    public enum Mode { BULK, REQUEST_RESPONSE, DNS }

    /** Who shuts down its output first: the other side waits for the EOF before its own. */
    public enum Close { CLIENT_FIRST, SERVER_FIRST, PARALLEL }

    public enum Fault { NONE, REFUSED, CLIENT_RESETS, SERVER_RESETS, CLIENT_STOPS_READING, SERVER_STOPS_READING }

    /** How an application reads its socket; {@code socketBufferBytes} is that socket's receive buffer. */
    public record Reader(Kind kind, long bytesPerSecond, long stallNanos, int socketBufferBytes) {
        public enum Kind { FAST, SLOW, STALLED }

        public static Reader fast(int socketBufferBytes) {
            return new Reader(Kind.FAST, 0, 0, socketBufferBytes);
        }

        @Override
        public String toString() {
            return switch (kind) {
                case FAST -> "fast";
                case SLOW -> "slow(" + bytesPerSecond + "B/s)";
                case STALLED -> "stalled(" + stallNanos / 1_000_000 + "ms)";
            } + "/sock" + socketBufferBytes;
        }
    }

    /** BULK: bytes uploaded and downloaded; the sizes are per direction. */
    public static StreamSpec bulk(int id, long startNanos, long upBytes, long downBytes, Reader clientReader, Reader serverReader) {
        return new StreamSpec(id, startNanos, Mode.BULK, upBytes, downBytes, 1, 0, Close.PARALLEL,
                clientReader, serverReader, Fault.NONE, 0, 0);
    }

    public static StreamSpec interactive(int id, long startNanos, long messageBytes, int rounds, long thinkNanos) {
        return new StreamSpec(id, startNanos, Mode.REQUEST_RESPONSE, messageBytes, messageBytes, rounds, thinkNanos,
                Close.CLIENT_FIRST, Reader.fast(64 * 1024), Reader.fast(64 * 1024), Fault.NONE, 0, 0);
    }

    public long upBytes() {
        return mode == Mode.BULK ? requestBytes : requestBytes * rounds;
    }

    public long downBytes() {
        return mode == Mode.BULK ? responseBytes : responseBytes * rounds;
    }

    /** What one side does, seen from that side. */
    record Side(boolean client, long writeTotal, long unit, long peerUnit, Reader reader, boolean waitsForPeerEof,
                long resetAfterBytes, long stopAfterBytes) {}

    Side side(boolean client) {
        Fault reset = client ? Fault.CLIENT_RESETS : Fault.SERVER_RESETS;
        Fault stop = client ? Fault.CLIENT_STOPS_READING : Fault.SERVER_STOPS_READING;
        boolean waits = close == (client ? Close.SERVER_FIRST : Close.CLIENT_FIRST);
        return new Side(client, client ? upBytes() : downBytes(), client ? requestBytes : responseBytes,
                client ? responseBytes : requestBytes, client ? clientReader : serverReader, waits,
                fault == reset ? faultAfterBytes : -1, fault == stop ? faultAfterBytes : -1);
    }

    boolean stalls() {
        return clientReader.kind() == Reader.Kind.STALLED || serverReader.kind() == Reader.Kind.STALLED;
    }

    @Override
    public String toString() {
        if (mode == Mode.DNS) {
            return "#" + id + " @" + startNanos / 1_000_000 + "ms dns query=" + requestBytes + " reply=" + responseBytes
                    + " resolve=" + connectDelayNanos / 1_000_000 + "ms timeout=" + thinkNanos / 1_000_000 + "ms";
        }
        String what = mode == Mode.BULK ? "bulk up=" + requestBytes + " down=" + responseBytes
                : "rr " + rounds + "x(" + requestBytes + "->" + responseBytes + ") think=" + thinkNanos / 1_000_000 + "ms";
        return "#" + id + " @" + startNanos / 1_000_000 + "ms " + what + " close=" + close + " client=" + clientReader
                + " server=" + serverReader + (fault == Fault.NONE ? "" : " fault=" + fault + "@" + faultAfterBytes)
                + " connect=" + connectDelayNanos / 1_000_000 + "ms";
    }
}
