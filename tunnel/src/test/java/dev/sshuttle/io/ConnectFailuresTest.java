package dev.sshuttle.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sshuttle.mux.ConnectFailure;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectFailuresTest {

    /** One case per row of the Python agent's CONNECT_FAILED_REASON, as the JDK reports each errno. */
    @Test
    void theJdksExceptionsMapLikeThePythonAgentsErrnoTable() {
        record Case(Exception thrown, String errno, ConnectFailure expected) {}
        for (Case c : List.of(
                new Case(new ConnectException("Connection refused"), "ECONNREFUSED", ConnectFailure.REFUSED),
                new Case(new PortUnreachableException("ICMP Port Unreachable"), "ECONNREFUSED", ConnectFailure.REFUSED),
                new Case(new NoRouteToHostException("No route to host"), "EHOSTUNREACH", ConnectFailure.UNREACHABLE),
                new Case(new SocketException("Network is unreachable"), "ENETUNREACH", ConnectFailure.UNREACHABLE),
                new Case(new SocketException("Host is down"), "EHOSTDOWN", ConnectFailure.UNREACHABLE),
                new Case(new SocketException("Network is down"), "ENETDOWN", ConnectFailure.UNREACHABLE),
                new Case(new ConnectException("Connection timed out"), "ETIMEDOUT", ConnectFailure.TIMED_OUT),
                new Case(new SocketTimeoutException("connect timed out after 30 s"), "ETIMEDOUT", ConnectFailure.TIMED_OUT))) {
            assertEquals(c.errno(), ConnectFailures.errnoName(c.thrown()), c.thrown().toString());
            assertEquals(c.expected(), ConnectFailures.of(c.thrown()), c.thrown().toString());
        }
    }

    @Test
    void whatTheTableDoesNotNameIsOther() {
        assertEquals(ConnectFailure.OTHER, ConnectFailures.of(new UnknownHostException("nowhere.test")));
        assertEquals(ConnectFailure.OTHER, ConnectFailures.of(new SocketException("Too many open files")));
        assertEquals(ConnectFailure.OTHER, ConnectFailures.of(new SocketException((String) null)));
        assertEquals(ConnectFailure.OTHER, ConnectFailures.of(new IllegalArgumentException("port out of range")));
    }

    @Test
    void everyErrnoOfThePythonTableHasItsText() {
        assertEquals(ConnectFailures.BY_ERRNO.keySet(), java.util.Set.copyOf(ConnectFailures.ERRNO_BY_STRERROR.values()));
    }

    @Test
    void aRealRefusedConnectIsRefused() throws IOException {
        InetSocketAddress closed;
        try (ServerSocketChannel s = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            closed = (InetSocketAddress) s.getLocalAddress();
        }
        try (SocketChannel c = SocketChannel.open()) {
            IOException e = assertThrows(IOException.class, () -> c.connect(closed));
            assertEquals(ConnectFailure.REFUSED, ConnectFailures.of(e), e.toString());
        }
    }
}
