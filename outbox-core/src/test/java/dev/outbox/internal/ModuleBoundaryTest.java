package dev.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The published boundary: the module exports the API packages and nothing of the implementation. */
class ModuleBoundaryTest {

    @Test
    void theModuleExportsTheApiAndNoInternalPackage() {
        ModuleDescriptor module = ModuleFinder.of(Path.of("target", "classes")).find("dev.outbox.core")
                .orElseThrow().descriptor();
        assertThat(module.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("dev.outbox", "dev.outbox.spi", "dev.outbox.jdbc", "dev.outbox.micrometer",
                        "dev.outbox.inmemory", "dev.outbox.opentelemetry");
        assertThat(module.packages()).contains("dev.outbox.internal", "dev.outbox.internal.relay",
                "dev.outbox.internal.consumer");
    }
}
