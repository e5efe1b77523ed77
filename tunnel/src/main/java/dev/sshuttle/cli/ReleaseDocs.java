package dev.sshuttle.cli;

import dev.sshuttle.exit.ExitCodes;

import java.io.PrintStream;
import java.time.LocalDate;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The man page and the shell completion of a release, generated from the same picocli model the
 * client parses with, so they cannot drift from the options. The release build runs
 * {@code java -cp sshuttle.jar dev.sshuttle.cli.ReleaseDocs man|bash|zsh NAME VERSION}.
 */
public final class ReleaseDocs {
    private ReleaseDocs() {}

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: ReleaseDocs man|bash|zsh COMMAND-NAME VERSION");
            System.exit(ExitCodes.USAGE);
        }
        CommandLine commandLine = Main.newCommandLine(new ClientCommand());
        commandLine.getCommandSpec().name(args[1]);
        PrintStream out = System.out;
        switch (args[0]) {
            case "man" -> out.print(manPage(commandLine.getCommandSpec(), args[2]));
            case "bash" -> out.print(AutoComplete.bash(args[1], commandLine));
            // zsh runs bash completion functions through bashcompinit
            case "zsh" -> out.print("#compdef " + args[1] + "\nautoload -U +X bashcompinit && bashcompinit\n"
                    + AutoComplete.bash(args[1], commandLine));
            default -> {
                System.err.println("ReleaseDocs: unknown kind '" + args[0] + "' (man, bash or zsh)");
                System.exit(ExitCodes.USAGE);
            }
        }
        out.flush();
    }

    /** A man(7) page: name, synopsis, description, every option and argument, exit status. */
    static String manPage(CommandSpec spec, String version) {
        String name = spec.name();
        StringBuilder man = new StringBuilder()
                .append(".TH ").append(name.toUpperCase()).append(" 1 \"").append(LocalDate.now()).append("\" \"")
                .append(name).append(' ').append(version).append("\" \"User Commands\"\n")
                .append(".SH NAME\n").append(roff(name)).append(" \\- transparent proxy VPN over ssh (sshuttle on the JVM)\n")
                .append(".SH SYNOPSIS\n.B ").append(roff(name)).append('\n')
                .append(roff(String.join(" ", spec.usageMessage().customSynopsis()).replaceFirst("^sshuttle ", ""))).append('\n')
                .append(".SH DESCRIPTION\n").append(roff(String.join(" ", spec.usageMessage().description()))).append('\n')
                .append(".SH OPTIONS\n");
        for (PositionalParamSpec p : spec.positionalParameters()) {
            man.append(".TP\n.I ").append(roff(p.paramLabel())).append('\n')
                    .append(roff(String.join(" ", p.description()))).append('\n');
        }
        for (OptionSpec o : spec.options()) {
            if (o.hidden()) continue;
            man.append(".TP\n.B ").append(roff(String.join(", ", o.names())));
            if (o.arity().max() > 0) man.append(" \\fI").append(roff(o.paramLabel())).append("\\fR");
            man.append('\n').append(roff(String.join(" ", o.description()))).append('\n');
        }
        man.append(".SH EXIT STATUS\n").append(roff(String.join(" ", spec.usageMessage().footer()).strip()
                .replaceFirst("^Exit codes: ", ""))).append('\n')
                .append(".SH FILES\n.TP\n.I /opt/sshuttle-java\nthe release: its own Java runtime, the jar and its start-up cache\n")
                .append(".SH SEE ALSO\n.BR sshuttle (8),\n.BR ssh (1)\n");
        return man.toString();
    }

    /** Text safe in roff: backslashes doubled, a leading dot or quote escaped, dashes as \-. */
    static String roff(String text) {
        String t = text.replace("\\", "\\\\").replace("-", "\\-");
        return t.startsWith(".") || t.startsWith("'") ? "\\&" + t : t;
    }
}
