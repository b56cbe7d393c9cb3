package dev.outbox.spring;

import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.beans.BeanWrapperImpl;
import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.jspecify.annotations.Nullable;

/**
 * Names the {@code outbox.*} property behind a value the library rejects. The builders name their own setting
 * ({@code OutboxRelay.builder().batchSize(0) must be ...}); a Spring user set a property, so the error is rethrown
 * as Spring Boot's {@link InvalidConfigurationPropertyValueException}, whose failure analysis prints the property,
 * its value and where it was set.
 */
final class PropertyErrors {
    /** The library's name of a setting: {@code Outbox.builder().notifyInterval(}, {@code TableNames.prefix '}. */
    private static final Pattern SETTING = Pattern.compile(
            "^(Outbox|OutboxRelay|IdempotentConsumer)\\.builder\\([^)]*\\)\\.(\\w+)"
                    + "|^TableNames\\.(\\w+)|^RetryPolicy\\.exponential|^DeadLetterPolicy\\.afterAttempts");
    /** Settings whose property is not the setting's own name: their bean path relative to their section. */
    private static final Map<String, String> RENAMED = Map.of(
            "relayId", "id",
            "TableNames.prefix", "tablePrefix",
            "TableNames.schema", "tableSchema",
            "RetryPolicy.exponential", "retry",
            "DeadLetterPolicy.afterAttempts", "deadLetter.maxAttempts");

    private PropertyErrors() {
    }

    /**
     * Runs {@code settings}; an {@link IllegalArgumentException} that names a setting of the section
     * {@code section} ({@code ""} for {@code outbox.*}, {@code "relay"}, {@code "consumer"}) is rethrown naming
     * the property.
     */
    static <T> T named(OutboxProperties properties, String section, Supplier<T> settings) {
        try {
            return settings.get();
        } catch (IllegalArgumentException e) {
            String path = beanPath(section, e.getMessage());
            BeanWrapperImpl bean = new BeanWrapperImpl(properties);
            if (path == null || !bean.isReadableProperty(path)) {
                throw e;
            }
            InvalidConfigurationPropertyValueException named = new InvalidConfigurationPropertyValueException(
                    "outbox." + DataObjectPropertyName.toDashedForm(path), bean.getPropertyValue(path),
                    e.getMessage());
            named.addSuppressed(e);
            throw named;
        }
    }

    /**
     * The property, relative to {@code outbox.}, for the setting named at the start of {@code message}; null when
     * the message names none.
     */
    static @Nullable String property(String section, @Nullable String message) {
        String path = beanPath(section, message);
        return path == null ? null : DataObjectPropertyName.toDashedForm(path);
    }

    /** The setting named at the start of {@code message} as a bean path of {@link OutboxProperties}, or null. */
    private static @Nullable String beanPath(String section, @Nullable String message) {
        Matcher m = SETTING.matcher(message == null ? "" : message);
        if (!m.find()) {
            return null;
        }
        String setting = m.group(2) != null ? m.group(2)
                : m.group(3) != null ? "TableNames." + m.group(3) : m.group();
        String relative = RENAMED.getOrDefault(setting, setting);
        boolean global = m.group(3) != null || "Outbox".equals(m.group(1));
        return global || section.isEmpty() ? relative : section + "." + relative;
    }
}
