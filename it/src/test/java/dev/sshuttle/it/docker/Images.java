package dev.sshuttle.it.docker;

import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.testcontainers.DockerClientFactory;

/**
 * The images the container tests use, built from the repository and never pulled by the tests:
 * the Dockerfiles under it/docker take their base images as build arguments, the public ones by
 * default ({@code debian:bookworm-slim}, {@code eclipse-temurin:25-jre}) and, where no registry
 * can be reached (CI), local ones named by {@value #BASE_ENV} and {@value #JDK_ENV} (.ci/run makes
 * them with debootstrap and from the build JDK). The real Toxiproxy image is used only where it
 * is already present.
 */
public final class Images {
    public static final String BASE_ENV = "SSHJ_BASE_IMAGE";
    public static final String JDK_ENV = "SSHJ_JDK_IMAGE";
    /** The image docker-compose.yml runs as its toxiproxy service unless TOXIPROXY_IMAGE says otherwise. */
    public static final String REAL_TOXIPROXY = "ghcr.io/shopify/toxiproxy:2.5.0";
    /** Our Toxiproxy-compatible fault proxy (FaultProxyMain) as an image: it/docker/faultproxy. */
    public static final String FAULT_PROXY = "sshuttle-java-it/faultproxy:dev";

    private static boolean faultProxyBuilt;

    private Images() {}

    /** The it module's directory (the tests' working directory). */
    public static Path itDir() {
        return Path.of(System.getProperty("user.dir")).toAbsolutePath();
    }

    /** The build arguments for the Dockerfiles: the local base images when the environment names them. */
    public static Map<String, String> buildArgs() {
        Map<String, String> args = new LinkedHashMap<>();
        String base = System.getenv(BASE_ENV);
        String jdk = System.getenv(JDK_ENV);
        if (base != null && !base.isBlank()) args.put("BASE", base);
        if (jdk != null && !jdk.isBlank()) args.put("JDK", jdk);
        return args;
    }

    /** Whether the daemon holds this image already (no pull is tried). */
    public static boolean present(String image) {
        try {
            DockerClientFactory.instance().client().inspectImageCmd(image).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    /** Builds the fault proxy image once per JVM from it/target/classes and it/target/docker-lib. */
    public static synchronized String faultProxy() {
        if (faultProxyBuilt) return FAULT_PROXY;
        Path it = itDir();
        for (String needed : new String[] {"target/classes/dev/sshuttle/it/faults/FaultProxyMain.class", "target/docker-lib"}) {
            if (!Files.exists(it.resolve(needed)))
                throw new IllegalStateException(it.resolve(needed) + " is missing: build the it module first (./mvnw -B -ntp package -DskipTests)");
        }
        long t0 = System.nanoTime();
        var cmd = DockerClientFactory.instance().client()
                .buildImageCmd()
                .withBaseDirectory(it.toFile())
                .withDockerfile(new File(it.toFile(), "docker/faultproxy/Dockerfile"))
                .withTags(Set.of(FAULT_PROXY))
                .withPull(false)
                .withRemove(true);
        buildArgs().forEach(cmd::withBuildArg);
        cmd.exec(new BuildImageResultCallback()).awaitImageId();
        System.out.printf("built %s from it/docker/faultproxy (%s) in %d ms%n", FAULT_PROXY,
                buildArgs().isEmpty() ? "public base images" : buildArgs(), (System.nanoTime() - t0) / 1_000_000);
        faultProxyBuilt = true;
        return FAULT_PROXY;
    }
}
