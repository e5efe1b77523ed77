package dev.sshuttle.it.target;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Reset: reads a little (the first bytes the client sends, at most {@value #READ_BYTES}), then
 * aborts the connection with an RST (SO_LINGER 0) instead of closing it. A client through the
 * tunnel must see a reset too, not a clean end of stream.
 */
public final class ResetService extends TcpService {
    static final int READ_BYTES = 16;

    public ResetService(ServerSocket server) {
        super(server);
    }

    @Override
    protected void serve(Socket s) throws IOException {
        s.getInputStream().read(new byte[READ_BYTES]);
        s.setSoLinger(true, 0); // the close that follows sends RST
    }
}
