package dev.sshuttle.it.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * `sshuttle status` against a running client: text and --json show a live connection to its
 * destination with its bytes growing; --metrics serves Prometheus text that parses line by line.
 */
@ExtendWith(TopologyExtension.class)
class StatusTest {
    private static final Duration IO = Duration.ofSeconds(10);
    private static final Pattern SAMPLE = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"[^\"]*\"(,[a-zA-Z_][a-zA-Z0-9_]*=\"[^\"]*\")*\\})? -?[0-9.eE+-]+");

    private record Run(int code, String out, String err) {}

    private static Run status(String... args) throws Exception {
        List<String> argv = Tunnels.clientJvm();
        argv.add("status");
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).start();
        p.getOutputStream().close();
        var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "sshuttle status did not end");
        return new Run(p.exitValue(), out, err.get());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static long bytesOut(String json, String destination) {
        Matcher m = Pattern.compile("\"destination\": \"" + Pattern.quote(destination) + "\", \"bytes_out\": (\\d+)").matcher(json);
        assertTrue(m.find(), destination + " in " + json);
        return Long.parseLong(m.group(1));
    }

    @Test
    void statusJsonAndMetricsShowALiveConnectionGrowing(Topology t) throws Exception {
        int metricsPort = ThreadLocalRandom.current().nextInt(30000, 40000);
        String sink = t.targetIp().getHostAddress() + ":" + t.sink().getPort();
        try (BackgroundProcess client = Tunnels.connected(t, "status", "--metrics", "127.0.0.1:" + metricsPort, t.targetSubnet());
             Socket s = t.client().connect(t.sink(), IO)) {
            OutputStream out = s.getOutputStream();
            out.write(new byte[100_000]);
            out.flush();
            String pid = Long.toString(client.pid());
            org.awaitility.Awaitility.await("the first bytes counted").atMost(IO)
                    .until(() -> bytesOut(status("--json", "--pid", pid).out(), sink) >= 100_000);
            Run first = status("--json", "--pid", pid);
            assertEquals(0, first.code(), first.err());
            assertTrue(first.out().contains("\"connected\": true"), first.out());
            out.write(new byte[300_000]);
            out.flush();
            org.awaitility.Awaitility.await("the bytes grow").atMost(IO)
                    .until(() -> bytesOut(status("--json", "--pid", pid).out(), sink) >= 400_000);

            Run text = status("--pid", pid);
            assertEquals(0, text.code(), text.err());
            assertTrue(text.out().contains("connected to") && text.out().contains("1 connection open, by destination:")
                    && text.out().contains(sink), text.out());

            String metrics = httpGet(t, new InetSocketAddress("127.0.0.1", metricsPort), "/metrics");
            List<String> bad = new ArrayList<>();
            for (String line : metrics.split("\n")) {
                if (!line.isEmpty() && !line.startsWith("# HELP ") && !line.startsWith("# TYPE ") && !SAMPLE.matcher(line).matches()) {
                    bad.add(line);
                }
            }
            assertEquals(List.of(), bad, "lines that are not Prometheus text:\n" + metrics);
            assertTrue(metrics.contains("\nsshuttle_connections_open 1\n") && metrics.contains("sshuttle_up 1"), metrics);
            assertTrue(metrics.contains("sshuttle_destination_bytes{destination=\"" + sink + "\",direction=\"out\"}"), metrics);
            assertEquals(0, client.terminate(IO), client.tail());
        }
        Run none = status("--pid", "1");
        assertEquals(1, none.code(), "no client with pid 1: " + none.out());
        assertTrue(none.err().contains("no running sshuttle client of yours"), none.err());
    }

    private static String httpGet(Topology t, InetSocketAddress at, String path) throws IOException {
        try (Socket s = t.client().connect(at, IO)) {
            s.setSoTimeout((int) IO.toMillis());
            s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(response.startsWith("HTTP/1.1 200") || response.startsWith("HTTP/1.0 200"), response);
            assertTrue(response.toLowerCase().contains("content-type: text/plain; version=0.0.4"), response);
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }
}
