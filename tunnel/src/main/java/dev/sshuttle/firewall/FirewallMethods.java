package dev.sshuttle.firewall;

import java.util.List;

/** Turns a method name (auto, nat, nft) into a working method on this host. */
public final class FirewallMethods {
    public static final List<String> NAMES = List.of("auto", "nat", "nft", "tproxy");

    private FirewallMethods() {}

    /**
     * @param iptablesBackend null for the system's choice, or "legacy" / "nft" to pin the
     *                        iptables backend of the nat method
     */
    public static FirewallMethod resolve(String name, ProcessRunner runner, String iptablesBackend)
            throws FirewallException {
        return switch (name) {
            case "nat" -> nat(runner, iptablesBackend);
            case "nft" -> nft(runner);
            case "auto" -> {
                try {
                    yield nat(runner, iptablesBackend);
                } catch (FirewallException natFailure) {
                    try {
                        yield nft(runner);
                    } catch (FirewallException nftFailure) {
                        throw new FirewallException("no firewall method works here: nat: "
                                + natFailure.getMessage() + "; nft: " + nftFailure.getMessage());
                    }
                }
            }
            case "tproxy" -> tproxy(runner, iptablesBackend);
            default -> throw new FirewallException("unknown firewall method '" + name + "' (use one of "
                    + String.join(", ", NAMES) + ")");
        };
    }

    private static NatMethod nat(ProcessRunner runner, String backend) throws FirewallException {
        return new NatMethod(usableIptables(runner, backend, "nat", "OUTPUT"));
    }

    /** The mark and UDP come with the client's GO line ({@link TproxyMethod#with}). */
    private static TproxyMethod tproxy(ProcessRunner runner, String backend) throws FirewallException {
        Iptables iptables = usableIptables(runner, backend, "mangle", "PREROUTING");
        String ip = ToolPaths.find("ip");
        if (ip == null) throw new FirewallException("ip (iproute2) not found (looked for a root-owned ip in " + ToolPaths.DIRECTORIES + "); tproxy needs it for its policy routing");
        return new TproxyMethod(iptables, ip, TproxyMethod.DEFAULT_MARK, false);
    }

    /** iptables whose table is usable, not just present (a kernel without that table fails here). */
    private static Iptables usableIptables(ProcessRunner runner, String backend, String table, String chain)
            throws FirewallException {
        Iptables iptables = Iptables.detect(runner, backend);
        CommandRunner.Result probe;
        try {
            probe = runner.run(List.of(iptables.v4(), "-w", "-t", table, "-S", chain));
        } catch (java.io.IOException e) {
            throw new FirewallException(iptables.v4() + " does not run: " + e.getMessage());
        }
        probe.orThrow();
        return iptables;
    }

    private static NftMethod nft(ProcessRunner runner) throws FirewallException {
        String nft = ToolPaths.find("nft");
        if (nft == null) throw new FirewallException("nft not found (looked for a root-owned nft in " + ToolPaths.DIRECTORIES + ")");
        if (!runner.works(List.of(nft, "list", "tables"))) {
            throw new FirewallException("nft not usable ('nft list tables' failed)");
        }
        return new NftMethod(nft);
    }
}
