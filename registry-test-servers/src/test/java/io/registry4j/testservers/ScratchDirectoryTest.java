package io.registry4j.testservers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ScratchDirectoryTest {

    @Test
    void createsDirectoriesUnderTheModulesTargetByDefault() {
        if (System.getProperty(ScratchDirectory.ROOT_PROPERTY) == null) {
            assertThat(ScratchDirectory.root())
                    .isEqualTo(Path.of("").toAbsolutePath().resolve("target").resolve("test-servers"));
        }
        try (ScratchDirectory directory = ScratchDirectory.create("scratch-test")) {
            assertThat(directory.path()).isDirectory().startsWith(ScratchDirectory.root());
            assertThat(directory.path().getFileName().toString()).startsWith("scratch-test-");
        }
    }

    @Test
    void honoursTheRootProperty() {
        String previous = System.getProperty(ScratchDirectory.ROOT_PROPERTY);
        Path custom = Path.of("target", "custom-scratch-root").toAbsolutePath();
        System.setProperty(ScratchDirectory.ROOT_PROPERTY, custom.toString());
        try (ScratchDirectory directory = ScratchDirectory.create("custom")) {
            assertThat(directory.path()).startsWith(custom).isDirectory();
        } finally {
            ScratchDirectory.deleteRecursively(custom);
            if (previous == null) {
                System.clearProperty(ScratchDirectory.ROOT_PROPERTY);
            } else {
                System.setProperty(ScratchDirectory.ROOT_PROPERTY, previous);
            }
        }
    }

    @Test
    void closeDeletesEverythingInsideAndIsIdempotent() throws IOException {
        ScratchDirectory directory = ScratchDirectory.create("scratch-test");
        Path nested = Files.createDirectories(directory.resolve("a/b"));
        Files.writeString(nested.resolve("file.txt"), "data");
        Files.writeString(directory.resolve("top.log"), "log");

        directory.close();
        directory.close();

        assertThat(directory.path()).doesNotExist();
    }

    @Test
    void everyDirectoryIsNew() {
        try (ScratchDirectory first = ScratchDirectory.create("same");
                ScratchDirectory second = ScratchDirectory.create("same")) {
            assertThat(first.path()).isNotEqualTo(second.path());
        }
    }
}
