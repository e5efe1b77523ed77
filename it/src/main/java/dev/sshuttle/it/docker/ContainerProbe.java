package dev.sshuttle.it.docker;

import dev.sshuttle.it.gates.LatencyProbe;
import dev.sshuttle.it.gates.LeakGate;
import dev.sshuttle.it.gates.MixedLoad;
import dev.sshuttle.it.target.SinkService;
import dev.sshuttle.it.target.SourceService;
import dev.sshuttle.it.target.TestPattern;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * What an application inside the docker-compose client container sees through the tunnel, run
 * there with {@code docker exec} by {@code ComposeTopologyTest}: the connections start inside
 * the client container, so its iptables rules capture them as they would a user's. One check
 * per call; it prints one line ({@code ok ...} or {@code FAIL ...}) and exits 0 or 1.
 * <pre>
 *   echo HOST:PORT                 bytes come back, then EOF after a half-close
 *   http URL                       GET answers 200
 *   download HOST:PORT BYTES       the source's pattern arrives whole (sha256 compared)
 *   upload HOST:PORT BYTES         the sink's receipt names the bytes sent (size, CRC32)
 *   refused HOST:PORT              a port with no listener is seen as a reset, never a clean EOF
 *   rtt HOST:PORT COUNT            round trips through an echo: min, p50, p99 in ms
 *   mixed N CONCURRENCY ECHO SINK RESET CLOSED CLIENT_PID
 *                                  after a warm-up of 200, N mixed connections, each as expected, and the
 *                                  client's fd count back to its baseline (+8) within 30 s
 * </pre>
 */
public final class ContainerProbe {
    private static final Duration IO_TIMEOUT = Duration.ofSeconds(30);

    private ContainerProbe() {}

    public static void main(String[] args) {
        try {
            System.out.println("ok " + run(args));
            System.exit(0);
        } catch (Throwable e) {
            System.out.println("FAIL " + String.join(" ", args) + ": " + e);
            System.exit(1);
        }
    }

    static String run(String[] a) throws Exception {
        return switch (a[0]) {
            case "echo" -> echo(address(a[1]));
            case "http" -> http(a[1]);
            case "download" -> download(address(a[1]), Long.parseLong(a[2]));
            case "upload" -> upload(address(a[1]), Long.parseLong(a[2]));
            case "refused" -> refused(address(a[1]));
            case "rtt" -> rtt(address(a[1]), Integer.parseInt(a[2]));
            case "mixed" -> mixed(Integer.parseInt(a[1]), Integer.parseInt(a[2]),
                    new MixedLoad.Targets(address(a[3]), address(a[4]), address(a[5]), address(a[6])), Long.parseLong(a[7]));
            default -> throw new IllegalArgumentException("unknown check " + a[0]);
        };
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    private static Socket connect(InetSocketAddress to) throws IOException {
        Socket s = new Socket();
        s.connect(to, 10_000);
        s.setSoTimeout((int) IO_TIMEOUT.toMillis());
        return s;
    }

    private static String echo(InetSocketAddress to) throws IOException {
        byte[] payload = "hello through the tunnel".getBytes(StandardCharsets.US_ASCII);
        long t0 = System.nanoTime();
        try (Socket s = connect(to)) {
            s.getOutputStream().write(payload);
            s.shutdownOutput();
            byte[] back = s.getInputStream().readAllBytes();
            if (!new String(back, StandardCharsets.US_ASCII).equals(new String(payload, StandardCharsets.US_ASCII)))
                throw new IllegalStateException("echo returned " + back.length + " bytes, not the " + payload.length + " sent");
        }
        return "echo " + payload.length + " bytes back and EOF in " + (System.nanoTime() - t0) / 1_000_000 + " ms";
    }

    private static String http(String url) throws IOException, InterruptedException {
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(IO_TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) throw new IllegalStateException("GET " + url + " answered " + r.statusCode());
            return "http GET " + url + " -> 200, " + r.body().length() + " chars";
        }
    }

    private static String download(InetSocketAddress to, long n) throws IOException, NoSuchAlgorithmException {
        MessageDigest got = MessageDigest.getInstance("SHA-256");
        long t0 = System.nanoTime();
        long total = 0;
        try (Socket s = connect(to)) {
            s.getOutputStream().write(SourceService.request(n));
            InputStream in = s.getInputStream();
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; total += r) got.update(buf, 0, r);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        String have = HexFormat.of().formatHex(got.digest());
        String want = patternSha256(n);
        if (total != n || !have.equals(want))
            throw new IllegalStateException("download of " + n + " bytes got " + total + " bytes, sha256 " + have + " (want " + want + ")");
        return String.format("download %d bytes, sha256 %s matches, %.1f MB/s", n, have, n / 1e6 / seconds);
    }

    private static String upload(InetSocketAddress to, long n) throws IOException {
        long t0 = System.nanoTime();
        String receipt;
        try (Socket s = connect(to)) {
            TestPattern.write(s.getOutputStream(), n);
            s.shutdownOutput();
            receipt = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        String want = SinkService.receipt(n, TestPattern.crc32(n));
        if (!receipt.equals(want)) throw new IllegalStateException("sink receipt '" + receipt.strip() + "', want '" + want.strip() + "'");
        return String.format("upload %d bytes, sink receipt '%s' matches, %.1f MB/s", n, receipt.strip(), n / 1e6 / seconds);
    }

    private static String refused(InetSocketAddress to) throws IOException {
        long t0 = System.nanoTime();
        try (Socket s = connect(to)) {
            s.setSoTimeout(5_000);
            int first = s.getInputStream().read();
            throw new IllegalStateException(first < 0 ? "a refused connect looked like a clean EOF" : "a refused port sent data");
        } catch (SocketTimeoutException e) {
            throw new IllegalStateException("no reset within 5 s for a refused connect");
        } catch (SocketException e) {
            if (!String.valueOf(e.getMessage()).toLowerCase().contains("reset")) throw e;
            return "refused " + to + " seen as a reset after " + (System.nanoTime() - t0) / 1_000_000 + " ms";
        }
    }

    private static String rtt(InetSocketAddress to, int count) throws IOException {
        try (Socket s = connect(to)) {
            s.setTcpNoDelay(true);
            LatencyProbe.Report r = LatencyProbe.pingPong(s, count, 16, IO_TIMEOUT);
            return String.format("rtt min %d p50 %d p99 %d ms over %d round trips", r.min().toMillis(), r.p50().toMillis(),
                    r.p99().toMillis(), r.samples());
        }
    }

    private static String mixed(int n, int concurrency, MixedLoad.Targets targets, long clientPid) throws IOException {
        // the fd gate would pass vacuously on the wrong process: make sure the PID is the client's
        String cmdline = Files.readString(Path.of("/proc/" + clientPid + "/cmdline")).replace('\0', ' ');
        if (!cmdline.contains("sshuttle.jar"))
            throw new IllegalStateException("pid " + clientPid + " is not the sshuttle client: " + cmdline);
        // a warm-up first, as in MixedFaultGatesTest: the client's pools and buffers reach their working size
        MixedLoad.run(Thread.ofPlatform().factory(), targets, 200, concurrency, Duration.ofMinutes(2)).assertAllAsExpected(200, "warm-up");
        LeakGate.Baseline base = LeakGate.baseline(clientPid, "sshuttle client in the container (pid " + clientPid + ")");
        MixedLoad.Result r = MixedLoad.run(Thread.ofPlatform().factory(), targets, n, concurrency, Duration.ofMinutes(5));
        r.assertAllAsExpected(n, "client container");
        LeakGate.assertFdsReturn(base, 8, Duration.ofSeconds(30), "after " + n + " mixed connections");
        return "mixed " + r + "; client fds " + base.fds() + " before, back within +8 after";
    }

    private static String patternSha256(long n) throws NoSuchAlgorithmException, IOException {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        TestPattern.write(new OutputStream() {
            @Override
            public void write(int b) {
                md.update((byte) b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                md.update(b, off, len);
            }
        }, n);
        return HexFormat.of().formatHex(md.digest());
    }
}
