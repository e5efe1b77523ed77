package dev.sshuttle.client;

import dev.sshuttle.sys.UnixDatagram;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Consumer;

/**
 * systemd's notify protocol ({@code Type=notify}, sd_notify(3)): datagrams to the unix socket
 * named by {@code $NOTIFY_SOCKET}. READY=1 once the tunnel carries traffic, STATUS= lines while
 * it runs, STOPPING=1 when it ends. Without the variable every call does nothing; a failing send
 * is logged once and never ends the tunnel.
 */
public final class SdNotify {
    private final String socket;
    private final Consumer<String> warn;
    private boolean warned;
    private boolean stopping;
    private volatile boolean ready;

    private SdNotify(String socket, Consumer<String> warn) {
        this.socket = socket;
        this.warn = warn;
    }

    public static SdNotify fromEnvironment(Map<String, String> env, Consumer<String> warn) {
        String s = env.get("NOTIFY_SOCKET");
        return new SdNotify(s == null || s.isEmpty() ? null : s, warn);
    }

    public boolean enabled() {
        return socket != null;
    }

    public void ready(String status) {
        ready = true;
        send("READY=1\nSTATUS=" + status);
    }

    /**
     * From READY=1 on, a STATUS= line with the number of tunnelled connections whenever it
     * changes (checked once a second, on a daemon thread), until STOPPING=1.
     */
    public void reportConnections(java.util.function.IntSupplier openConnections, String where) {
        if (socket == null) return;
        Thread.ofVirtual().name("sd-notify-status").start(() -> {
            int last = -1;
            while (!isStopping()) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
                if (!ready) continue;
                int now = openConnections.getAsInt();
                if (now != last && !isStopping()) status("Connected to " + where + "; " + now + (now == 1 ? " connection" : " connections") + " open");
                last = now;
            }
        });
    }

    private synchronized boolean isStopping() {
        return stopping;
    }

    public void status(String status) {
        send("STATUS=" + status);
    }

    /** Once: the service is stopping. */
    public synchronized void stopping() {
        if (stopping) return;
        stopping = true;
        send("STOPPING=1");
    }

    private synchronized void send(String message) {
        if (socket == null) return;
        try (UnixDatagram d = UnixDatagram.open()) {
            d.send(socket, message.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            if (!warned) warn.accept("warning: cannot notify systemd at " + socket + ": " + e.getMessage());
            warned = true;
        }
    }
}
