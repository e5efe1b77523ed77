package dev.sshuttle.cli;

import dev.sshuttle.exit.ExitCodes;

import dev.sshuttle.config.ArgsExpander;
import dev.sshuttle.config.BadArgumentException;
import dev.sshuttle.config.ClientOptions;
import dev.sshuttle.config.HostResolver;
import dev.sshuttle.startup.StartTimeline;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * The jar's entry point. {@code --server} runs the Java agent, {@code --firewall} the firewall
 * helper (both take their own arguments); anything else is the client command line.
 */
public final class Main {
    static final String USAGE_HINT =
            "usage: sshuttle [-l [ip:]port] -r [user@]sshserver[:port] <subnets...>  (sshuttle --help for more)";

    private final Runners runners;
    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final HostResolver resolver;
    private final Path workingDirectory;

    public Main(Runners runners, PrintStream out, PrintStream err, Map<String, String> env, HostResolver resolver,
                Path workingDirectory) {
        this.runners = runners;
        this.out = out;
        this.err = err;
        this.env = env;
        this.resolver = resolver;
        this.workingDirectory = workingDirectory;
    }

    public static void main(String[] args) {
        StartTimeline.mark("the JVM runs main()");
        Main main = new Main(Runners.production(), System.out, System.err, System.getenv(), HostResolver.SYSTEM,
                Path.of("").toAbsolutePath());
        int code = main.run(args);
        System.out.flush();
        System.exit(code);
    }

    /** Runs one command line to its end and returns the exit code (see {@link ExitCodes}). */
    public int run(String[] args) {
        List<String> argv = Arrays.asList(args);
        if (argv.equals(List.of(AotTraining.OPTION))) {
            StartTimeline.discard();
            return AotTraining.run(err);
        }
        if (argv.contains("--server") || argv.contains("--firewall")) StartTimeline.discard();
        if (argv.contains("--server")) {
            return runGuarded(() -> runners.agent().run(without(argv, "--server")), 0);
        }
        if (argv.contains("--firewall")) {
            return runGuarded(() -> runners.firewall().run(without(argv, "--firewall")), 0);
        }
        if (!argv.isEmpty() && argv.getFirst().equals("status")) {
            return runGuarded(() -> StatusCommand.run(argv.subList(1, argv.size()), out, err, env), 0);
        }
        return runClient(argv);
    }

    private int runClient(List<String> argv) {
        dev.sshuttle.sys.NativeWarmUp.start(); // beside the parse: see its comment
        List<String> expanded;
        ClientCommand command = new ClientCommand();
        CommandLine commandLine = newCommandLine(command);
        ClientOptions options;
        try {
            expanded = ArgsExpander.expand(argv, env.get(ArgsExpander.ENV_VAR));
            commandLine.parseArgs(expanded.toArray(String[]::new));
            if (commandLine.isUsageHelpRequested()) {
                commandLine.usage(out);
                return ExitCodes.OK;
            }
            if (command.sudoersNoModify) {
                String who = command.sudoersUser != null ? command.sudoersUser : env.getOrDefault("SUDO_USER",
                        System.getProperty("user.name"));
                SudoersRule.checkedUser(who);
                return runGuarded(() -> {
                    out.print(SudoersRule.text(who));
                    return ExitCodes.OK;
                }, 0);
            }
            if (command.sudoersUser != null) throw new BadArgumentException("--sudoers-user only goes with --sudoers-no-modify");
            if (commandLine.isVersionHelpRequested()) {
                out.println(Version.line());
                return ExitCodes.OK;
            }
            options = command.toOptions(resolver, w -> err.println("sshuttle: warning: " + w), workingDirectory);
            if (options.verbose() > 0) {
                StartTimeline.mark("options parsed");
                StartTimeline.print(err);
            } else {
                StartTimeline.discard();
            }
        } catch (CommandLine.ParameterException | BadArgumentException e) {
            return usageError(e.getMessage());
        }

        if (NamespaceReexec.wanted(command, env)) {
            List<String> prefix;
            try {
                prefix = NamespaceReexec.prefix(command.namespace, command.namespacePid);
            } catch (BadArgumentException e) {
                return usageError(e.getMessage());
            }
            // this process only waits: the tunnel runs in the child, inside the namespace
            return runGuarded(() -> NamespaceReexec.run(prefix, expanded), options.verbose());
        }
        if (options.daemon() && !Daemonizer.isChild(env)) {
            List<String> childCommand = Daemonizer.selfCommand(Main.class.getName(), expanded);
            Daemonizer daemonizer = new Daemonizer(options.pidfile(), out, err);
            return runGuarded(() -> {
                int code = daemonizer.launch(childCommand, options.logfile());
                if (code == ExitCodes.OK && options.verbose() > 0) {
                    err.println("sshuttle: running in the background (pidfile " + options.pidfile() + ")");
                }
                return code;
            }, options.verbose());
        }
        Daemonizer.initChild(env);
        SignalExit.install();
        return runGuarded(() -> runners.client().run(options), options.verbose());
    }

    static CommandLine newCommandLine(ClientCommand command) {
        CommandLine commandLine = new CommandLine(command);
        commandLine.setOverwrittenOptionsAllowed(true); // argparse: the last value wins
        commandLine.setAbbreviatedOptionsAllowed(true); // argparse: unique prefixes of long options
        commandLine.setExpandAtFiles(false);            // ArgsExpander does sshuttle's @file format
        commandLine.setPosixClusteredShortOptionsAllowed(true);
        return commandLine;
    }

    private int usageError(String message) {
        err.println("sshuttle: " + firstLine(message));
        err.println(USAGE_HINT);
        return ExitCodes.USAGE;
    }

    @FunctionalInterface
    private interface Body {
        int run() throws Exception;
    }

    /** One line for every failure; the stack trace only at -vv and above. */
    private int runGuarded(Body body, int verbose) {
        try {
            return body.run();
        } catch (SshuttleException e) {
            err.println("sshuttle: " + firstLine(e.getMessage()));
            if (verbose >= 2 && e.getCause() != null) e.getCause().printStackTrace(err);
            return e.exitCode();
        } catch (BadArgumentException e) {
            return usageError(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.OK;
        } catch (Exception | Error e) {
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            err.println("sshuttle: " + firstLine(message));
            if (verbose >= 2) e.printStackTrace(err);
            return ExitCodes.FAILURE;
        }
    }

    private static String firstLine(String message) {
        if (message == null) return "error";
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static String[] without(List<String> argv, String marker) {
        List<String> rest = new ArrayList<>(argv);
        rest.remove(marker);
        return rest.toArray(String[]::new);
    }
}
