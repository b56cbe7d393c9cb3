package dev.outbox.spring;

import dev.outbox.Jackson3Codec;
import dev.outbox.JsonCodec;
import dev.outbox.Outbox;
import dev.outbox.kafka.KafkaPublisher;
import dev.outbox.micrometer.MicrometerOutboxMetrics;
import dev.outbox.rabbitmq.RabbitPublisher;
import dev.outbox.spi.ConsumerBinding;
import dev.outbox.spi.MessagePublisher;
import dev.outbox.spi.OutboxListener;
import dev.outbox.opentelemetry.OpenTelemetryTracing;
import dev.outbox.spi.PayloadCodec;
import dev.outbox.spi.TraceContextPropagator;
import dev.outbox.sqs.SqsPublisher;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ResourceLoader;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.util.ClassUtils;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import org.jspecify.annotations.Nullable;

/**
 * The outbox on the application's {@code DataSource}: the writer joining Spring transactions, the schema brought up
 * to date, the relay started with the context and a publisher chosen from what the application has, idempotent
 * consumers in Spring transactions, consumer bindings started and stopped with the context, Micrometer metrics, and
 * the actuator health indicator and endpoint. Every bean backs off when the application declares its own.
 *
 * <p>Used only by Spring while the context starts.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
        "org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration",
        "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration",
        "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration",
        "org.springframework.boot.liquibase.autoconfigure.LiquibaseAutoConfiguration",
        "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration",
        "org.springframework.boot.amqp.autoconfigure.RabbitAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"})
@ConditionalOnClass(Outbox.class)
@ConditionalOnBean(DataSource.class)
@EnableConfigurationProperties(OutboxProperties.class)
public class OutboxAutoConfiguration {

    /** After the application's own Flyway, Liquibase or SQL initialisation, which may create the schema. */
    @Bean
    @ConditionalOnMissingBean
    @DependsOnDatabaseInitialization
    OutboxSchemaInitializer outboxSchemaInitializer(DataSource dataSource, OutboxProperties properties,
                                                    ResourceLoader resourceLoader) {
        return new OutboxSchemaInitializer(dataSource, properties, resourceLoader);
    }

    @Bean
    @ConditionalOnMissingBean
    Outbox outbox(DataSource dataSource, OutboxProperties properties, PayloadCodec outboxPayloadCodec,
                  OutboxSchemaInitializer schema, ObjectProvider<TraceContextPropagator> tracing) {
        Outbox.Builder builder = Outbox.builder();
        tracing.ifAvailable(builder::tracePropagator);
        return PropertyErrors.named(properties, "", () -> builder
                .dataSource(dataSource)
                .connectionSupplier(new SpringConnectionSupplier(dataSource))
                .tables(properties.tables())
                .codec(outboxPayloadCodec)
                .partitions(properties.getPartitions())
                .notifyRelays(properties.isNotifyRelays())
                .notifyInterval(properties.getNotifyInterval())
                .maxPayloadBytes(properties.getMaxPayloadBytes())
                .build());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(PlatformTransactionManager.class)
    OutboxConsumers outboxConsumers(DataSource dataSource, PlatformTransactionManager transactionManager,
                                    OutboxProperties properties, PayloadCodec outboxPayloadCodec,
                                    ObjectProvider<TraceContextPropagator> tracing) {
        return new OutboxConsumers(dataSource, transactionManager, properties, outboxPayloadCodec,
                tracing.getIfAvailable());
    }

    /** Spans through the application's OpenTelemetry SDK (Boot builds one without making it global). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.opentelemetry.api.OpenTelemetry")
    static class Tracing {
        @Bean
        @ConditionalOnMissingBean(TraceContextPropagator.class)
        @ConditionalOnBean(type = "io.opentelemetry.api.OpenTelemetry")
        TraceContextPropagator outboxTracing(io.opentelemetry.api.OpenTelemetry openTelemetry) {
            return OpenTelemetryTracing.of(openTelemetry);
        }
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBooleanProperty(name = "outbox.relay.enabled", matchIfMissing = true)
    OutboxRelayLifecycle outboxRelay(Outbox outbox, ObjectProvider<MessagePublisher> publishers,
                                     OutboxProperties properties, ObjectProvider<OutboxListener> listeners) {
        MessagePublisher primary = publishers.getIfUnique();
        List<MessagePublisher> candidates = primary != null ? List.of(primary) : publishers.orderedStream().toList();
        return new OutboxRelayLifecycle(outbox, candidates, properties, listeners.orderedStream().toList());
    }

    @Bean
    @ConditionalOnBean(ConsumerBinding.class)
    ConsumerBindingsLifecycle outboxConsumerBindings(List<ConsumerBinding> bindings) {
        return new ConsumerBindingsLifecycle(bindings);
    }

    /** The payload codec: the application's Jackson 3 mapper (Boot 4), else its Jackson 2 mapper, else the default. */
    @Bean
    @ConditionalOnMissingBean(name = "outboxPayloadCodec")
    PayloadCodec outboxPayloadCodec(ListableBeanFactory beans, ResourceLoader resourceLoader) {
        if (ClassUtils.isPresent("tools.jackson.databind.json.JsonMapper", resourceLoader.getClassLoader())) {
            PayloadCodec codec = Jackson3.codec(beans);
            if (codec != null) {
                return codec;
            }
        }
        com.fasterxml.jackson.databind.ObjectMapper mapper = beans
                .getBeanProvider(com.fasterxml.jackson.databind.ObjectMapper.class).getIfUnique();
        return mapper != null ? JsonCodec.using(mapper) : JsonCodec.create();
    }

    /** Jackson 3, in a class of its own: loaded only where it is on the class path. */
    private static final class Jackson3 {
        static @Nullable PayloadCodec codec(ListableBeanFactory beans) {
            tools.jackson.databind.json.JsonMapper mapper = beans
                    .getBeanProvider(tools.jackson.databind.json.JsonMapper.class).getIfUnique();
            return mapper == null ? null : Jackson3Codec.using(mapper);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({KafkaPublisher.class, org.springframework.boot.kafka.autoconfigure.KafkaProperties.class})
    @ConditionalOnProperty(name = "spring.kafka.bootstrap-servers")
    static class Kafka {
        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean(MessagePublisher.class)
        KafkaPublisher outboxKafkaPublisher(org.springframework.boot.kafka.autoconfigure.KafkaProperties kafka) {
            return KafkaPublisher.builder(kafka.buildProducerProperties()).build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({RabbitPublisher.class,
            org.springframework.amqp.rabbit.connection.AbstractConnectionFactory.class})
    static class Rabbit {
        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean(MessagePublisher.class)
        @ConditionalOnBean(org.springframework.amqp.rabbit.connection.AbstractConnectionFactory.class)
        RabbitPublisher outboxRabbitPublisher(
                org.springframework.amqp.rabbit.connection.AbstractConnectionFactory connectionFactory) {
            return RabbitPublisher.builder(connectionFactory.getRabbitConnectionFactory()).build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({SqsPublisher.class, SqsAsyncClient.class})
    static class Sqs {
        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean(MessagePublisher.class)
        @ConditionalOnBean(SqsAsyncClient.class)
        SqsPublisher outboxSqsPublisher(SqsAsyncClient sqs) {
            return SqsPublisher.builder(sqs).build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({MeterRegistry.class, MicrometerOutboxMetrics.class})
    static class Metrics {
        @Bean
        @ConditionalOnBean(MeterRegistry.class)
        @ConditionalOnMissingBean
        MicrometerOutboxMetrics outboxMetrics(Outbox outbox, MeterRegistry registry) {
            return new MicrometerOutboxMetrics(outbox, registry);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "outboxHealthIndicator")
        OutboxHealthIndicator outboxHealthIndicator(Outbox outbox, ObjectProvider<OutboxRelayLifecycle> relay,
                                                    OutboxProperties properties) {
            return new OutboxHealthIndicator(outbox, relay, properties);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
    static class Endpoint {
        @Bean
        @ConditionalOnMissingBean
        OutboxEndpoint outboxEndpoint(Outbox outbox) {
            return new OutboxEndpoint(outbox);
        }
    }
}
