package dev.sshuttle.mux;

/** 0002: what one channel may still send, as running totals of its own (OkHttp's WindowCounter). */
final class SendCredit {
    private long allowed; // the initial window plus every TCP_WINDOW increment received
    private long sent;    // TCP_DATA payload bytes sent

    SendCredit(long initialWindow) {
        this.allowed = initialWindow;
    }

    long available() {
        return allowed - sent;
    }

    void grant(long increment) {
        allowed += increment;
    }

    void spend(long bytes) {
        sent += bytes;
    }
}
