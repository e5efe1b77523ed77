package dev.sshuttle.firewall;

import java.util.List;

/** Turns a method name (auto, nat, nft) into a working method on this host. */
public final class FirewallMethods {
    public static final List<String> NAMES = List.of("auto", "nat", "nft");

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
            case "tproxy" -> throw new FirewallException("method tproxy is not supported yet; use nat or nft");
            default -> throw new FirewallException("unknown firewall method '" + name + "' (use one of "
                    + String.join(", ", NAMES) + ")");
        };
    }

    private static NatMethod nat(ProcessRunner runner, String backend) throws FirewallException {
        Iptables iptables = Iptables.detect(runner, backend);
        // the nat table must be usable, not just the binary present (a kernel without it fails here)
        CommandRunner.Result probe;
        try {
            probe = runner.run(List.of(iptables.v4(), "-w", "-t", "nat", "-S", "OUTPUT"));
        } catch (java.io.IOException e) {
            throw new FirewallException(iptables.v4() + " does not run: " + e.getMessage());
        }
        probe.orThrow();
        return new NatMethod(iptables);
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
