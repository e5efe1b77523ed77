package dev.sshuttle.it.tunnel;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sshuttle.it.gates.FirewallRules;
import dev.sshuttle.it.gates.ProcessTree;
import dev.sshuttle.it.target.SourceService;
import dev.sshuttle.it.topology.BackgroundProcess;
import dev.sshuttle.it.topology.Topology;
import dev.sshuttle.it.topology.TopologyExtension;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The tunnel's ssh connection dies in the middle of a download, in each way the fault proxy
 * can kill it. The client must notice within seconds and end every local connection (a reset
 * or an EOF, never a hang); then, without --reconnect, exit with 255 (README: ssh failed or
 * the connection was lost) leaving no firewall rule, or, with --reconnect, stay up and carry
 * new connections over a new ssh session once the path is healthy again.
 */
@ExtendWith(TopologyExtension.class)
class SshCutTest {
    private static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(4);
    private static final String[] KEEPALIVE = {"--keepalive", "1s", "--keepalive-timeout", KEEPALIVE_TIMEOUT.toSeconds() + "s"};
    /** A reset or a close reaches ssh at once; the bound only absorbs a busy machine. */
    private static final Duration LOUD_CUT_NOTICED_WITHIN = Duration.ofSeconds(5);
    /** A stall is seen by the keepalive alone: its timeout, a tick, ssh's teardown, room for a busy machine. */
    private static final Duration STALL_NOTICED_WITHIN = KEEPALIVE_TIMEOUT.plusSeconds(6);
    /** Local reads wait this long at most: beyond every bound above, so reaching it is a hang. */
    private static final Duration LOCAL_READ_LIMIT = Duration.ofSeconds(30);
    private static final Duration IO = Duration.ofSeconds(10);
    private static final Duration RECONNECT_WITHIN = Duration.ofSeconds(30);
    private static final Duration STOP_WITHIN = Duration.ofSeconds(20);
    private static final int EXIT_SSH_FAILED = 255;
    /** More than a cut lets through, so a download that completes means the cut did not happen. */
    private static final long DOWNLOAD_BYTES = 1L << 30;
    private static final int BEFORE_CUT_BYTES = 1 << 20;

    @ParameterizedTest
    @EnumSource(SshCut.class)
    void withoutReconnectTheClientExitsWithSshFailedAndNoRuleLeft(SshCut cut, Topology t) throws IOException {
        String name = "cut-" + cut + "-exit";
        try (SshThroughFaultProxy ssh = SshThroughFaultProxy.start(t);
             BackgroundProcess client = ssh.connectedClient(name, clientArgs(t, "-v"))) {
            cutMidDownload(t, ssh, cut, client, name, () -> !client.isAlive(), "exited");
            int code = client.awaitExit(IO);
            assertEquals(EXIT_SSH_FAILED, code, "exit code after a lost ssh connection; log:\n" + client.tail());
            assertNoticedBy(cut, client.log());
            FirewallRules.assertNoneLeft(t.client(), "the client exited after " + cut);
        }
    }

    @ParameterizedTest
    @EnumSource(SshCut.class)
    void withReconnectANewSessionCarriesNewConnections(SshCut cut, Topology t) throws IOException {
        reconnectsAfter(cut, t, "cut-" + cut + "-reconnect", "-v");
    }

    @Test
    void javaAgentReconnectsAfterAResetPeer(Topology t) throws IOException {
        reconnectsAfter(SshCut.RESET_PEER, t, "cut-java-agent", "-v", "--agent", "java");
    }

    private static void reconnectsAfter(SshCut cut, Topology t, String name, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--reconnect");
        // an attempt whose set-up hangs (seen once under load: no retry within 30 s) is given up
        // and retried well inside RECONNECT_WITHIN
        all.addAll(List.of("--setup-timeout", "10s"));
        try (SshThroughFaultProxy ssh = SshThroughFaultProxy.start(t);
             BackgroundProcess client = ssh.connectedClient(name, clientArgs(t, all.toArray(String[]::new)))) {
            cutMidDownload(t, ssh, cut, client, name, () -> client.log().contains("session lost"), "reported the lost session");
            assertTrue(client.isAlive(), "with --reconnect the client must stay up; log:\n" + client.tail());
            assertNoticedBy(cut, client.log());
            long healedAt = System.nanoTime();
            ssh.heal();
            client.awaitLog("Reconnected to server", RECONNECT_WITHIN);
            System.out.printf("%s: reconnected %d ms after the proxy was healthy again%n", name, LocalEnd.sinceMs(healedAt));
            List<ProcessTree.Proc> sshs = ProcessTree.descendants(client.pid()).stream()
                    .filter(p -> p.cmdline().startsWith("ssh ")).toList();
            assertEquals(1, sshs.size(), "one ssh for the one live session; the lost session's must be gone: " + sshs);
            TunnelTransfers.echoWithHalfClose(t, "a new connection after " + cut, IO);
            Tunnels.stopCleanly(t, client, STOP_WITHIN, "SIGTERM after reconnecting");
        }
    }

    /**
     * With an idle echo connection and a running download open through the tunnel, cuts the ssh
     * connection and checks that both local connections end and that the client notices (as
     * `noticed` tells), each within the cut's bound.
     */
    private static void cutMidDownload(Topology t, SshThroughFaultProxy ssh, SshCut cut, BackgroundProcess client,
                                       String name, BooleanSupplier noticed, String noticedAs) throws IOException {
        Duration bound = cut.silent() ? STALL_NOTICED_WITHIN : LOUD_CUT_NOTICED_WITHIN;
        try (Socket idle = t.client().connect(t.echo(), IO); Socket busy = t.client().connect(t.source(), IO)) {
            echoOnce(idle);
            busy.setSoTimeout((int) IO.toMillis());
            busy.getOutputStream().write(SourceService.request(DOWNLOAD_BYTES));
            long before = readAtLeast(busy.getInputStream(), BEFORE_CUT_BYTES);
            long cutAt = System.nanoTime();
            cut.apply(ssh.proxy());
            CompletableFuture<Long> noticedMs = CompletableFuture.supplyAsync(() -> {
                await().atMost(LOCAL_READ_LIMIT).pollInterval(Duration.ofMillis(20)).until(noticed::getAsBoolean);
                return LocalEnd.sinceMs(cutAt);
            });
            LocalEnd download = LocalEnd.readToEnd(busy, "the download", cutAt, LOCAL_READ_LIMIT, client::tail);
            LocalEnd echo = LocalEnd.readToEnd(idle, "the idle echo connection", cutAt, LOCAL_READ_LIMIT, client::tail);
            long clientMs = noticedMs.exceptionally(e -> -1L).join();
            System.out.printf("%s: client %s %d ms after the cut; download ended by %s after %d ms (%d B after the cut);"
                            + " idle echo ended by %s after %d ms%n", name, noticedAs, clientMs,
                    download.how(), download.afterCutMs(), download.bytesAfterCut(), echo.how(), echo.afterCutMs());
            assertTrue(before + download.bytesAfterCut() < DOWNLOAD_BYTES, "the download completed: the cut did not happen");
            assertTrue(clientMs >= 0 && clientMs <= bound.toMillis(),
                    "the client " + noticedAs + " " + clientMs + " ms after " + cut + ", bound " + bound + "; log:\n" + client.tail());
            assertTrue(download.afterCutMs() <= bound.toMillis(), "the download ended " + download.afterCutMs() + " ms after the cut");
            assertTrue(echo.afterCutMs() <= bound.toMillis(), "the idle connection ended " + echo.afterCutMs() + " ms after the cut");
        }
    }

    /** The cut must have been noticed the right way: a stall by the keepalive, the others by ssh ending. */
    private static void assertNoticedBy(SshCut cut, String log) {
        boolean byKeepalive = log.contains("has been silent");
        if (cut.silent()) assertTrue(byKeepalive, "a stall can only be noticed by the keepalive; log:\n" + log);
        else assertFalse(byKeepalive, cut + " should end ssh at once, not wait for the keepalive; log:\n" + log);
    }

    private static void echoOnce(Socket s) throws IOException {
        s.setSoTimeout((int) IO.toMillis());
        s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
        assertEquals("ping", new String(s.getInputStream().readNBytes(4), StandardCharsets.US_ASCII), "echo before the cut");
    }

    /** Reads until at least n bytes came (the transfer is under way); returns how many. */
    private static long readAtLeast(InputStream in, long n) throws IOException {
        byte[] buf = new byte[1 << 16];
        long total = 0;
        while (total < n) {
            int r = in.read(buf);
            assertTrue(r > 0, "the download ended after " + total + " B, before the cut");
            total += r;
        }
        return total;
    }

    private static String[] clientArgs(Topology t, String... extra) {
        List<String> args = new ArrayList<>(List.of(extra));
        args.addAll(List.of(KEEPALIVE));
        args.add(t.targetSubnet());
        return args.toArray(String[]::new);
    }
}
