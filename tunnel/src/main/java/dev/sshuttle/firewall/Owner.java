package dev.sshuttle.firewall;

/**
 * Whose traffic is captured: everyone's ({@link #ANY}), or only the sockets of one uid and/or
 * gid ({@code --user}, {@code --group}). Only the nat method can tell, through iptables' owner
 * match in the mangle table, as the original does.
 */
public record Owner(Integer uid, Integer gid) {
    public static final Owner ANY = new Owner(null, null);

    public Owner {
        if (uid != null && uid < 0) throw new IllegalArgumentException("uid " + uid + " is negative");
        if (gid != null && gid < 0) throw new IllegalArgumentException("gid " + gid + " is negative");
    }

    public boolean isAny() {
        return uid == null && gid == null;
    }
}
