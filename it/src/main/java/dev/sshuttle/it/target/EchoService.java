package dev.sshuttle.it.target;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;

/** Echo (RFC 862 style): writes back every byte; half-closes its side after the client's EOF. */
public final class EchoService extends TcpService {
    public EchoService(ServerSocket server) {
        super(server);
    }

    @Override
    protected void serve(Socket s) throws IOException {
        s.setTcpNoDelay(true);
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) > 0; ) out.write(buf, 0, n);
        s.shutdownOutput();
    }
}
