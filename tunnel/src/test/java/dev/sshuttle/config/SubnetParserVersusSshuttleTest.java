package dev.sshuttle.config;

import dev.sshuttle.net.SubnetRule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Differential check against the real thing: Debian's sshuttle 1.1.1 {@code parse_subnetport}
 * must agree with ours on every input, except where we are deliberately stricter (bad ports).
 */
class SubnetParserVersusSshuttleTest {

    static final List<String> INPUTS = List.of(
            "10.0.0.0/8", "0/0", "10/8", "192.168.1", "1.2.3.4", "1.2.3.4:80", "10.0.0.0/8:1000-2000",
            "1.2.3.4/24:443", "1.2.3.4:0", "010.0.0.1", "0x0a.1/16", "127.1/32", "4294967295",
            "2001:db8::/32", "2001:db8::1", "[2001:db8::/32]:443", "[2001:db8::1]:8000-8080", "[::1]", "::/0",
            "2001:db8::1]:80", "[2001:db8::1:80", "[2001:db8::]/32:443", "1.2.3.4/33", "2001:db8::/129",
            "1.2.3.4:8000-", "1.2.3.4/8/8", "10.0.0.0/", "1.2.3.4:80:90", "256.1.1.1", "1.2.3.4.5",
            "fe80::1%eth0", "1.2.3.4/0", "0.0.0.0/0:53");

    /** sshuttle takes these; we refuse them with a message instead of failing later in iptables. */
    static final Set<String> STRICTER = Set.of("1.2.3.4:0-80", "1.2.3.4:90-80", "1.2.3.4:70000");

    @Test
    void agreesWithSshuttle() throws Exception {
        List<String> all = new ArrayList<>(INPUTS);
        all.addAll(STRICTER);
        List<String> expected = runSshuttle(all);
        SubnetParser ours = new SubnetParser(HostResolver.SYSTEM, w -> {});
        for (int i = 0; i < all.size(); i++) {
            String input = all.get(i);
            String theirs = expected.get(i);
            if (theirs.equals("ERR") || STRICTER.contains(input)) {
                assertThrows(BadArgumentException.class, () -> ours.parse(input, false), input);
                continue;
            }
            List<SubnetRule> rules = ours.parse(input, false);
            assertEquals(1, rules.size(), input);
            SubnetRule r = rules.get(0);
            String[] f = theirs.split(" ");
            assertEquals(Integer.parseInt(f[0]), r.family().afNumber, input);
            assertEquals(InetAddress.getByName(f[1]), r.address(), input);
            assertEquals(Integer.parseInt(f[2]), r.width(), input);
            assertEquals(Integer.parseInt(f[3]), r.firstPort(), input);
            assertEquals(Integer.parseInt(f[4]), r.lastPort(), input);
        }
    }

    /** One line per input: "family ip width fport lport", or "ERR". */
    private static List<String> runSshuttle(List<String> inputs) throws IOException, InterruptedException {
        String script = """
                import sys
                from sshuttle.options import parse_subnetport
                for s in sys.stdin.read().split("\\n"):
                    try:
                        r = parse_subnetport(s)
                        print(" ".join(str(int(x)) if i != 1 else x for i, x in enumerate(r[0])) if len(r) == 1 else "MANY")
                    except BaseException:
                        print("ERR")
                """;
        Path python = Path.of("/usr/bin/python3");
        Process probe = new ProcessBuilder(python.toString(), "-c", "import sshuttle.options")
                .redirectErrorStream(true).start();
        boolean present = Files.isExecutable(python) && probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0;
        if (!present) {
            if ("true".equals(System.getenv("CI"))) fail("Debian's sshuttle (python3-sshuttle) is required in CI");
            Assumptions.abort("stock sshuttle is not importable by /usr/bin/python3; install Debian's sshuttle");
        }
        Process p = new ProcessBuilder(python.toString(), "-c", script).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        p.getOutputStream().write(String.join("\n", inputs).getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("python did not finish");
        }
        List<String> lines = out.lines().toList();
        assertEquals(inputs.size(), lines.size(), out);
        return lines;
    }
}
