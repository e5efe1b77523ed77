package dev.sshuttle.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The marked block in a hosts file (a temporary one: the machine's /etc/hosts is never touched). */
class HostsFileTest {
    @TempDir
    Path dir;
    private final List<String> notes = new ArrayList<>();

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1 localhost\n::1 localhost\n", "127.0.0.1 localhost", ""})
    void writeThenRestoreGivesBackTheFileByteForByte(String original) throws Exception {
        Path hosts = Files.writeString(dir.resolve("hosts"), original);
        Files.setPosixFilePermissions(hosts, PosixFilePermissions.fromString("rw-r--r--"));
        HostsFile file = new HostsFile(hosts, 12300, notes::add);
        file.write(List.of(HostEntry.parse("db.internal", "10.1.2.3"), HostEntry.parse("v6.internal", "fd00::7")));
        String written = Files.readString(hosts);
        assertTrue(written.startsWith(original), written);
        assertTrue(written.contains("\n10.1.2.3 db.internal\nfd00::7 v6.internal\n# END sshuttle-java 12300 block\n"), written);
        file.write(List.of(HostEntry.parse("db.internal", "10.1.2.4")));
        assertEquals(1, Files.readString(hosts).split("BEGIN sshuttle-java", -1).length - 1, "one block, replaced");
        assertTrue(Files.readString(hosts).contains("10.1.2.4 db.internal\n# END"));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(hosts)), "mode kept");
        file.restore();
        assertEquals(original, Files.readString(hosts));
        assertEquals(List.of(), notes, "a plain file is replaced atomically, no fallback");
        assertTrue(Files.list(dir).allMatch(hosts::equals), "no temporary file left");
    }

    @Test
    void anotherInstancesBlockAndOtherEditsStay() throws Exception {
        Path hosts = Files.writeString(dir.resolve("hosts"), "127.0.0.1 localhost\n");
        HostsFile ours = new HostsFile(hosts, 12300, notes::add);
        HostsFile theirs = new HostsFile(hosts, 1230, notes::add);
        theirs.write(List.of(HostEntry.parse("b.test", "10.0.0.2")));
        ours.write(List.of(HostEntry.parse("a.test", "10.0.0.1")));
        Files.writeString(hosts, Files.readString(hosts) + "10.9.9.9 added.by.hand\n");
        ours.restore();
        String text = Files.readString(hosts);
        assertTrue(text.contains("10.0.0.2 b.test") && text.contains("added.by.hand") && !text.contains("a.test"), text);
        theirs.restore();
        assertEquals("127.0.0.1 localhost\n10.9.9.9 added.by.hand\n", Files.readString(hosts));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "a\nb", "a;rm -rf /", "$(reboot)", "-lead", "x..y", "", "a#b", "tab\there"})
    void hostileNamesAreRefused(String name) {
        assertThrows(IllegalArgumentException.class, () -> HostEntry.parse(name, "10.0.0.1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "10.0.0.1 evil", "10.0.0.1\n10.0.0.2", "127.0.0.1", "::1", "0.0.0.0", "224.0.0.1",
            "fe80::1", "10.0.0.1%eth0", "1", "0x0a000001"})
    void addressesThatAreNotRemoteLiteralsAreRefused(String ip) {
        assertThrows(IllegalArgumentException.class, () -> HostEntry.parse("ok.name", ip));
    }

    @Test
    void goodEntriesParse() {
        assertEquals("10.78.1.2 target.sshj.test", HostEntry.parse("target.sshj.test,10.78.1.2").hostsLine());
        assertEquals("fd00:78:1::2 target", HostEntry.parse("target", "fd00:78:1:0:0:0:0:2").hostsLine());
        assertEquals("my_host-1", HostEntry.parse("my_host-1", "192.0.2.1").name());
    }
}
