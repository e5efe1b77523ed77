package dev.sshuttle.it.faults;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sshuttle.it.sys.SocketHome;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The fault proxy as a program, with toxiproxy-server's own flags, so a container image of it
 * ({@code it/docker/faultproxy}) can stand in for {@code ghcr.io/shopify/toxiproxy} where that
 * image cannot be had (no registry): {@code -host=0.0.0.0 -port=8474 -config=proxies.json}, the
 * config being Toxiproxy's list of {@code {"name", "listen", "upstream", "enabled"}}. Runs until
 * killed.
 */
public final class FaultProxyMain {
    private FaultProxyMain() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        String host = "localhost";
        int port = 8474;
        Path config = null;
        for (String a : args) {
            String arg = a.startsWith("--") ? a.substring(1) : a;
            if (arg.startsWith("-host=")) host = arg.substring("-host=".length());
            else if (arg.startsWith("-port=")) port = Integer.parseInt(arg.substring("-port=".length()));
            else if (arg.startsWith("-config=")) config = Path.of(arg.substring("-config=".length()));
            else {
                System.err.println("fault proxy: unknown argument '" + a + "' (want -host=ADDR -port=N -config=FILE)");
                System.exit(2);
            }
        }
        FaultProxyServer server = FaultProxyServer.start(SocketHome.current(), new InetSocketAddress(host, port));
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        if (config != null) {
            for (JsonElement e : JsonParser.parseString(Files.readString(config)).getAsJsonArray()) {
                JsonObject proxy = e.getAsJsonObject();
                server.create(proxy);
                System.out.println("fault proxy: " + proxy.get("name").getAsString() + " " + proxy.get("listen").getAsString()
                        + " -> " + proxy.get("upstream").getAsString());
            }
        }
        System.out.println("fault proxy " + FaultProxyServer.VERSION + ": API on " + host + ":" + server.controlPort());
        Thread.currentThread().join();
    }
}
