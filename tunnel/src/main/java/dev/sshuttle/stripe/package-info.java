/**
 * Striping (docs/protocol.md, "Striping"): the handshake that opens extra ssh channels to the
 * agent (direct-streamlocal channels to a unix socket the agent listens on, through the ssh
 * client's own {@code -L} forward), and its wire constants. The striped stream itself is
 * {@link dev.sshuttle.io.StripedStream}.
 * <p>
 * Allowed imports: {@code io}, {@code mux}; nothing else of ours.
 */
package dev.sshuttle.stripe;
