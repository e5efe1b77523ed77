/**
 * The event loop and the sockets on both sides of the mux: {@link dev.sshuttle.io.EventLoop}
 * (one selector thread), {@link dev.sshuttle.io.MuxDriver} (the mux's byte stream in that loop),
 * {@link dev.sshuttle.io.Bridges} and {@link dev.sshuttle.io.SocketBridge} (one local TCP socket
 * per mux channel, with back-pressure), the outbound connects and why they fail
 * ({@link dev.sshuttle.io.ConnectFailures}), the striped stream, and the stream itself as
 * selectable channels ({@link dev.sshuttle.io.StreamChannels}).
 * <p>
 * Allowed imports: {@code mux}; nothing else of ours.
 */
package dev.sshuttle.io;
