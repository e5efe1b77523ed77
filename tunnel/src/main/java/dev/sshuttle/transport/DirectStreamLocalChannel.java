package dev.sshuttle.transport;

import java.io.IOException;
import org.apache.sshd.client.channel.AsyncCapableClientChannel;
import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.channel.LocalWindow;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * A {@code direct-streamlocal@openssh.com} channel (OpenSSH's PROTOCOL, 2.4): the server
 * connects it to a unix socket on its side, as {@code ssh -L local:/remote/socket} does. MINA
 * SSHD has the TCP kind (ChannelDirectTcpip) only; this opens the same way with the stream-local
 * payload: socket path, a reserved string and a reserved uint32.
 */
final class DirectStreamLocalChannel extends AsyncCapableClientChannel {
    static final String TYPE = "direct-streamlocal@openssh.com";
    private final String socketPath;

    DirectStreamLocalChannel(String socketPath) {
        super(TYPE, false);
        this.socketPath = socketPath;
    }

    @Override
    public synchronized OpenFuture open() throws IOException {
        if (closeFuture.isClosed()) throw new SshException("Session has been closed");
        openFuture = new DefaultOpenFuture(socketPath, futureLock);
        Session session = getSession();
        LocalWindow window = getLocalWindow();
        Buffer buffer = session.createBuffer(SshConstants.SSH_MSG_CHANNEL_OPEN, TYPE.length() + socketPath.length() + 64);
        buffer.putString(TYPE);
        buffer.putUInt(getChannelId());
        buffer.putUInt(window.getSize());
        buffer.putUInt(window.getPacketSize());
        buffer.putString(socketPath);
        buffer.putString(""); // reserved
        buffer.putUInt(0); // reserved
        writePacket(buffer);
        return openFuture;
    }
}
