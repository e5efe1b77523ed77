package dev.sshuttle.it.target;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tiny HTTP/1.1 server: {@code GET /} answers {@value #GREETING}, {@code GET /bytes/N} answers
 * N {@link TestPattern} bytes, anything else 404. The JDK server binds its socket in
 * HttpServer.create, so create it inside the namespace.
 */
public final class HttpService implements AutoCloseable {
    public static final String GREETING = "hello from target\n";
    private final HttpServer server;
    private final AtomicLong requests = new AtomicLong();

    public HttpService(HttpServer server) {
        this.server = server;
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    public long requests() {
        return requests.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        try (ex) {
            String path = ex.getRequestURI().getPath();
            if (path.equals("/")) {
                byte[] body = GREETING.getBytes(StandardCharsets.US_ASCII);
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            } else if (path.startsWith("/bytes/") && parse(path.substring(7)) >= 0) {
                long n = parse(path.substring(7));
                ex.sendResponseHeaders(200, n == 0 ? -1 : n);
                OutputStream out = ex.getResponseBody();
                byte[] buf = new byte[64 * 1024];
                for (long sent = 0; sent < n; ) {
                    int len = (int) Math.min(buf.length, n - sent);
                    TestPattern.fill(buf, len, sent);
                    out.write(buf, 0, len);
                    sent += len;
                }
            } else {
                ex.sendResponseHeaders(404, -1);
            }
        }
    }

    private static long parse(String n) {
        try {
            long v = Long.parseLong(n);
            return v <= SourceService.MAX_BYTES ? v : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
