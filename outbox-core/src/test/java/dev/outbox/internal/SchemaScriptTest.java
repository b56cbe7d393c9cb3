package dev.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.TableNames;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchemaScriptTest {

    @Test
    void renderingRenamesTablesWithTheirSchemaAndIndexesWithThePrefix() {
        String rendered = SchemaScript.render("CREATE TABLE IF NOT EXISTS outbox_message (\n    seq BIGINT\n);\n"
                + "CREATE INDEX IF NOT EXISTS outbox_message_available_idx ON outbox_message (available_at);",
                TableNames.defaults().withPrefix("billing_").inSchema("app"));
        assertThat(rendered).contains("CREATE TABLE IF NOT EXISTS app.billing_message (")
                .contains("billing_message_available_idx ON app.billing_message");
    }

    @Test
    void everyShippedVersionParsesIntoStatementsAndColumns() {
        for (String dialect : List.of("postgresql", "mysql", "h2")) {
            SchemaScript v1 = SchemaScript.load("dev/outbox/jdbc/" + dialect + "/V1__outbox.sql", TableNames.defaults());
            SchemaScript v2 = SchemaScript.load("dev/outbox/jdbc/" + dialect + "/V2__outbox.sql", TableNames.defaults());
            Map<String, List<String>> tables = v1.tables();
            assertThat(tables).containsOnlyKeys("outbox_message", "outbox_dead_letter", "outbox_inbox",
                    "outbox_partition_lease", "outbox_relay_instance");
            assertThat(tables.get("outbox_message")).startsWith("seq", "id", "destination").contains("published_at");
            assertThat(v1.statements()).allSatisfy(s -> assertThat(s).doesNotEndWith(";").doesNotContain("--"));
            assertThat(v2.tables()).as(dialect).containsEntry("outbox_dead_letter", List.of("error_class"));
        }
    }
}
