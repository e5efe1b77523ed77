package dev.sshuttle.sim;

/** A stream while it runs: its spec, its two ends (server end null until the connect arrives). */
final class StreamRun {
    final StreamSpec spec;
    final Session session;
    long startedNanos = -1;
    long doneNanos = -1;
    ChannelEnd client;
    ChannelEnd server;
    DnsQuery dns;      // set for DNS streams, which have no ChannelEnds
    boolean noChannel; // the client mux had no free channel number: the connection was turned away

    StreamRun(StreamSpec spec, Session session) {
        this.spec = spec;
        this.session = session;
    }

    void violation(String kind, String message) {
        session.violation(kind, message);
    }

    /** Both sides finished and freed (a refused or early-reset stream may have no server end). */
    boolean done() {
        if (noChannel) return true;
        if (dns != null) return dns.done();
        if (client == null || !client.done()) return false;
        if (server != null) return server.done();
        // no server end: only fine if the client side was refused, or reset before the connect arrived
        return client.refused || client.resetByMe;
    }

    @Override
    public String toString() {
        if (dns != null) return spec + "\n      " + dns;
        return spec + "\n      client: " + (client == null ? "not started" : client.state())
                + "\n      server: " + (server == null ? "no connect seen" : server.state());
    }
}
