package dev.outbox.internal;

import dev.outbox.TableNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A dialect's versioned schema script, rendered for configured table names. The shipped files use the default
 * names; rendering renames tables (qualified with the schema) and index names (prefixed only, as PostgreSQL
 * does not accept a schema there).
 */
public final class SchemaScript {
    private static final Set<String> TABLES = Set.of("message", "dead_letter", "inbox", "partition_lease", "relay_instance");
    private static final Pattern NAME = Pattern.compile("\\b" + TableNames.DEFAULT_PREFIX + "(\\w+)\\b");
    private static final Pattern CREATE_TABLE = Pattern.compile("CREATE TABLE IF NOT EXISTS (\\S+) \\(");
    private static final Pattern ALTER_TABLE = Pattern.compile("^ALTER TABLE (\\S+) ");
    private static final Pattern ADD_COLUMN = Pattern.compile("ADD COLUMN (?:IF NOT EXISTS )?([a-z_]+) ");
    private static final Pattern COLUMN = Pattern.compile("^\\s+([a-z_]+)\\s+[A-Z]", Pattern.MULTILINE);
    private static final Set<String> NOT_COLUMNS = Set.of("constraint", "primary", "unique", "key");

    private final String resource;
    private final String text;

    private SchemaScript(String resource, String text) {
        this.resource = resource;
        this.text = text;
    }

    public static SchemaScript load(String resource, TableNames tables) {
        try (InputStream in = SchemaScript.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("schema script " + resource + " is not on the classpath");
            }
            return new SchemaScript(resource, render(new String(in.readAllBytes(), StandardCharsets.UTF_8), tables));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read schema script " + resource, e);
        }
    }

    static String render(String script, TableNames tables) {
        Matcher m = NAME.matcher(script);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String base = m.group(1);
            String name = TABLES.contains(base) ? tables.qualified(base) : tables.prefix() + base;
            m.appendReplacement(out, Matcher.quoteReplacement(name));
        }
        return m.appendTail(out).toString();
    }

    public String resource() {
        return resource;
    }

    /** The rendered script. */
    public String text() {
        return text;
    }

    /** The statements of the script, without comments; each ends where a line ends with {@code ;}. */
    public List<String> statements() {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                continue;
            }
            current.append(line).append('\n');
            if (trimmed.endsWith(";")) {
                statements.add(current.substring(0, current.lastIndexOf(";")).strip());
                current.setLength(0);
            }
        }
        return statements;
    }

    /** Each table the script creates or adds columns to, with those columns in order. */
    public Map<String, List<String>> tables() {
        Map<String, List<String>> tables = new LinkedHashMap<>();
        for (String statement : statements()) {
            Matcher create = CREATE_TABLE.matcher(statement);
            Matcher alter = ALTER_TABLE.matcher(statement);
            if (create.find()) {
                List<String> columns = new ArrayList<>();
                Matcher column = COLUMN.matcher(statement);
                while (column.find()) {
                    if (!NOT_COLUMNS.contains(column.group(1))) {
                        columns.add(column.group(1));
                    }
                }
                tables.computeIfAbsent(create.group(1), t -> new ArrayList<>()).addAll(columns);
            } else if (alter.find()) {
                Matcher added = ADD_COLUMN.matcher(statement);
                while (added.find()) {
                    tables.computeIfAbsent(alter.group(1), t -> new ArrayList<>()).add(added.group(1));
                }
            }
        }
        return tables;
    }
}
