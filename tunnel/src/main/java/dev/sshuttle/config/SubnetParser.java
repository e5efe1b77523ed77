package dev.sshuttle.config;

import dev.sshuttle.net.Family;

import dev.sshuttle.net.SubnetRule;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * sshuttle's subnet syntax ({@code options.py: parse_subnetport}):
 * <pre>
 *   1.2.3.4/5:678  1.2.3.4:567  1.2.3.4/16  1.2.3.4  0/0  10/8 (= 0.0.0.10/8, inet_aton)
 *   [1:2::3/64]:456  [1:2::3]:456  1:2::3/64  1:2::3
 *   example.com:123  example.com  (every resolved address)
 *   any of the above with a port range :8000-8080
 * </pre>
 * A string with more than one ':' is IPv6; the width then goes inside the brackets.
 */
public final class SubnetParser {

    private static final Pattern V4_OR_NAME =
            Pattern.compile("((?:\\*\\.)?[\\w.\\-]+)(?:/(\\d+))?(?::(\\d+)(?:-(\\d+))?)?");
    private static final Pattern V6 =
            Pattern.compile("(?:\\[?(?:\\*\\.)?([\\w:]+)(?:/(\\d+))?\\]?)(?::(\\d+)(?:-(\\d+))?)?");

    private final HostResolver resolver;
    private final Consumer<String> warnings;

    public SubnetParser(HostResolver resolver, Consumer<String> warnings) {
        this.resolver = Objects.requireNonNull(resolver);
        this.warnings = Objects.requireNonNull(warnings);
    }

    /** The system resolver; warnings go to standard error. */
    public static SubnetParser system() {
        return new SubnetParser(HostResolver.SYSTEM, w -> System.err.println("sshuttle: warning: " + w));
    }

    /** One argument; a host name yields one rule per resolved address. */
    public List<SubnetRule> parse(String text, boolean exclude) {
        boolean v6 = text.chars().filter(c -> c == ':').count() > 1;
        Matcher m = (v6 ? V6 : V4_OR_NAME).matcher(text);
        if (!m.matches()) {
            throw new BadArgumentException("'" + text + "' is not a valid address/mask:port format"
                    + " (examples: 10.0.0.0/8, 1.2.3.4:80, 10.0.0.0/8:1000-2000, [2001:db8::/32]:443)");
        }
        String host = m.group(1);
        Integer width = m.group(2) == null ? null : parseNumber(m.group(2), "width", text);
        int[] ports = parsePorts(m.group(3), m.group(4), text);

        List<InetAddress> addresses = resolve(host, v6);
        if (width != null) checkMixedFamilies(host, width, addresses);

        List<SubnetRule> rules = new ArrayList<>(addresses.size());
        for (InetAddress address : addresses) {
            Family family = Family.of(address);
            int w = width == null ? family.maxWidth : width;
            if (w > family.maxWidth) {
                throw new BadArgumentException("'" + text + "': the width /" + w + " is not between 0 and "
                        + family.maxWidth);
            }
            rules.add(new SubnetRule(family, address, w, exclude, ports[0], ports[1]));
        }
        return rules;
    }

    /** Every argument of {@code texts}, flattened in order. */
    public List<SubnetRule> parseAll(List<String> texts, boolean exclude) {
        List<SubnetRule> rules = new ArrayList<>();
        for (String text : texts) rules.addAll(parse(text, exclude));
        return rules;
    }

    /**
     * A {@code -s}/{@code -X} file: one subnet per line; blank lines and lines starting with
     * '#' (after trimming) are skipped.
     */
    public List<SubnetRule> parseFile(Path file, boolean exclude) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BadArgumentException("unable to open subnet file " + file + ": " + describe(e));
        }
        List<SubnetRule> rules = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            try {
                rules.addAll(parse(line, exclude));
            } catch (BadArgumentException e) {
                throw new BadArgumentException(file + " line " + (i + 1) + ": " + e.getMessage());
            }
        }
        return rules;
    }

    private List<InetAddress> resolve(String host, boolean v6) {
        InetAddress[] found;
        try {
            found = resolver.resolve(host);
        } catch (UnknownHostException e) {
            throw new BadArgumentException("unable to resolve address: " + host);
        }
        Set<InetAddress> unique = new LinkedHashSet<>();
        for (InetAddress a : found) unique.add(v6 && a instanceof Inet4Address ? mapped(a) : a);
        if (unique.isEmpty()) throw new BadArgumentException("unable to resolve address: " + host);
        return List.copyOf(unique);
    }

    /** Java turns ::ffff:a.b.c.d literals into IPv4; sshuttle keeps them IPv6. */
    private static InetAddress mapped(InetAddress v4) {
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(v4.getAddress(), 0, b, 12, 4);
        try {
            return Inet6Address.getByAddress(null, b, null);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 16 bytes are always a valid IPv6 address
        }
    }

    private void checkMixedFamilies(String host, int width, List<InetAddress> addresses) {
        long v4 = addresses.stream().filter(a -> a instanceof Inet4Address).count();
        long v6 = addresses.size() - v4;
        if (v4 > 0 && v6 > 0) {
            throw new BadArgumentException(host + " has IPv4 and IPv6 addresses, so the mask of /" + width
                    + " is not supported; give the IP addresses directly to use a mask");
        }
        if (v4 > 1 || v6 > 1) {
            warnings.accept(host + " has multiple IP addresses; the mask /" + width
                    + " is applied to all of them");
        }
    }

    private static int[] parsePorts(String from, String to, String text) {
        if (from == null) return new int[] {0, 0};
        int f = parseNumber(from, "port", text);
        int t = to == null ? f : parseNumber(to, "port", text);
        if (f == 0 && t == 0) return new int[] {0, 0}; // sshuttle: ":0" means every port
        if (f < 1 || t < 1 || f > 65535 || t > 65535) {
            throw new BadArgumentException("'" + text + "': ports must be between 1 and 65535");
        }
        if (f > t) {
            throw new BadArgumentException("'" + text + "': the port range " + f + "-" + t + " is reversed");
        }
        return new int[] {f, t};
    }

    private static int parseNumber(String digits, String what, String text) {
        if (digits.length() > 6) throw new BadArgumentException("'" + text + "': " + what + " " + digits + " is too large");
        return Integer.parseInt(digits);
    }

    static String describe(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) return "no such file";
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
