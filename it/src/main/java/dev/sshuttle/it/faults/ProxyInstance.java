package dev.sshuttle.it.faults;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.sshuttle.it.sys.SocketHome;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;

/**
 * One named proxy: a listener, an upstream address, toxics and the live links. Listener and
 * upstream sockets are created in the server's {@link SocketHome} (e.g. the client namespace).
 * Disabling closes the listener and every link, as Toxiproxy does.
 */
final class ProxyInstance {
    private static final int CONNECT_TIMEOUT_MS = 5000;
    private static final Duration ACCEPTOR_EXIT = Duration.ofSeconds(10);
    private final String name;
    private final SocketHome home;
    private final ScheduledExecutorService timers;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private volatile List<ToxicSpec> toxics = List.of();
    private String listen;
    private String upstream;
    private boolean enabled;
    private ServerSocketChannel listener;
    private Thread acceptor;

    ProxyInstance(String name, String listen, String upstream, SocketHome home, ScheduledExecutorService timers) {
        this.name = name;
        this.listen = listen;
        this.upstream = upstream;
        this.home = home;
        this.timers = timers;
        parse(upstream, "upstream");
    }

    synchronized void enable() {
        if (enabled) return;
        InetSocketAddress at = parse(listen, "listen");
        try {
            ServerSocketChannel ch = home.call(ServerSocketChannel::open);
            try {
                ch.setOption(StandardSocketOptions.SO_REUSEADDR, true); // re-enable binds the same port at once
                ch.bind(at, 512);
            } catch (IOException e) {
                ch.close();
                throw new ApiError(500, "proxy " + name + " cannot listen on " + listen + ": " + e.getMessage());
            }
            listener = ch;
            InetSocketAddress bound = (InetSocketAddress) ch.getLocalAddress();
            listen = at.getHostString() + ":" + bound.getPort();
            enabled = true;
            acceptor = Thread.ofVirtual().name("faultproxy-" + name + "-accept").start(() -> acceptLoop(ch));
        } catch (IOException e) {
            throw new ApiError(500, "proxy " + name + " cannot listen: " + e.getMessage());
        }
    }

    synchronized void disable() {
        if (!enabled) return;
        enabled = false;
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Link l : List.copyOf(links)) l.close();
        awaitAcceptorGone();
    }

    /**
     * The port is free only once the accept thread is out of accept(): closing a channel that a
     * virtual thread accepts on just wakes that thread, and the socket closes when it runs. On a
     * busy machine that came after the next create on the same port (EADDRINUSE), as Toxiproxy
     * clients (the container tests, one port for all) expect the port free when DELETE answers.
     */
    private void awaitAcceptorGone() {
        try {
            if (!acceptor.join(ACCEPTOR_EXIT))
                throw new ApiError(500, "proxy " + name + ": its listener did not close within " + ACCEPTOR_EXIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(500, "proxy " + name + ": interrupted while its listener closed");
        }
    }

    /** Applies a POST /proxies/{name} body; a new listen or upstream restarts the proxy. */
    synchronized void update(JsonObject body) {
        boolean wasEnabled = enabled;
        boolean restart = false;
        if (body.has("upstream") && !body.get("upstream").getAsString().equals(upstream)) {
            parse(body.get("upstream").getAsString(), "upstream");
            upstream = body.get("upstream").getAsString();
            restart = true;
        }
        if (body.has("listen") && !body.get("listen").getAsString().equals(listen)) {
            parse(body.get("listen").getAsString(), "listen");
            listen = body.get("listen").getAsString();
            restart = true;
        }
        boolean wantEnabled = body.has("enabled") ? body.get("enabled").getAsBoolean() : wasEnabled;
        if (restart || !wantEnabled) disable();
        if (wantEnabled) enable();
    }

    synchronized void addToxic(ToxicSpec t) {
        if (find(t.name()) != null) throw new ApiError(409, "toxic already exists: " + t.name());
        List<ToxicSpec> next = new ArrayList<>(toxics);
        next.add(t);
        setToxics(next);
    }

    synchronized ToxicSpec updateToxic(String toxicName, JsonObject body) {
        ToxicSpec updated = toxic(toxicName).update(body);
        setToxics(toxics.stream().map(t -> t.name().equals(toxicName) ? updated : t).toList());
        return updated;
    }

    synchronized void removeToxic(String toxicName) {
        toxic(toxicName);
        setToxics(toxics.stream().filter(t -> !t.name().equals(toxicName)).toList());
    }

    synchronized void removeAllToxics() {
        setToxics(List.of());
    }

    ToxicSpec toxic(String toxicName) {
        ToxicSpec t = find(toxicName);
        if (t == null) throw new ApiError(404, "toxic not found: " + toxicName);
        return t;
    }

    private ToxicSpec find(String toxicName) {
        return toxics.stream().filter(t -> t.name().equals(toxicName)).findFirst().orElse(null);
    }

    private void setToxics(List<ToxicSpec> next) {
        toxics = List.copyOf(next);
        links.forEach(Link::toxicsChanged);
    }

    JsonArray toxicsJson() {
        JsonArray a = new JsonArray();
        toxics.forEach(t -> a.add(t.toJson()));
        return a;
    }

    synchronized JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("name", name);
        o.addProperty("listen", listen);
        o.addProperty("upstream", upstream);
        o.addProperty("enabled", enabled);
        o.add("toxics", toxicsJson());
        return o;
    }

    /** Open links right now (a gate for tests of the proxy itself). */
    int linkCount() {
        return links.size();
    }

    private void acceptLoop(ServerSocketChannel ch) {
        while (ch.isOpen()) {
            try {
                SocketChannel client = ch.accept();
                Thread.ofVirtual().name("faultproxy-" + name + "-dial").start(() -> dial(client));
            } catch (IOException e) {
                if (!ch.isOpen()) return;
            }
        }
    }

    private void dial(SocketChannel client) {
        InetSocketAddress to;
        synchronized (this) {
            to = parse(upstream, "upstream");
        }
        SocketChannel up = null;
        try {
            up = home.call(SocketChannel::open);
            up.socket().connect(to, CONNECT_TIMEOUT_MS);
            client.socket().setTcpNoDelay(true);
            up.socket().setTcpNoDelay(true);
            Link link = new Link(client, up, () -> toxics, timers, links::remove);
            links.add(link);
            link.start();
            synchronized (this) {
                if (!enabled) link.close(); // disabled while we dialled
            }
        } catch (IOException | RuntimeException e) {
            // upstream unreachable: the client sees its connection closed, as with Toxiproxy
            closeQuietly(client);
            closeQuietly(up);
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** "host:port" to an address; a bad one is a 400 for the API caller. */
    static InetSocketAddress parse(String hostPort, String field) {
        int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
        if (colon <= 0) throw new ApiError(400, field + " must be host:port, not '" + hostPort + "'");
        String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
        try {
            int port = Integer.parseInt(hostPort.substring(colon + 1));
            if (port < 0 || port > 65535) throw new NumberFormatException();
            InetSocketAddress a = new InetSocketAddress(host, port);
            if (a.isUnresolved()) throw new ApiError(400, field + " host does not resolve: '" + host + "'");
            return a;
        } catch (NumberFormatException e) {
            throw new ApiError(400, field + " port must be 0..65535 in '" + hostPort + "'");
        }
    }
}
