package io.registry4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles every {@code ```java} block of the project's README against the reactor's classes (this module's test
 * class path holds the API, every backend and registry-grpc), so that an example cannot drift from the API. A block
 * that declares a class is compiled as written, imports included; any other block is compiled as the body of a method
 * that may throw, with {@code io.registry4j.*}, {@code io.registry4j.grpc.*}, {@code io.grpc.*}, {@code java.util.*}
 * and {@code java.util.concurrent.*} imported.
 */
@DisplayName("the README's Java examples compile")
class ReadmeSnippetsTest {

    @Test
    @DisplayName("every ```java block of README.md compiles against the current API")
    void readmeJavaBlocksCompile(@TempDir Path out) throws IOException {
        Path readme = projectRoot().resolve("README.md");
        List<String> blocks = javaBlocks(Files.readString(readme, StandardCharsets.UTF_8));
        assertThat(blocks).as("```java blocks in " + readme).isNotEmpty();
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac).as("a JDK compiler").isNotNull();
        for (int i = 0; i < blocks.size(); i++) {
            String source = compilationUnit(blocks.get(i), i);
            DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
            StringWriter log = new StringWriter();
            try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
                boolean ok = javac.getTask(
                                log,
                                files,
                                diagnostics,
                                List.of("-classpath", classPath(), "-d", out.toString(), "-proc:none"),
                                null,
                                List.of(new Source(source)))
                        .call();
                assertThat(ok)
                        .as("README block " + (i + 1) + " compiles:\n" + source + "\n" + diagnostics.getDiagnostics()
                                + log)
                        .isTrue();
            }
        }
    }

    /**
     * The first example is what a new user copies into a file and runs: it must be a whole program, imports and
     * checked exceptions included, not a fragment the test wraps (the lenient wrapping above would hide both).
     */
    @Test
    @DisplayName("the README's first Java example is a whole program that compiles as written")
    void firstExampleCompilesAsWritten(@TempDir Path out) throws IOException {
        Path readme = projectRoot().resolve("README.md");
        List<String> blocks = javaBlocks(Files.readString(readme, StandardCharsets.UTF_8));
        assertThat(blocks).as("```java blocks in " + readme).isNotEmpty();
        String first = blocks.get(0);
        assertThat(first)
                .as("the first ```java block of the README declares its class and imports")
                .containsPattern("(?m)^import ")
                .containsPattern("(?m)^(public )?(final )?class ");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac).as("a JDK compiler").isNotNull();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StringWriter log = new StringWriter();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
            boolean ok = javac.getTask(
                            log,
                            files,
                            diagnostics,
                            List.of("-classpath", classPath(), "-d", out.toString(), "-proc:none"),
                            null,
                            List.of(new Source(first)))
                    .call();
            assertThat(ok)
                    .as("the first README block compiles as written:\n" + first + "\n" + diagnostics.getDiagnostics()
                            + log)
                    .isTrue();
        }
    }

    static List<String> javaBlocks(String markdown) {
        List<String> blocks = new ArrayList<>();
        StringBuilder current = null;
        for (String line : markdown.split("\n", -1)) {
            if (current == null) {
                if (line.strip().equals("```java")) {
                    current = new StringBuilder();
                }
            } else if (line.strip().equals("```")) {
                blocks.add(current.toString());
                current = null;
            } else {
                current.append(line).append('\n');
            }
        }
        return blocks;
    }

    private static String compilationUnit(String block, int index) {
        if (block.contains("class ") || block.contains("record ") || block.contains("interface ")) {
            return block;
        }
        return "import io.registry4j.*;\nimport io.registry4j.grpc.*;\nimport io.grpc.*;\nimport java.util.*;\n"
                + "import java.util.concurrent.*;\n\nclass ReadmeBlock"
                + index + " {\n    void run() throws Exception {\n" + block + "\n    }\n}\n";
    }

    private static String classPath() {
        // Surefire may start the JVM with a manifest-only jar; it names the real class path in this property.
        String path = System.getProperty("surefire.test.class.path");
        return path != null && !path.isBlank() ? path : System.getProperty("java.class.path");
    }

    private static Path projectRoot() {
        Path dir = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("README.md")) && Files.isRegularFile(p.resolve("mvnw"))) {
                return p;
            }
        }
        throw new IllegalStateException("no project root (README.md and mvnw) above " + dir);
    }

    private static final class Source extends SimpleJavaFileObject {
        private final String code;

        Source(String code) {
            super(URI.create("string:///" + className(code).replace('.', File.separatorChar) + ".java"), Kind.SOURCE);
            this.code = code;
        }

        private static String className(String code) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:class|record|interface)\\s+(\\w+)")
                    .matcher(code);
            return m.find() ? m.group(1) : "ReadmeBlock";
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return code;
        }
    }
}
