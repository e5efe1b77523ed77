package dev.sshuttle.mux;

import java.nio.ByteBuffer;

/**
 * What a mux endpoint tells its driver. All calls happen inside Mux methods, on the driver's
 * thread. Control payload arrays are handed over: the listener may keep them. Stream data is
 * lent: see {@link #onData}.
 */
public interface MuxListener {
    /** Server side: the client asks for a connection on a fresh channel. */
    default void onTcpConnect(int channel, TcpTarget target) {}

    /** Client side, 0002: the server's outbound connect succeeded. */
    default void onConnected(int channel) {}

    /** Client side: the connect failed; reset the local socket. onChannelFreed follows at once. */
    default void onConnectFailed(int channel, ConnectFailure reason, String message) {}

    /**
     * Stream bytes for the local socket, between the buffer's position and limit: a view of the
     * mux's input, valid only during the call (write it, or copy what the socket does not take).
     * Call {@link Mux#consumed} as bytes reach the socket; that is what grants the peer credit.
     */
    default void onData(int channel, ByteBuffer data) {}

    /** The peer will send nothing more: shut down the local socket's output once data is written. */
    default void onEof(int channel) {}

    /** The peer wants no more data: stop reading the local socket. */
    default void onStopSending(int channel) {}

    /** The peer aborted the connection: abort the local socket (RST). onChannelFreed follows at once. */
    default void onReset(int channel, String message) {}

    /**
     * The channel is closed in both directions and its number may be reused. Always the last
     * call for the channel: it follows onReset and onConnectFailed.
     */
    default void onChannelFreed(int channel) {}

    default void onRoutes(String routes) {}

    default void onHostRequest(String seeds) {}

    default void onHostList(String hosts) {}

    default void onDnsRequest(int channel, byte[] query) {}

    default void onDnsResponse(int channel, byte[] reply) {}

    /** Server side: a UDP channel opens for the given address family number (2 = IPv4). */
    default void onUdpOpen(int channel, int family) {}

    /** A datagram on a UDP channel: "ip,port," then the data. */
    default void onUdpData(int channel, byte[] payload) {}

    /** Server side: the client closed a UDP channel. */
    default void onUdpClose(int channel) {}

    /** The peer sent EXIT: end the session normally. */
    default void onExit() {}

    /** Nothing heard from the peer within the keepalive timeout. */
    default void onKeepaliveTimeout(long silentNanos) {}

    /** Something odd but survivable (a frame for a closed channel, say). */
    default void onWarning(String message) {}
}
