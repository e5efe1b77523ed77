package dev.sshuttle.cli;

import dev.sshuttle.exit.ExitCodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code -r user:password@host}: the real client in a child JVM, with a recording stand-in for
 * sshpass on its PATH (and a stand-in ssh for {@code ssh -G}): the password must reach sshpass
 * through SSHPASS and appear on no command line; without sshpass the run is a usage error that
 * says so, before anything starts.
 */
class SshPasswordTest {
    @TempDir
    Path dir;

    @Test
    void thePasswordGoesToSshpassInItsEnvironmentNeverOnACommandLine() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path record = dir.resolve("sshpass.record");
        script(bin.resolve("sshpass"), "printf '%s\\n' \"SSHPASS=$SSHPASS\" \"$@\" > " + record + "\nexit 255\n");
        Path ssh = script(dir.resolve("fake-ssh"), "exit 1\n"); // ssh -G: nothing to learn
        ChildClient.Result r = client(bin + ":/usr/bin:/bin", "-e", ssh.toString(), "-r", "alice:s3cret w0rd@gw.example", "10.0.0.0/8");
        assertEquals(255, r.code(), r.stderr());
        List<String> recorded = Files.readAllLines(record);
        assertEquals("SSHPASS=s3cret w0rd", recorded.getFirst());
        assertEquals(List.of("-e", ssh.toString(), "alice@gw.example", "--"), recorded.subList(1, 5), recorded.toString());
        assertFalse(recorded.subList(1, recorded.size()).stream().anyMatch(a -> a.contains("s3cret")),
                "the password is on no command line: " + recorded);
        assertFalse(r.stderr().contains("s3cret"), r.stderr());
    }

    @Test
    void withoutSshpassAPasswordIsAUsageErrorThatSaysSo() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("empty-bin"));
        ChildClient.Result r = client(bin + ":/nonexistent", "-r", "alice:pw@gw.example", "10.0.0.0/8");
        assertEquals(ExitCodes.USAGE, r.code(), r.stderr());
        assertTrue(r.stderr().contains("sshpass, which is not installed"), r.stderr());
        assertFalse(r.stderr().contains("pw@"), "the password is not echoed: " + r.stderr());
    }

    @Test
    void theBuiltinSshRefusesAPasswordInsteadOfDroppingIt() throws Exception {
        ChildClient.Result r = client("/usr/bin:/bin", "--transport", "builtin", "-r", "alice:pw@gw.example", "10.0.0.0/8");
        assertEquals(ExitCodes.USAGE, r.code(), r.stderr());
        assertTrue(r.stderr().contains("needs the system ssh"), r.stderr());
    }

    private static ChildClient.Result client(String path, String... args) throws Exception {
        return ChildClient.run(path, args);
    }

    private static Path script(Path file, String body) throws IOException {
        return ChildClient.script(file, body);
    }
}
