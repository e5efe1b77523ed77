package dev.sshuttle.cli;

import dev.sshuttle.sys.Libc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --logfile and --pidfile (often in a shared directory, written as root): no symlink followed, owner-only. */
class DaemonFilesTest {
    @TempDir
    Path dir;

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void theLogFileIsCreatedForTheOwnerOnly() throws IOException {
        Path log = dir.resolve("sshuttle.log");
        int fd = DaemonChild.openLogFile(log.toString());
        assertTrue(fd >= 0, "open failed");
        Libc.closeQuietly(fd);
        assertEquals("rw-------", mode(log));
    }

    @Test
    void aSymlinkedLogFileIsNotFollowed() throws IOException {
        Path victim = Files.writeString(dir.resolve("victim"), "precious\n");
        Path log = Files.createSymbolicLink(dir.resolve("sshuttle.log"), victim);
        assertEquals(-1, DaemonChild.openLogFile(log.toString()));
        assertEquals("precious\n", Files.readString(victim));
    }

    @Test
    void thePidfileIsRewrittenOnlyIfItIsNoSymlink() throws IOException {
        Path victim = Files.writeString(dir.resolve("victim"), "precious\n");
        Path pidfile = Files.createSymbolicLink(dir.resolve("sshuttle.pid"), victim);
        assertThrows(IOException.class, () -> DaemonChild.writePid(pidfile, 4242));
        assertEquals("precious\n", Files.readString(victim));
        Path plain = dir.resolve("plain.pid");
        DaemonChild.writePid(plain, 4242);
        assertEquals("4242\n", Files.readString(plain));
        assertEquals("rw-------", mode(plain));
    }

    @Test
    void theClaimedPidfileIsForTheOwnerOnly() throws Exception {
        Path pidfile = dir.resolve("claimed.pid");
        new Daemonizer(pidfile, new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()))
                .claimPidfile(ProcessHandle.current().pid());
        assertEquals("rw-------", mode(pidfile));
    }
}
