package dev.sshuttle.sim;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A DNS stream: the client sends one DNS_REQ on a fresh channel and gives up (abandonDns)
 * after its timeout; the server answers after the stream's resolve delay. Query and reply
 * start with the stream id, so an answer that reaches the wrong query is caught.
 */
final class DnsQuery {
    final StreamRun stream;
    int channel = -1;
    boolean answered;
    boolean abandoned;
    boolean serverAnswered;

    DnsQuery(StreamRun stream) {
        this.stream = stream;
    }

    static byte[] message(int streamId, boolean query, long length) {
        byte[] m = new byte[(int) Math.max(4, length)];
        Pattern.fill(m, m.length, Pattern.key(streamId, query), 0);
        ByteBuffer.wrap(m).putInt(streamId);
        return m;
    }

    static int streamId(byte[] message) {
        return message.length < 4 ? -1 : ByteBuffer.wrap(message).getInt();
    }

    /** Client: sends the query and arms its timeout. */
    void start(Endpoint client) {
        channel = client.mux().openDns(message(stream.spec.id(), true, stream.spec.requestBytes()));
        if (channel < 0) {
            stream.noChannel = true;
            return;
        }
        client.watchDns(channel, this);
        long timeout = stream.spec.thinkNanos();
        if (timeout > 0) client.sim().after(timeout, () -> {
            if (answered) return;
            abandoned = true;
            client.forgetDns(channel);
            client.mux().abandonDns(channel);
        });
    }

    /** Client: the reply arrived. */
    void onReply(byte[] reply) {
        if (answered || abandoned) stream.violation("dns", "query #" + stream.spec.id() + " answered after it was "
                + (answered ? "answered" : "abandoned"));
        if (!Arrays.equals(reply, message(stream.spec.id(), false, stream.spec.responseBytes()))) {
            stream.violation("dns", "query #" + stream.spec.id() + " got the reply of query #" + streamId(reply));
        }
        answered = true;
    }

    /** Server: resolves after the stream's delay and answers on the channel the query came on. */
    static void answer(Session session, Endpoint server, int channel, byte[] query) {
        StreamRun stream = session.stream(streamId(query));
        if (stream == null || stream.dns == null
                || !Arrays.equals(query, message(stream.spec.id(), true, stream.spec.requestBytes()))) {
            session.violation("dns", "server got a query that no stream sent, on channel " + channel);
            server.mux().sendDnsResponse(channel, new byte[0]);
            return;
        }
        session.sim.after(stream.spec.connectDelayNanos(), () -> {
            server.mux().sendDnsResponse(channel, message(stream.spec.id(), false, stream.spec.responseBytes()));
            stream.dns.serverAnswered = true;
        });
    }

    boolean done() {
        return (answered || abandoned) && serverAnswered;
    }

    @Override
    public String toString() {
        return "dns ch" + channel + (answered ? " answered" : "") + (abandoned ? " abandoned" : "")
                + (serverAnswered ? " server-answered" : "");
    }
}
