package dev.sshuttle.it.topology;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.testkit.Prerequisites;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A scratch namespace exists with lo up until close(), which also ends what still runs inside. */
class ScratchNamespaceTest {

    @Test
    void existsWithLoopbackUpUntilClosedAndCloseKillsWhatRunsInside() throws Exception {
        Prerequisites.requireRootAndTools("ip", "sleep");
        ProcessHandle sleeper;
        String name;
        try (ScratchNamespace ns = ScratchNamespace.create()) {
            name = ns.name();
            assertTrue(name.startsWith(NamespaceReaper.PREFIX) && name.endsWith("-scratch"), name);
            assertTrue(NamespaceReaper.listPrefixed().contains(name));
            assertTrue(ns.exec("ip", "link", "show", "lo").contains("UP"), "lo is up");
            sleeper = ns.netns().command("sleep", "60").start().toHandle();
        }
        assertFalse(Files.exists(Netns.named(name).path()), name + " is gone");
        sleeper.onExit().get(Duration.ofSeconds(10).toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertFalse(sleeper.isAlive());
    }
}
