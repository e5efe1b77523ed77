package dev.sshuttle.firewall;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/** An IP family as the firewall sees it, with the numbers and words each tool uses for it. */
public enum Family {
    IPV4(2, 32, "ipv4", "ip"),
    IPV6(10, 128, "ipv6", "ip6");

    /** Linux AF_* value, used on the helper's line protocol as sshuttle does. */
    public final int afNumber;
    public final int maxWidth;
    /** nft's nfproto word and table-name part. */
    final String nftName;
    /** nft's address-match keyword (ip daddr / ip6 daddr). */
    final String nftAddressKeyword;

    Family(int afNumber, int maxWidth, String nftName, String nftAddressKeyword) {
        this.afNumber = afNumber;
        this.maxWidth = maxWidth;
        this.nftName = nftName;
        this.nftAddressKeyword = nftAddressKeyword;
    }

    public static Family of(InetAddress address) {
        return address instanceof Inet6Address ? IPV6 : IPV4;
    }

    /** The family for an AF number on the line protocol: 2 is IPv4, everything else IPv6 (as sshuttle's server does). */
    public static Family ofAfNumber(int af) {
        return af == IPV4.afNumber ? IPV4 : IPV6;
    }

    static boolean matches(Family family, InetAddress address) {
        return family == IPV4 ? address instanceof Inet4Address : address instanceof Inet6Address;
    }
}
