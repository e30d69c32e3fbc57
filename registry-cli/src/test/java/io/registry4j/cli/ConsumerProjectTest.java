package io.registry4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.registry4j.testservers.TestTime;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds small consumer projects the way a user would (the wrapper's Maven, a private local repository under the
 * test's temporary directory, never the user's {@code ~/.m2} as a target) against the artifacts this reactor just
 * built, and checks what Maven resolves for them: one version per library family (all {@code io.netty:*} alike, all
 * {@code io.grpc:*}, …), and for every library our own tests run with, exactly that version. Once with a backend
 * alone (what its published pom gives), once with the BOM imported and every backend (Polaris' and Nacos' SDKs among
 * them, which ask for different Jackson and SnakeYAML versions).
 */
@DisplayName("a consumer project resolves one tested version per library family")
class ConsumerProjectTest {
    private static final String VERSION = "0.1.0-SNAPSHOT";
    private static final List<String> MODULES = List.of(
            "registry-api",
            "registry-http-support",
            "registry-etcd",
            "registry-zookeeper",
            "registry-eureka",
            "registry-nacos",
            "registry-polaris",
            "registry-consul",
            "registry-kubernetes");
    /** Families whose artifacts are released together under one version. */
    private static final List<Pattern> FAMILIES = List.of(
            Pattern.compile("io\\.netty:netty-(?!tcnative).*"),
            Pattern.compile("io\\.grpc:grpc-.*"),
            Pattern.compile("io\\.vertx:vertx-.*"),
            Pattern.compile("com\\.google\\.protobuf:protobuf-java.*"),
            Pattern.compile("org\\.slf4j:.*"),
            // jackson-databind and the modules released with it (dataformats, datatypes); jackson-core has patch
            // releases of its own (2.18.4.1) and jackson-annotations its own numbering since 2.20.
            Pattern.compile("com\\.fasterxml\\.jackson\\.(?!core:jackson-(?:core|annotations)$).*"));
    /**
     * What the Polaris SDK and nacos-client both use, at different versions, and registry-bom aligns: a project with
     * either backend must run the versions our tests ran.
     */
    private static final Set<String> YAML_AND_JACKSON = Set.of(
            "com.fasterxml.jackson.core:jackson-databind",
            "com.fasterxml.jackson.dataformat:jackson-dataformat-yaml",
            "org.yaml:snakeyaml");

    @Test
    @DisplayName("registry-etcd alone, without the BOM: its published pom gives the tested versions")
    void etcdAlone(@TempDir Path dir) throws Exception {
        Map<String, String> resolved = resolve(dir, false, List.of("registry-etcd"));
        check(resolved, false);
    }

    @Test
    @DisplayName("registry-polaris alone, without the BOM: its published pom gives the tested versions")
    void polarisAlone(@TempDir Path dir) throws Exception {
        Map<String, String> resolved = resolve(dir, false, List.of("registry-polaris"));
        check(resolved, true);
    }

    @Test
    @DisplayName("registry-kubernetes alone, without the BOM: its published pom gives the tested versions")
    void kubernetesAlone(@TempDir Path dir) throws Exception {
        Map<String, String> resolved = resolve(dir, false, List.of("registry-kubernetes"));
        check(resolved, false);
    }

    @Test
    @DisplayName("every backend with registry-bom imported: the BOM gives the tested versions")
    void everyBackendWithTheBom(@TempDir Path dir) throws Exception {
        Map<String, String> resolved = resolve(
                dir,
                true,
                List.of(
                        "registry-etcd",
                        "registry-zookeeper",
                        "registry-eureka",
                        "registry-nacos",
                        "registry-polaris",
                        "registry-consul",
                        "registry-kubernetes"));
        check(resolved, true);
    }

    /**
     * Checks one version per family, and the versions our tests ran.
     *
     * @param resolved what the consumer resolved
     * @param withYaml whether the project has Nacos or Polaris, whose YAML and Jackson registry-bom aligns (etcd alone
     *     gets Vert.x's own Jackson)
     */
    private static void check(Map<String, String> resolved, boolean withYaml) {
        assertThat(resolved).as("resolved artifacts").containsKey("io.registry4j:registry-api");
        List<String> mixed = new ArrayList<>();
        for (Pattern family : FAMILIES) {
            Set<String> versions = new TreeSet<>();
            resolved.forEach((ga, v) -> {
                if (family.matcher(ga).matches()) {
                    versions.add(v);
                }
            });
            if (versions.size() > 1) {
                List<String> members = new ArrayList<>();
                resolved.forEach((ga, v) -> {
                    if (family.matcher(ga).matches()) {
                        members.add(ga + ":" + v);
                    }
                });
                mixed.add(family.pattern() + " " + versions + " " + members);
            }
        }
        assertThat(mixed)
                .as("library families resolved to more than one version")
                .isEmpty();
        Map<String, String> tested = testedVersions();
        List<String> untested = new ArrayList<>();
        resolved.forEach((ga, v) -> {
            String ours = tested.get(ga);
            if (ours != null && !ours.equals(v) && (aligned(ga) || (withYaml && YAML_AND_JACKSON.contains(ga)))) {
                untested.add(ga + ": consumer gets " + v + ", our tests ran " + ours);
            }
        });
        assertThat(untested)
                .as("versions that differ from the ones our tests ran")
                .isEmpty();
    }

    /**
     * The libraries the BOM aligns and a backend's pom pins: the families above and Guava. (Jackson is aligned for the
     * CLI's mix of Nacos and Vert.x; a project with etcd alone gets Vert.x's own Jackson.)
     */
    private static boolean aligned(String ga) {
        if (ga.equals("com.google.guava:guava")) {
            return true;
        }
        for (Pattern family : FAMILIES) {
            if (family.matcher(ga).matches()) {
                return true;
            }
        }
        return false;
    }

    /** group:artifact → version of every jar on this test's own class path, read from the local repository layout. */
    private static Map<String, String> testedVersions() {
        Map<String, String> out = new TreeMap<>();
        String repo = localRepository().toString() + File.separator;
        for (String entry : classPath().split(File.pathSeparator, -1)) {
            if (!entry.startsWith(repo)) {
                continue;
            }
            String[] parts = entry.substring(repo.length()).split(Pattern.quote(File.separator), -1);
            if (parts.length < 4) {
                continue;
            }
            String version = parts[parts.length - 2];
            String artifact = parts[parts.length - 3];
            String group = String.join(".", List.of(parts).subList(0, parts.length - 3));
            out.put(group + ":" + artifact, version);
        }
        return out;
    }

    private static Map<String, String> resolve(Path dir, boolean bom, List<String> backends) throws Exception {
        Path root = projectRoot();
        Path repo = dir.resolve("m2");
        // Our artifacts, as `mvn install` would leave them, into the private repository only.
        install(repo, "registry4j-parent", root.resolve("pom.xml"), null);
        install(repo, "registry-bom", root.resolve("registry-bom/pom.xml"), null);
        for (String m : MODULES) {
            Path jar = root.resolve(m + "/target/" + m + "-" + VERSION + ".jar");
            assertThat(jar)
                    .as("the reactor built " + m + " (run the build with -am)")
                    .isRegularFile();
            install(repo, m, root.resolve(m + "/pom.xml"), jar);
        }
        StringBuilder deps = new StringBuilder();
        for (String b : backends) {
            deps.append("<dependency><groupId>io.registry4j</groupId><artifactId>")
                    .append(b)
                    .append("</artifactId>")
                    .append(bom ? "" : "<version>" + VERSION + "</version>")
                    .append("</dependency>\n");
        }
        String management = bom
                ? "<dependencyManagement><dependencies><dependency><groupId>io.registry4j</groupId>"
                        + "<artifactId>registry-bom</artifactId><version>" + VERSION + "</version><type>pom</type>"
                        + "<scope>import</scope></dependency></dependencies></dependencyManagement>\n"
                : "";
        Path project = Files.createDirectories(dir.resolve("consumer"));
        Files.writeString(
                project.resolve("pom.xml"),
                "<project xmlns=\"http://maven.apache.org/POM/4.0.0\"><modelVersion>4.0.0</modelVersion>\n"
                        + "<groupId>example</groupId><artifactId>consumer</artifactId><version>1</version>\n"
                        + management + "<dependencies>\n" + deps + "</dependencies></project>\n",
                StandardCharsets.UTF_8);
        // Third-party artifacts come from the user's repository, read as a remote one ahead of Maven Central, so
        // nothing is written there. Central serves what the reactor never needed (a version only a consumer without
        // the BOM resolves): the test holds on a machine whose caches were empty before this build too.
        String userRepository =
                "<id>user-repository</id><url>" + localRepository().toUri() + "</url>"
                        + "<releases><enabled>true</enabled></releases><snapshots><enabled>false</enabled></snapshots>";
        Path settings = dir.resolve("settings.xml");
        Files.writeString(
                settings,
                "<settings><profiles><profile><id>user-repository</id>"
                        + "<repositories><repository>" + userRepository + "</repository></repositories>"
                        + "<pluginRepositories><pluginRepository>" + userRepository + "</pluginRepository>"
                        + "</pluginRepositories></profile></profiles>"
                        + "<activeProfiles><activeProfile>user-repository</activeProfile></activeProfiles></settings>\n",
                StandardCharsets.UTF_8);
        Path list = dir.resolve("dependencies.txt");
        List<String> command = List.of(
                root.resolve("mvnw").toString(),
                "-B",
                "-q",
                "-s",
                settings.toString(),
                "-Dmaven.repo.local=" + repo,
                "org.apache.maven.plugins:maven-dependency-plugin:" + dependencyPluginVersion() + ":list",
                "-DincludeScope=runtime",
                "-DoutputFile=" + list);
        Path log = dir.resolve("maven.log");
        Process maven = new ProcessBuilder(command)
                .directory(project.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        assertThat(maven.waitFor(
                        TestTime.scaled(java.time.Duration.ofMinutes(3)).toMillis(), TimeUnit.MILLISECONDS))
                .as("the consumer's Maven run ends")
                .isTrue();
        assertThat(maven.exitValue())
                .as("the consumer's Maven run:\n" + Files.readString(log, StandardCharsets.UTF_8))
                .isZero();
        Map<String, String> resolved = new TreeMap<>();
        Matcher m = Pattern.compile(
                        "(?m)^\\s+([^:\\s]+):([^:\\s]+):[^:\\s]+:(?:[^:\\s]+:)?([^:\\s]+):(compile|runtime)")
                .matcher(Files.readString(list, StandardCharsets.UTF_8));
        while (m.find()) {
            resolved.put(m.group(1) + ":" + m.group(2), m.group(3));
        }
        return resolved;
    }

    private static void install(Path repo, String artifact, Path pom, @Nullable Path jar) throws IOException {
        Path dir = Files.createDirectories(repo.resolve("io/registry4j/" + artifact + "/" + VERSION));
        Files.copy(pom, dir.resolve(artifact + "-" + VERSION + ".pom"), StandardCopyOption.REPLACE_EXISTING);
        if (jar != null) {
            Files.copy(jar, dir.resolve(artifact + "-" + VERSION + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * The dependency plugin's version: the one the reactor's own build uses (the parent pom hands it to the tests), so
     * the plugin is in the user's repository wherever this module was built, from cold caches too.
     */
    private static String dependencyPluginVersion() {
        String given = System.getProperty("registry4j.test.dependencyPluginVersion");
        if (given == null || given.isBlank()) {
            throw new IllegalStateException(
                    "registry4j.test.dependencyPluginVersion is not set: the parent pom's surefire configuration sets it");
        }
        return given;
    }

    private static Path localRepository() {
        String given = System.getProperty("maven.repo.local");
        return (given != null && !given.isBlank()
                        ? Path.of(given)
                        : Path.of(System.getProperty("user.home"), ".m2", "repository"))
                .toAbsolutePath();
    }

    private static String classPath() {
        String path = System.getProperty("surefire.test.class.path");
        return path != null && !path.isBlank() ? path : System.getProperty("java.class.path");
    }

    private static Path projectRoot() {
        Path dir = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("mvnw")) && Files.isDirectory(p.resolve("registry-bom"))) {
                return p;
            }
        }
        throw new IllegalStateException("no project root above " + dir);
    }
}
