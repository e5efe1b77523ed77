package dev.sshuttle.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** For --auto-nets: the agent host's IPv4 routes as ROUTES lines "2,ip,width\n" (sshuttle's list_routes). */
final class RouteLister {
    private RouteLister() {}

    static String ipv4Routes() {
        StringBuilder out = new StringBuilder();
        try {
            Process p = new ProcessBuilder("ip", "-4", "route", "show").redirectErrorStream(true).start();
            p.getOutputStream().close();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            p.waitFor(5, TimeUnit.SECONDS);
            for (String line : text.split("\n")) {
                String net = line.strip().split("\\s+")[0];
                if (!net.matches("\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+")) continue;
                if (net.startsWith("0.") || net.startsWith("127.")) continue;
                String[] parts = net.split("/");
                out.append("2,").append(parts[0]).append(',').append(parts[1]).append('\n');
            }
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out.toString();
    }
}
