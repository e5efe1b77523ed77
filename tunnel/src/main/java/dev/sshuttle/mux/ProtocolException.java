package dev.sshuttle.mux;

/** The peer broke the protocol; the session cannot go on. The message says what and where. */
public final class ProtocolException extends Exception {
    public ProtocolException(String message) {
        super(message);
    }
}
