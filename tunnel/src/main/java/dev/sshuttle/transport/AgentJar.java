package dev.sshuttle.transport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;

/**
 * The jar the Java agent runs from: the client's own jar without what only the client needs
 * (MINA SSHD and Bouncy Castle for --transport builtin, slf4j): about a tenth of the bytes to
 * send over ssh the first time. Deterministic (entry order and times kept), so the same client
 * jar always gives the same agent jar and the remote cache, keyed by its hash, keeps hitting.
 */
public final class AgentJar {
    private static final List<String> CLIENT_ONLY = List.of("org/apache/", "org/bouncycastle/", "org/slf4j/",
            "META-INF/versions/", "META-INF/maven/");

    private AgentJar() {}

    /**
     * Writes the agent jar for clientJar into dir (once per client jar) and returns it. Tries
     * twice: another sshuttle may clear its cache (dir) between our temporary file and its move.
     */
    public static Path of(Path clientJar, Path dir) throws IOException {
        Path target = dir.resolve("sshuttle-agent-" + Files.size(clientJar) + "-"
                + Files.getLastModifiedTime(clientJar).toMillis() + ".jar");
        for (int attempt = 1; ; attempt++) {
            if (Files.isRegularFile(target)) return target;
            try {
                write(clientJar, dir, target);
                return target;
            } catch (java.nio.file.NoSuchFileException e) {
                if (attempt == 2) throw new IOException("cannot write the agent jar in " + dir + ": " + e.getMessage()
                        + " vanished while it was written (is something clearing that directory?)", e);
            }
        }
    }

    private static void write(Path clientJar, Path dir, Path target) throws IOException {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "agent", ".jar.tmp");
        try {
            try (JarFile in = new JarFile(clientJar.toFile());
                 JarOutputStream out = new JarOutputStream(Files.newOutputStream(tmp))) {
                // the manifest with the client jar's time, not now (as JarOutputStream(out, manifest)
                // would): the same client jar must give the same bytes
                ZipEntry manifest = new ZipEntry(JarFile.MANIFEST_NAME);
                JarEntry clientManifest = in.getJarEntry(JarFile.MANIFEST_NAME);
                manifest.setTime(clientManifest != null ? clientManifest.getTime() : Files.getLastModifiedTime(clientJar).toMillis());
                out.putNextEntry(manifest);
                in.getManifest().write(out);
                out.closeEntry();
                for (JarEntry e : Collections.list(in.entries())) {
                    String name = e.getName();
                    if (name.equals(JarFile.MANIFEST_NAME) || name.equals("META-INF/") || clientOnly(name)) continue;
                    ZipEntry copy = new ZipEntry(name);
                    copy.setTime(e.getTime());
                    out.putNextEntry(copy);
                    try (InputStream data = in.getInputStream(e)) {
                        data.transferTo(out);
                    }
                    out.closeEntry();
                }
            }
            Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            if (e instanceof java.nio.file.NoSuchFileException) throw e; // of() tries once more
            throw new IOException("cannot write the agent jar in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static boolean clientOnly(String name) {
        for (String prefix : CLIENT_ONLY) if (name.startsWith(prefix)) return true;
        return false;
    }
}
