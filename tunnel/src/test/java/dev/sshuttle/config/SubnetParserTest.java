package dev.sshuttle.config;

import dev.sshuttle.net.Family;

import dev.sshuttle.net.SubnetRule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SubnetParserTest {

    /** Literals as the system reads them; a few fixed names instead of DNS. */
    static final HostResolver TABLE = host -> {
        Map<String, String[]> names = Map.of(
                "dual.test", new String[] {"192.0.2.7", "2001:db8::7"},
                "two.test", new String[] {"192.0.2.1", "192.0.2.2"},
                "one.test", new String[] {"198.51.100.9"});
        String[] found = names.get(host);
        if (found == null) return HostResolver.SYSTEM.resolve(host.contains(".test") ? "no such" : host);
        InetAddress[] out = new InetAddress[found.length];
        for (int i = 0; i < found.length; i++) out[i] = InetAddress.getByName(found[i]);
        return out;
    };

    final List<String> warnings = new ArrayList<>();
    final SubnetParser parser = new SubnetParser(TABLE, warnings::add);

    SubnetRule one(String text) {
        List<SubnetRule> rules = parser.parse(text, false);
        assertEquals(1, rules.size(), rules.toString());
        return rules.get(0);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // text,                 family, address,        width, from, to
            "10.0.0.0/8,             IPV4,   10.0.0.0,       8,     0,    0",
            "0/0,                    IPV4,   0.0.0.0,        0,     0,    0",
            "10/8,                   IPV4,   0.0.0.10,       8,     0,    0",
            "192.168.1,              IPV4,   192.168.0.1,    32,    0,    0",
            "1.2.3.4,                IPV4,   1.2.3.4,        32,    0,    0",
            "1.2.3.4:80,             IPV4,   1.2.3.4,        32,    80,   80",
            "10.0.0.0/8:1000-2000,   IPV4,   10.0.0.0,       8,     1000, 2000",
            "1.2.3.4/24:443,         IPV4,   1.2.3.4,        24,    443,  443",
            "1.2.3.4:0,              IPV4,   1.2.3.4,        32,    0,    0",
            "010.0.0.1,              IPV4,   8.0.0.1,        32,    0,    0",
            "0x0a.1/16,              IPV4,   10.0.0.1,       16,    0,    0",
            "2001:db8::/32,          IPV6,   2001:db8::,     32,    0,    0",
            "2001:db8::1,            IPV6,   2001:db8::1,    128,   0,    0",
            "[2001:db8::/32]:443,    IPV6,   2001:db8::,     32,    443,  443",
            "[2001:db8::1]:8000-8080,IPV6,   2001:db8::1,    128,   8000, 8080",
            "[::1],                  IPV6,   ::1,            128,   0,    0",
            "::/0,                   IPV6,   ::,             0,     0,    0",
            "one.test:22,            IPV4,   198.51.100.9,   32,    22,   22",
            "one.test/24,            IPV4,   198.51.100.9,   24,    0,    0",
    })
    void parsesSshuttleSyntax(String text, Family family, String address, int width, int from, int to)
            throws UnknownHostException {
        SubnetRule rule = one(text);
        assertEquals(family, rule.family());
        assertEquals(InetAddress.getByName(address), rule.address());
        assertEquals(width, rule.width());
        assertEquals(from, rule.firstPort());
        assertEquals(to, rule.lastPort());
        assertEquals(false, rule.exclude());
    }

    @Test
    void excludeFlagIsCarried() {
        assertTrue(parser.parse("10.1.0.0/16", true).get(0).exclude());
    }

    @Test
    void aNameGivesEveryAddress() {
        List<SubnetRule> rules = parser.parse("dual.test:443", false);
        assertEquals(2, rules.size());
        assertEquals(Family.IPV4, rules.get(0).family());
        assertEquals(32, rules.get(0).width());
        assertEquals(Family.IPV6, rules.get(1).family());
        assertEquals(128, rules.get(1).width());
        assertEquals(443, rules.get(1).firstPort());
    }

    @Test
    void aWidthOnADualStackNameIsAnError() {
        var e = assertThrows(BadArgumentException.class, () -> parser.parse("dual.test/24", false));
        assertTrue(e.getMessage().contains("IPv4 and IPv6"), e.getMessage());
    }

    @Test
    void aWidthOnSeveralAddressesOfOneFamilyWarns() {
        assertEquals(2, parser.parse("two.test/24", false).size());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("two.test"), warnings.get(0));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "1.2.3.4/33",              // width above 32
            "2001:db8::/129",          // width above 128
            "1.2.3.4:8000-",           // open range
            "1.2.3.4:-80",             // open range
            "1.2.3.4:70000",           // port too large
            "1.2.3.4:90-80",           // reversed range
            "1.2.3.4:0-80",            // 0 only alone
            "[2001:db8::]/32:443",     // width outside the brackets (sshuttle rejects it)
            "1.2.3.4/8/8",
            "1.2.3.4 ",
            "",
            "10.0.0.0/",
            "1.2.3.4:80:90",
            "1.2.3.4/99999999999",
            "no-such-name.test",       // does not resolve
            "*.example.test",          // wildcards are accepted by the pattern but never resolve
            "fe80::1%eth0",
    })
    void rejects(String text) {
        var e = assertThrows(BadArgumentException.class, () -> parser.parse(text, false));
        assertTrue(!e.getMessage().isBlank() && !e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void theErrorNamesTheArgument() {
        var e = assertThrows(BadArgumentException.class, () -> parser.parse("1.2.3.4/33", false));
        assertTrue(e.getMessage().contains("1.2.3.4/33") && e.getMessage().contains("32"), e.getMessage());
    }

    @Test
    void filesSkipCommentsAndBlankLines(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("subnets");
        Files.writeString(file, "# office\n10.0.0.0/8\n\n   \n  192.168.0.0/16:22  \n#1.2.3.4\n[2001:db8::/32]:443\n");
        List<SubnetRule> rules = parser.parseFile(file, true);
        assertEquals(3, rules.size());
        assertEquals("exclude 10.0.0.0/8", rules.get(0).toString());
        assertEquals("exclude 192.168.0.0/16:22", rules.get(1).toString());
        assertEquals("exclude [2001:db8:0:0:0:0:0:0/32]:443", rules.get(2).toString());
    }

    @Test
    void aBadLineInAFileNamesFileAndLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("subnets");
        Files.writeString(file, "10.0.0.0/8\nbogus/99\n");
        var e = assertThrows(BadArgumentException.class, () -> parser.parseFile(file, false));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void aMissingFileIsOneLine(@TempDir Path dir) {
        var e = assertThrows(BadArgumentException.class, () -> parser.parseFile(dir.resolve("nope"), false));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void containsHonoursTheWidth() throws UnknownHostException {
        SubnetRule rule = one("10.1.0.0/15");
        assertTrue(rule.contains(InetAddress.getByName("10.0.255.1")));
        assertTrue(!rule.contains(InetAddress.getByName("10.2.0.1")));
        assertTrue(one("0/0").contains(InetAddress.getByName("203.0.113.1")));
        assertTrue(!one("0/0").contains(InetAddress.getByName("::1")));
    }
}
