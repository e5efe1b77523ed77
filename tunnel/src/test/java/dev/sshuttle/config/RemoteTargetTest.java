package dev.sshuttle.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RemoteTargetTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(nullValues = "-", value = {
            // text,                  user,  password, host,          port
            "host,                    -,     -,        host,          0",
            "me@host,                 me,    -,        host,          0",
            "me@host:2222,            me,    -,        host,          2222",
            "host.example.com:22,     -,     -,        host.example.com, 22",
            "me:secret@host,          me,    secret,   host,          0",
            "me:@host,                me,    -,        host,          0",
            "me@10.0.0.1:22,          me,    -,        10.0.0.1,      22",
            "::1,                     -,     -,        ::1,           0",
            "me@2001:db8::1,          me,    -,        2001:db8::1,   0",
            "[::1]:2222,              -,     -,        ::1,           2222",
            "me@[2001:db8::1]:22,     me,    -,        2001:db8::1,   22",
            "[2001:db8::1],           -,     -,        2001:db8::1,   0",
            "a@b@host,                a@b,   -,        host,          0",
            "jump-alias,              -,     -,        jump-alias,    0",
    })
    void parses(String text, String user, String password, String host, int port) {
        RemoteTarget r = RemoteTarget.parse(text);
        assertEquals(user, r.user());
        assertEquals(password, r.password());
        assertEquals(host, r.host());
        assertEquals(port, r.port());
        assertEquals(port != 0, r.hasPort());
    }

    @Test
    void emptyAndDashMeanNoRemote() {
        assertNull(RemoteTarget.parse(""));
        assertNull(RemoteTarget.parse("-"));
        assertNull(RemoteTarget.parse(null));
    }

    @Test
    void destinationIsWhatSshTakes() {
        assertEquals("me@host", RemoteTarget.parse("me:pw@host:22").destination());
        assertEquals("::1", RemoteTarget.parse("[::1]:22").destination());
    }

    @Test
    void toStringHidesThePassword() {
        String shown = RemoteTarget.parse("me:secret@host:22").toString();
        assertFalse(shown.contains("secret"), shown);
        assertEquals("me:***@host:22", shown);
    }

    @ParameterizedTest
    @ValueSource(strings = {"host:", "host:0", "host:65536", "host:ssh", "[::1", "[::1]x", "[::1]:", "[host]:22",
            "me@", "me@:22", "a:b:zz:host", "ho st"})
    void rejects(String text) {
        var e = assertThrows(BadArgumentException.class, () -> RemoteTarget.parse(text));
        assertTrue(e.getMessage().startsWith("bad -r/--remote"), e.getMessage());
    }

    /** ssh would take these as its own options (ProxyCommand runs any command). */
    @ParameterizedTest
    @ValueSource(strings = {"-oProxyCommand=touch${IFS}/tmp/pwned", "-oProxyCommand=x:22", "root@-oProxyCommand=x",
            "-oProxyCommand=x@host", "-F/tmp/evil@host", "[-1::2]:22", "-"  + "-"})
    void rejectsWhatSshWouldReadAsAnOption(String text) {
        var e = assertThrows(BadArgumentException.class, () -> RemoteTarget.parse(text));
        assertTrue(e.getMessage().contains("must not start with '-'"), e.getMessage());
    }
}
