package dev.sshuttle.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent jar keeps our classes and the manifest, drops client-only libraries, and is stable. */
class AgentJarTest {
    @TempDir
    Path dir;

    private Path clientJar() throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "dev.sshuttle.cli.Main");
        Path jar = dir.resolve("sshuttle.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), m)) {
            for (String name : List.of("dev/sshuttle/cli/Main.class", "picocli/CommandLine.class",
                    "org/apache/sshd/client/SshClient.class", "org/bouncycastle/Foo.class", "org/slf4j/Logger.class",
                    "META-INF/versions/9/org/bouncycastle/Bar.class", "agent/sshuttle_agent.py")) {
                JarEntry e = new JarEntry(name);
                e.setTime(1_700_000_000_000L);
                out.putNextEntry(e);
                out.write(name.getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return jar;
    }

    @Test
    void keepsOurClassesAndTheManifestAndDropsClientOnlyLibraries() throws IOException {
        Path agent = AgentJar.of(clientJar(), dir.resolve("cache"));
        try (JarFile jar = new JarFile(agent.toFile())) {
            List<String> names = Collections.list(jar.entries()).stream().map(JarEntry::getName).toList();
            assertEquals(List.of("META-INF/MANIFEST.MF", "dev/sshuttle/cli/Main.class", "picocli/CommandLine.class",
                    "agent/sshuttle_agent.py"), names);
            assertEquals("dev.sshuttle.cli.Main", jar.getManifest().getMainAttributes().getValue(Attributes.Name.MAIN_CLASS));
        }
    }

    @Test
    void theSameClientJarGivesTheSameBytes() throws IOException {
        Path client = clientJar();
        byte[] first = Files.readAllBytes(AgentJar.of(client, dir.resolve("a")));
        byte[] second = Files.readAllBytes(AgentJar.of(client, dir.resolve("b")));
        assertArrayEquals(first, second, "a different jar each run would defeat the remote's cache");
        assertTrue(first.length > 0);
    }
}
