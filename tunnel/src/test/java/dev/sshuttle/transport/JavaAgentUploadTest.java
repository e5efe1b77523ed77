package dev.sshuttle.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.sys.NeedsRoot;
import dev.sshuttle.testkit.Prerequisites;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The remote half of the jar upload, run here with sh (HOME standing in for the remote's):
 * the first start stores the jar, the next finds it, and a cache that cannot be written ends
 * with a sentence and no partial file.
 */
class JavaAgentUploadTest {
    @TempDir
    Path dir;

    private Path fakeJar(int bytes) throws IOException {
        byte[] content = new byte[bytes];
        new Random(7).nextBytes(content);
        return Files.write(dir.resolve("agent.jar"), content);
    }

    /** Runs the remote command under sh with the given HOME (optionally wrapped), plays the client's side. */
    private void exchange(JavaAgentUpload upload, Path home, List<String> wrapper) throws Exception {
        List<String> argv = new java.util.ArrayList<>(wrapper);
        argv.addAll(List.of("sh", "-c", upload.remoteCommand(null)));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("HOME", home.toString());
        Process p = pb.start();
        try {
            upload.upload(p.getInputStream(), p.getOutputStream());
        } finally {
            p.getOutputStream().close();
            if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
        }
    }

    private static List<Path> cached(Path home) throws IOException {
        Path cache = home.resolve(".cache/sshuttle-java");
        if (!Files.isDirectory(cache)) return List.of();
        try (Stream<Path> files = Files.list(cache)) {
            return files.toList();
        }
    }

    @Test
    void theFirstStartStoresTheJarAndTheNextFindsIt() throws Exception {
        Path jar = fakeJar(300_000);
        Path home = Files.createDirectories(dir.resolve("home"));
        JavaAgentUpload upload = new JavaAgentUpload(jar);
        exchange(upload, home, List.of()); // NEED, bytes, STORED
        List<Path> files = cached(home);
        assertTrue(files.size() == 1 && files.get(0).getFileName().toString().endsWith(".jar"), files.toString());
        assertArrayEquals(Files.readAllBytes(jar), Files.readAllBytes(files.get(0)));
        exchange(upload, home, List.of()); // HAVE: nothing sent
        assertTrue(cached(home).size() == 1);
    }

    @Test
    void aTruncatedOrAlteredCachedJarIsSentAgain() throws Exception {
        Path jar = fakeJar(300_000);
        Path home = Files.createDirectories(dir.resolve("home"));
        JavaAgentUpload upload = new JavaAgentUpload(jar);
        exchange(upload, home, List.of());
        Path cachedJar = cached(home).getFirst();
        byte[] good = Files.readAllBytes(jar);
        Files.write(cachedJar, java.util.Arrays.copyOf(good, 1000)); // an upload cut short
        exchange(upload, home, List.of());
        assertArrayEquals(good, Files.readAllBytes(cachedJar), "a truncated jar must be replaced");
        byte[] altered = good.clone();
        altered[150_000] ^= 1; // same size, other content
        Files.write(cachedJar, altered);
        exchange(upload, home, List.of());
        assertArrayEquals(good, Files.readAllBytes(cachedJar), "an altered jar must be replaced");
    }

    @Test
    void theCacheDirectoryIsTheUsersOnly() throws Exception {
        Path home = Files.createDirectories(dir.resolve("home"));
        exchange(new JavaAgentUpload(fakeJar(1000)), home, List.of());
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(home.resolve(".cache/sshuttle-java"))));
    }

    @Test
    void aCacheDirectoryOthersCanWriteIsRefused() throws Exception {
        Path home = Files.createDirectories(dir.resolve("home"));
        Path cache = Files.createDirectories(home.resolve(".cache/sshuttle-java"));
        Files.setPosixFilePermissions(cache, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        IOException e = assertThrows(IOException.class, () -> exchange(new JavaAgentUpload(fakeJar(1000)), home, List.of()));
        assertTrue(e.getMessage().contains("writable by others"), e.getMessage());
        assertEquals(List.of(), cached(home), "nothing stored there");
    }

    @Test
    void aCacheThatCannotBeCreatedIsReportedInASentence() throws Exception {
        JavaAgentUpload upload = new JavaAgentUpload(fakeJar(300_000));
        IOException e = assertThrows(IOException.class, () -> exchange(upload, Path.of("/proc/1/no-such-home"), List.of()));
        assertTrue(e.getMessage().contains("disk full or not writable"), e.getMessage());
    }

    @Test
    @NeedsRoot // root for a small tmpfs in a private mount namespace
    void aFullDiskLeavesNoPartialJar() throws Exception {
        Prerequisites.requireRootAndTools("unshare");
        Path home = Files.createDirectories(dir.resolve("small-home"));
        JavaAgentUpload upload = new JavaAgentUpload(fakeJar(2_000_000));
        // a 256 KiB tmpfs over HOME, in a mount namespace of its own: the 2 MB jar cannot fit;
        // after the failure the script lists what is left in the cache into HOME's parent
        Path leftovers = dir.resolve("leftovers.txt");
        String mountThenRun = "mount -t tmpfs -o size=256k tmpfs \"$HOME\" && sh -c \"$1\"; s=$?; "
                + "ls -A \"$HOME/.cache/sshuttle-java\" > " + leftovers + " 2>&1; exit $s";
        List<String> argv = List.of("unshare", "-m", "--propagation", "private", "sh", "-c", mountThenRun, "sh",
                upload.remoteCommand(null));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("HOME", home.toString());
        Process p = pb.start();
        IOException e;
        try {
            e = assertThrows(IOException.class, () -> upload.upload(p.getInputStream(), p.getOutputStream()));
        } finally {
            p.getOutputStream().close();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the remote script ends");
        }
        assertTrue(e.getMessage().contains("disk full"), e.getMessage());
        assertFalse(Files.readString(leftovers).strip().contains(".jar"), "no partial jar left: " + Files.readString(leftovers));
    }

    @Test
    @NeedsRoot // root to hide /usr/lib/jvm in a private mount namespace
    void withAFallbackARemoteWithoutAJdkRunsTheOtherAgentInTheSameSession() throws Exception {
        Prerequisites.requireRootAndTools("unshare");
        JavaAgentUpload upload = new JavaAgentUpload(fakeJar(1000));
        // no JDK anywhere: /usr/lib/jvm hidden under an empty tmpfs, JAVA_HOME unset
        String hideJdks = "mount -t tmpfs tmpfs /usr/lib/jvm && unset JAVA_HOME && sh -c \"$1\"";
        ProcessBuilder pb = new ProcessBuilder("unshare", "-m", "--propagation", "private", "sh", "-c", hideJdks, "sh",
                upload.remoteCommand(null, "echo FALLBACK-RAN; exit 0")).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("HOME", Files.createDirectories(dir.resolve("home")).toString());
        Process p = pb.start();
        try {
            assertThrows(JavaAgentUpload.NoRemoteJavaException.class, () -> upload.upload(p.getInputStream(), p.getOutputStream()));
            String next = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).strip();
            assertTrue(next.equals("FALLBACK-RAN"), "the fallback runs after NOJAVA, got: " + next);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "the fallback's exit status is the session's");
        } finally {
            p.destroyForcibly();
        }
    }
}
