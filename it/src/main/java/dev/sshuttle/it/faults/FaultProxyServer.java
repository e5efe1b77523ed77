package dev.sshuttle.it.faults;

import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpServer;
import dev.sshuttle.it.sys.SocketHome;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A Toxiproxy-compatible fault proxy inside the test JVM, for machines without Docker. Its HTTP
 * control API (on 127.0.0.1, ephemeral port, in the JVM's own namespace) serves the endpoints
 * toxiproxy-java calls, so tests drive it with {@link ToxiproxyClient} exactly as they would the
 * real Toxiproxy. Proxies listen and dial inside the given {@link SocketHome}, e.g. the client
 * namespace of a {@code Topology}.
 * <pre>
 *   try (FaultProxyServer faults = FaultProxyServer.start(topology.client())) {
 *       Proxy p = faults.client().createProxy("ssh", "127.0.0.1:0", gatewayIp + ":" + sshPort);
 *       p.toxics().latency("lag", ToxicDirection.DOWNSTREAM, 100);
 *   }
 * </pre>
 */
public final class FaultProxyServer implements AutoCloseable {
    /** What GET /version answers. */
    public static final String VERSION = "2.5.0-sshj-jvm";

    private final SocketHome home;
    private final HttpServer http;
    private final ScheduledExecutorService timers;
    private final Map<String, ProxyInstance> proxies = new LinkedHashMap<>();

    private FaultProxyServer(SocketHome home, HttpServer http, ScheduledExecutorService timers) {
        this.home = home;
        this.http = http;
        this.timers = timers;
    }

    /** Starts a server whose proxies live in the JVM's own network namespace (use loopback). */
    public static FaultProxyServer start() {
        return start(SocketHome.current());
    }

    /** Starts a server whose proxies listen and dial inside home (e.g. a Netns). */
    public static FaultProxyServer start(SocketHome home) {
        return start(home, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    /**
     * Starts a server with its control API on the given address (a container's
     * {@code 0.0.0.0:8474}, see {@link FaultProxyMain}).
     */
    public static FaultProxyServer start(SocketHome home, InetSocketAddress control) {
        try {
            HttpServer http = HttpServer.create(control, 64);
            ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("faultproxy-timers").daemon().factory());
            FaultProxyServer server = new FaultProxyServer(home, http, timers);
            http.createContext("/", new ControlApi(server));
            http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            http.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("fault proxy: cannot open its control port: " + e.getMessage(), e);
        }
    }

    /** The control API's port (on 127.0.0.1 unless started with another address). */
    public int controlPort() {
        return http.getAddress().getPort();
    }

    /** A toxiproxy-java client for this server: the only way tests should drive it. */
    public ToxiproxyClient client() {
        return new ToxiproxyClient("127.0.0.1", controlPort());
    }

    /** Where a proxy listens, as an address to connect to (from the proxy's namespace). */
    public static InetSocketAddress listenAddress(eu.rekawek.toxiproxy.Proxy proxy) {
        return ProxyInstance.parse(proxy.getListen(), "listen");
    }

    /** "host:port" of an address, the form Toxiproxy wants for listen and upstream. */
    public static String hostPort(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    synchronized ProxyInstance create(JsonObject body) {
        String name = body.has("name") ? body.get("name").getAsString() : "";
        if (name.isBlank() || name.contains("/")) throw new ApiError(400, "proxy name must be non-empty without '/'");
        if (proxies.containsKey(name)) throw new ApiError(409, "proxy already exists: " + name);
        if (!body.has("listen") || !body.has("upstream")) throw new ApiError(400, "proxy needs listen and upstream");
        ProxyInstance p = new ProxyInstance(name, body.get("listen").getAsString(),
                body.get("upstream").getAsString(), home, timers);
        if (!body.has("enabled") || body.get("enabled").getAsBoolean()) p.enable();
        proxies.put(name, p);
        return p;
    }

    synchronized ProxyInstance get(String name) {
        ProxyInstance p = proxies.get(name);
        if (p == null) throw new ApiError(404, "proxy not found: " + name);
        return p;
    }

    synchronized List<ProxyInstance> all() {
        return new ArrayList<>(proxies.values());
    }

    synchronized void delete(String name) {
        get(name).disable();
        proxies.remove(name);
    }

    /** POST /reset: every proxy enabled, every toxic removed. */
    synchronized void reset() {
        for (ProxyInstance p : proxies.values()) {
            p.removeAllToxics();
            p.enable();
        }
    }

    /** Stops the control API, every proxy and every link. */
    @Override
    public void close() {
        http.stop(0);
        synchronized (this) {
            proxies.values().forEach(ProxyInstance::disable);
            proxies.clear();
        }
        timers.shutdownNow();
    }
}
