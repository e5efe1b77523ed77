package dev.sshuttle.firewall;

import dev.sshuttle.net.Family;

import java.util.List;

/**
 * Which iptables programs to run: the v4 and v6 binaries of one backend. Hosts have the
 * nf_tables backend ({@code iptables-nft}), the legacy one ({@code iptables-legacy}), or both;
 * plain {@code iptables} is whichever the system chose, which {@code iptables -V} tells.
 */
public record Iptables(String v4, String v6, String backend) {
    public static final String NFT = "nf_tables";
    public static final String LEGACY = "legacy";

    public String binary(Family family) {
        return family == Family.IPV4 ? v4 : v6;
    }

    /**
     * Finds the programs. {@code forcedBackend} ("legacy" or "nft"/"nf_tables", or null) pins
     * the backend; otherwise plain {@code iptables} is used with the backend it reports, and
     * ip6tables of the same backend (never a v4/v6 mix).
     */
    public static Iptables detect(ProcessRunner runner, String forcedBackend) throws FirewallException {
        if (forcedBackend != null && !forcedBackend.isBlank()) {
            String suffix = switch (forcedBackend) {
                case "legacy" -> "legacy";
                case "nft", "nf_tables" -> "nft";
                default -> throw new FirewallException("unknown iptables backend '" + forcedBackend
                        + "' (use legacy or nft)");
            };
            String v4 = ToolPaths.find("iptables-" + suffix);
            if (v4 == null || backendOf(runner, v4) == null) throw new FirewallException("iptables-" + suffix + " does not run");
            return new Iptables(v4, tool("ip6tables-" + suffix), suffix.equals("nft") ? NFT : LEGACY);
        }
        String iptables = ToolPaths.find("iptables");
        String backend = backendOf(runner, iptables);
        if (backend != null) {
            String ip6tables = ToolPaths.find("ip6tables");
            String v6 = backend.equals(backendOf(runner, ip6tables)) ? ip6tables
                    : tool("ip6tables-" + (backend.equals(NFT) ? "nft" : "legacy"));
            return new Iptables(iptables, v6, backend);
        }
        for (String suffix : List.of("nft", "legacy")) {
            String v4 = ToolPaths.find("iptables-" + suffix);
            backend = backendOf(runner, v4);
            if (backend != null) return new Iptables(v4, tool("ip6tables-" + suffix), backend);
        }
        throw new FirewallException("iptables not found (looked for root-owned iptables, iptables-nft, iptables-legacy in "
                + ToolPaths.DIRECTORIES + ")");
    }

    /** The trusted path of a tool; a missing one keeps its bare name, which then fails to run (no PATH lookup as root). */
    private static String tool(String name) {
        String path = ToolPaths.find(name);
        return path != null ? path : ToolPaths.DIRECTORIES.getFirst().resolve(name).toString();
    }

    /** "nf_tables" or "legacy" from {@code <binary> -V}, or null if it does not run (or is null). */
    static String backendOf(ProcessRunner runner, String binary) {
        if (binary == null) return null;
        try {
            CommandRunner.Result version = runner.run(List.of(binary, "-V"));
            if (!version.ok()) return null;
            return version.output().contains("(" + NFT + ")") ? NFT : LEGACY;
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
