package dev.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.NullMarked;
import org.junit.jupiter.api.Test;

/** The published boundary: the module exports the API packages and nothing of the implementation. */
class ModuleBoundaryTest {

    private static final ModuleDescriptor MODULE = ModuleFinder.of(Path.of("target", "classes"))
            .find("dev.outbox.core").orElseThrow().descriptor();

    @Test
    void theModuleExportsTheApiAndNoInternalPackage() {
        assertThat(exported())
                .containsExactlyInAnyOrder("dev.outbox", "dev.outbox.spi", "dev.outbox.jdbc", "dev.outbox.micrometer",
                        "dev.outbox.inmemory", "dev.outbox.opentelemetry");
        assertThat(MODULE.packages()).contains("dev.outbox.internal", "dev.outbox.internal.relay",
                "dev.outbox.internal.consumer");
    }

    @Test
    void everyExportedPackageIsNullMarked() throws ClassNotFoundException {
        for (String name : exported()) {
            Class<?> info = Class.forName(name + ".package-info");
            assertThat(info.isAnnotationPresent(NullMarked.class)).as(name).isTrue();
        }
    }

    private static Set<String> exported() {
        return MODULE.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
    }
}
