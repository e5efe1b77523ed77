/**
 * The wire protocol (docs/protocol.md): frames, commands, channels, flow control, keepalive,
 * the sync header, and the options line the client sends the agent
 * ({@link dev.sshuttle.mux.AgentOptions}). {@link dev.sshuttle.mux.Mux} turns bytes into
 * {@link dev.sshuttle.mux.MuxListener} events and back; it does no I/O of its own.
 * <p>
 * Allowed imports: none of ours; both sides and the sim build on it.
 */
package dev.sshuttle.mux;
