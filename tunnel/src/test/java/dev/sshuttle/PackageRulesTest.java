package dev.sshuttle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package rules written in each product package's package-info.java ("Allowed imports:
 * ..."), checked against the code: every package has the line, no source file refers to a
 * package of ours its package does not allow (imports and fully qualified names alike; comments
 * and string literals do not count), and the allowed graph has no cycle.
 */
class PackageRulesTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/sshuttle");
    private static final Pattern ALLOWED = Pattern.compile("Allowed imports:(.*?)(;|\\.\\s)", Pattern.DOTALL);
    private static final Pattern CODE_NAME = Pattern.compile("\\{@code (\\w+)}");
    private static final Pattern OURS = Pattern.compile("\\bdev\\.sshuttle\\.([a-z]+)\\.");

    @Test
    void everyPackageSaysWhatItMayImport() throws IOException {
        Map<String, Set<String>> rules = rules();
        assertEquals(packages(), rules.keySet(), "a package-info.java with 'Allowed imports:' in every package");
    }

    @Test
    void noPackageImportsWhatItsPackageInfoDoesNotAllow() throws IOException {
        Map<String, Set<String>> rules = rules();
        List<String> broken = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                String pkg = SOURCES.relativize(file).getName(0).toString();
                Set<String> allowed = rules.getOrDefault(pkg, Set.of());
                Matcher m = OURS.matcher(codeOnly(Files.readString(file)));
                Set<String> used = new TreeSet<>();
                while (m.find()) used.add(m.group(1));
                used.remove(pkg);
                if (!allowed.contains("*")) used.removeAll(allowed);
                else used.clear();
                if (!used.isEmpty()) broken.add(SOURCES.relativize(file) + " uses " + used);
            }
        }
        assertTrue(broken.isEmpty(), "imports their package-info does not allow:\n" + String.join("\n", broken));
    }

    @Test
    void theAllowedGraphHasNoCycle() throws IOException {
        Map<String, Set<String>> rules = rules();
        for (String start : rules.keySet()) {
            if (rules.get(start).contains("*")) continue; // the top (cli) may use anything; nothing may use it
            Set<String> seen = new HashSet<>();
            List<String> todo = new ArrayList<>(rules.get(start));
            while (!todo.isEmpty()) {
                String next = todo.removeLast();
                if (next.equals(start)) fail(start + " reaches itself through the allowed imports");
                if (seen.add(next)) todo.addAll(rules.getOrDefault(next, Set.of()));
            }
        }
    }

    @Test
    void theCheckSeesAFullyQualifiedNameButNotAComment() {
        String code = codeOnly("""
                // dev.sshuttle.cli.Main in a comment
                /** {@link dev.sshuttle.cli.Main} */
                String s = "dev.sshuttle.cli.Main";
                dev.sshuttle.client.TunnelClient c;
                """);
        Matcher m = OURS.matcher(code);
        assertTrue(m.find());
        assertEquals("client", m.group(1));
        assertTrue(!m.find(), code);
    }

    /** Package name to what its package-info allows ("*" for everything). */
    private static Map<String, Set<String>> rules() throws IOException {
        Map<String, Set<String>> rules = new TreeMap<>();
        for (String pkg : packages()) {
            Path info = SOURCES.resolve(pkg).resolve("package-info.java");
            if (!Files.exists(info)) continue;
            Matcher m = ALLOWED.matcher(Files.readString(info).replaceAll("\\s*\\n\\s*\\*\\s*", " "));
            if (!m.find()) continue;
            String text = m.group(1);
            Set<String> allowed = new TreeSet<>();
            if (text.contains("every package of ours")) allowed.add("*");
            Matcher names = CODE_NAME.matcher(text);
            while (names.find()) allowed.add(names.group(1));
            rules.put(pkg, allowed);
        }
        return rules;
    }

    private static Set<String> packages() throws IOException {
        try (Stream<Path> dirs = Files.list(SOURCES)) {
            return new TreeSet<>(dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).toList());
        }
    }

    /** The source with comments and string, text-block and char literals blanked out. */
    static String codeOnly(String source) {
        StringBuilder code = new StringBuilder(source.length());
        int i = 0;
        int n = source.length();
        while (i < n) {
            char c = source.charAt(i);
            if (source.startsWith("//", i)) {
                while (i < n && source.charAt(i) != '\n') i++;
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                code.append(' ');
            } else if (source.startsWith("\"\"\"", i)) {
                int end = source.indexOf("\"\"\"", i + 3);
                i = end < 0 ? n : end + 3;
                code.append("\"\"");
            } else if (c == '"' || c == '\'') {
                i++;
                while (i < n && source.charAt(i) != c && source.charAt(i) != '\n') {
                    i += source.charAt(i) == '\\' ? 2 : 1;
                }
                i++;
                code.append(c).append(c);
            } else {
                code.append(c);
                i++;
            }
        }
        return code.toString();
    }
}
