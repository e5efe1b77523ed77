package dev.sshuttle.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the argument list sshuttle parses: the words of {@code SSHUTTLE_ARGS} (shlex-split)
 * before the command line, then every {@code @file} replaced by its lines
 * (argparse's {@code fromfile_prefix_chars='@'} with sshuttle's
 * {@code convert_arg_line_to_args}): one argument per line, surrounding whitespace stripped,
 * matching surrounding quotes stripped, lines starting with '#' and blank lines skipped. A
 * file may name further {@code @files}, up to {@link #MAX_DEPTH} levels.
 */
public final class ArgsExpander {
    public static final String ENV_VAR = "SSHUTTLE_ARGS";
    static final int MAX_DEPTH = 8;

    private ArgsExpander() {}

    public static List<String> expand(List<String> argv, String sshuttleArgsEnv) {
        List<String> all = new ArrayList<>();
        if (sshuttleArgsEnv != null && !sshuttleArgsEnv.isBlank()) {
            try {
                all.addAll(ShellWords.split(sshuttleArgsEnv));
            } catch (BadArgumentException e) {
                throw new BadArgumentException(ENV_VAR + ": " + e.getMessage());
            }
        }
        all.addAll(argv);
        List<String> out = new ArrayList<>();
        expandInto(all, out, 0);
        return out;
    }

    private static void expandInto(List<String> args, List<String> out, int depth) {
        for (String arg : args) {
            if (arg.length() > 1 && arg.startsWith("@")) {
                if (depth >= MAX_DEPTH) throw new BadArgumentException("@files nested more than " + MAX_DEPTH + " deep at " + arg);
                expandInto(readArgsFile(Path.of(arg.substring(1))), out, depth + 1);
            } else {
                out.add(arg);
            }
        }
    }

    static List<String> readArgsFile(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BadArgumentException("cannot read arguments file " + file + ": " + SubnetParser.describe(e));
        }
        List<String> args = new ArrayList<>();
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            args.add(unquote(line));
        }
        return args;
    }

    /** Users copy {@code '--opt=value'} from a shell line; sshuttle drops such matching quotes. */
    private static String unquote(String line) {
        if (line.length() >= 2) {
            char first = line.charAt(0);
            if ((first == '\'' || first == '"') && line.charAt(line.length() - 1) == first) {
                return line.substring(1, line.length() - 1);
            }
        }
        return line;
    }
}
