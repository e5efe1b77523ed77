package dev.sshuttle.it.target;

import com.sun.net.httpserver.HttpServer;
import dev.sshuttle.it.sys.SocketHome;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Map;

/**
 * The target's services, all in the JVM: sockets are opened inside the target namespace (via
 * {@link SocketHome}) and served by virtual threads. Well-known ports, since the target
 * namespace is ours alone.
 */
public final class TargetServices implements AutoCloseable {
    public static final int ECHO_PORT = 7;
    public static final int SINK_PORT = 9;
    public static final int SOURCE_PORT = 19;
    public static final int HTTP_PORT = 80;
    public static final int DNS_PORT = 53;
    /** Reads a little, then resets the connection ({@link ResetService}). */
    public static final int RESET_PORT = 6;
    /** Nothing listens here: a connect is refused. */
    public static final int CLOSED_PORT = 1;

    private final EchoService echo;
    private final SinkService sink;
    private final SourceService source;
    private final HttpService http;
    private final DnsService dns;
    private final ResetService reset;
    private final UdpEchoService udpEcho;

    private TargetServices(EchoService echo, SinkService sink, SourceService source, HttpService http, DnsService dns,
                           ResetService reset, UdpEchoService udpEcho) {
        this.echo = echo;
        this.sink = sink;
        this.source = source;
        this.http = http;
        this.dns = dns;
        this.reset = reset;
        this.udpEcho = udpEcho;
    }

    /**
     * Opens every service on bindAddress inside home. dnsRecords is the DNS service's table
     * (lower-case name to IPv4 address).
     */
    public static TargetServices start(SocketHome home, InetAddress bindAddress, Map<String, Inet4Address> dnsRecords) {
        ServerSocket echoSocket = home.call(() -> listen(bindAddress, ECHO_PORT));
        ServerSocket sinkSocket = home.call(() -> listen(bindAddress, SINK_PORT));
        ServerSocket sourceSocket = home.call(() -> listen(bindAddress, SOURCE_PORT));
        ServerSocket resetSocket = home.call(() -> listen(bindAddress, RESET_PORT));
        HttpServer httpServer = home.call(() -> HttpServer.create(new InetSocketAddress(bindAddress, HTTP_PORT), 128));
        DatagramSocket dnsSocket = home.call(() -> new DatagramSocket(new InetSocketAddress(bindAddress, DNS_PORT)));
        DatagramSocket udpEchoSocket = home.call(() -> new DatagramSocket(new InetSocketAddress(bindAddress, ECHO_PORT)));
        TargetServices services = new TargetServices(new EchoService(echoSocket), new SinkService(sinkSocket),
                new SourceService(sourceSocket), new HttpService(httpServer), new DnsService(dnsSocket, dnsRecords),
                new ResetService(resetSocket), new UdpEchoService(udpEchoSocket));
        services.echo.start();
        services.sink.start();
        services.source.start();
        services.reset.start();
        return services;
    }

    private static ServerSocket listen(InetAddress addr, int port) throws java.io.IOException {
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(addr, port), 512);
        return ss;
    }

    public EchoService echo() {
        return echo;
    }

    public SinkService sink() {
        return sink;
    }

    public SourceService source() {
        return source;
    }

    public HttpService http() {
        return http;
    }

    public DnsService dns() {
        return dns;
    }

    public ResetService reset() {
        return reset;
    }

    /** UDP echo on {@link #ECHO_PORT}, beside the TCP one. */
    public UdpEchoService udpEcho() {
        return udpEcho;
    }

    /** Open TCP connections over all services; returns to 0 when nothing leaks. */
    public int openConnections() {
        return echo.openConnections() + sink.openConnections() + source.openConnections() + reset.openConnections();
    }

    @Override
    public void close() {
        echo.close();
        sink.close();
        source.close();
        reset.close();
        http.close();
        dns.close();
        udpEcho.close();
    }
}
