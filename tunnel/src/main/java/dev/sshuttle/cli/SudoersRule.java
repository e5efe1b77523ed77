package dev.sshuttle.cli;

import dev.sshuttle.config.BadArgumentException;
import dev.sshuttle.firewall.FirewallMethods;
import dev.sshuttle.firewall.HelperCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code --sudoers-no-modify [--sudoers-user WHO]}: prints a sudoers rule that lets one user
 * (or {@code %group}) start exactly our firewall helper as root without a password: the
 * same java, flags, jar and arguments the client runs, one command per method, no wildcards.
 * Like sshuttle it changes nothing; the administrator installs it with visudo.
 */
final class SudoersRule {
    private static final String ALIAS = "SSHUTTLE_JAVA_HELPER";

    private SudoersRule() {}

    /** A user name, or %group: letters, digits, '_', '.', '-' (no sudoers syntax can sneak in). */
    static String checkedUser(String who) {
        if (who == null || !who.matches("%?[A-Za-z_][A-Za-z0-9_.-]{0,31}")) {
            throw new BadArgumentException("--sudoers-user must be a user name or %group, not '" + who + "'");
        }
        return who;
    }

    static String text(String who) throws IOException {
        String user = checkedUser(who);
        List<String> commands = new ArrayList<>();
        for (String method : FirewallMethods.NAMES) {
            List<String> argv = HelperCommand.helperArgv(method);
            commands.add(String.join(" ", argv.stream().map(SudoersRule::escape).toList()));
        }
        List<String> argv = HelperCommand.helperArgv("auto");
        StringBuilder b = new StringBuilder();
        b.append("# sshuttle (Java): lets ").append(user).append(" start the firewall helper as root without a password.\n");
        b.append("# Install it with: sudo visudo -f /etc/sudoers.d/sshuttle-java  (and paste this)\n");
        for (String warning : writableWarnings(argv)) b.append("# WARNING: ").append(warning).append('\n');
        b.append("Cmnd_Alias ").append(ALIAS).append(" = ").append(String.join(", \\\n    ", commands)).append('\n');
        b.append(user).append(" ALL=(root) NOPASSWD: ").append(ALIAS).append('\n');
        return b.toString();
    }

    /** sudoers needs these escaped in command arguments. */
    static String escape(String arg) {
        StringBuilder b = new StringBuilder();
        for (char c : arg.toCharArray()) {
            if (c == '\\' || c == ',' || c == ':' || c == '=' || c == ' ' || c == '"' || c == '#') b.append('\\');
            b.append(c);
        }
        return b.toString();
    }

    /** The java binary and the jar run as root: anyone who may change them (or their directory) is root too. */
    private static List<String> writableWarnings(List<String> argv) {
        List<String> warnings = new ArrayList<>();
        List<Path> files = new ArrayList<>(List.of(Path.of(argv.getFirst())));
        int jar = argv.indexOf("-jar");
        if (jar >= 0) files.add(Path.of(argv.get(jar + 1)));
        for (Path f : files) {
            for (Path p : List.of(f, f.toAbsolutePath().getParent())) {
                if (!rootOnly(p)) {
                    warnings.add(p + " is not root-owned and writable by root only: whoever can change it gets root through this rule");
                }
            }
        }
        return warnings;
    }

    private static boolean rootOnly(Path p) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            Object uid = Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            return uid.equals(0) && !perms.contains(PosixFilePermission.GROUP_WRITE)
                    && !perms.contains(PosixFilePermission.OTHERS_WRITE);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
