package dev.sshuttle.it.docker;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The repository's docker-compose.yml driven through the compose CLI users have: {@code docker
 * compose} (v2) where it exists, else {@code docker-compose} (v1, Debian's package). The same file
 * users run; CI changes only environment variables it reads (base images, TOXIPROXY_IMAGE).
 */
final class Compose {
    record Result(List<String> argv, int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }

        Result orThrow() {
            if (!ok()) throw new IllegalStateException("exit " + exitCode + ": " + String.join(" ", argv) + "\n" + output.strip());
            return this;
        }
    }

    private static List<String> cli;

    private final Path repo;
    private final String project;
    private final Map<String, String> env;

    private Compose(String project, Map<String, String> env) {
        this.repo = Images.itDir().getParent();
        this.project = project;
        this.env = Map.copyOf(env);
    }

    /** The compose CLI on this machine, or null when there is none. */
    static synchronized List<String> cli() {
        if (cli == null) {
            for (List<String> candidate : List.of(List.of("docker", "compose"), List.of("docker-compose"))) {
                List<String> argv = new ArrayList<>(candidate);
                argv.add("version");
                if (run(argv, Path.of("."), Map.of(), Duration.ofSeconds(30)).ok()) {
                    cli = candidate;
                    break;
                }
            }
            if (cli == null) cli = List.of();
        }
        return cli.isEmpty() ? null : cli;
    }

    /** This JVM's project (named after its PID, see {@link DockerLeftovers}), with extra environment. */
    static Compose forThisJvm(Map<String, String> env) {
        return new Compose(DockerLeftovers.PROJECT_PREFIX + DockerLeftovers.owner(), env);
    }

    /** A project a dead test JVM left behind. */
    static Compose leftover(String project) {
        return new Compose(project, Map.of());
    }

    String project() {
        return project;
    }

    Result run(Duration timeout, String... args) {
        List<String> argv = new ArrayList<>(cli());
        argv.addAll(List.of("-f", repo.resolve("docker-compose.yml").toString(), "-p", project));
        argv.addAll(List.of(args));
        return run(argv, repo, env, timeout);
    }

    Result exec(String service, Duration timeout, String... command) {
        List<String> args = new ArrayList<>(List.of("exec", "-T", service));
        args.addAll(List.of(command));
        return run(timeout, args.toArray(String[]::new));
    }

    String logs(String service) {
        return run(Duration.ofSeconds(60), "logs", "--no-color", service).output();
    }

    /** The host port a service's container port is published on. */
    int port(String service, int containerPort) {
        String out = run(Duration.ofSeconds(30), "port", service, Integer.toString(containerPort)).orThrow().output().strip();
        return Integer.parseInt(out.substring(out.lastIndexOf(':') + 1).strip());
    }

    Result down() {
        return run(Duration.ofMinutes(3), "down", "-v", "--remove-orphans");
    }

    private static Result run(List<String> argv, Path dir, Map<String, String> env, Duration timeout) {
        try {
            // under target/, so a killed test JVM leaves nothing in /tmp
            Path dirForLog = Images.itDir().resolve("target");
            Files.createDirectories(dirForLog);
            File out = Files.createTempFile(dirForLog, "compose", ".log").toFile();
            try {
                ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true)
                        .redirectOutput(out).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
                pb.environment().putAll(env);
                Process p;
                try {
                    p = pb.start();
                } catch (IOException e) {
                    return new Result(argv, 127, "cannot start " + argv.getFirst() + ": " + e.getMessage());
                }
                boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (!done) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
                String text = Files.readString(out.toPath(), StandardCharsets.UTF_8);
                return new Result(argv, done ? p.exitValue() : 124, done ? text : text + "\n(timed out after " + timeout + ")");
            } finally {
                out.delete();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", argv), e);
        }
    }
}
