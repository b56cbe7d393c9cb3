package dev.outbox;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.h2.jdbcx.JdbcDataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

class OutboxBuilderTest {
    private final JdbcDataSource dataSource = new JdbcDataSource();

    OutboxBuilderTest() {
        dataSource.setURL("jdbc:h2:mem:builder");
    }

    @Test
    void settingsOutOfRangeAreRefusedNamingTheSetting() {
        assertThatThrownBy(() -> Outbox.builder().dataSource(dataSource).partitions(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("partitions(0)");
        assertThatThrownBy(() -> Outbox.builder().dataSource(dataSource).maxPayloadBytes(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxPayloadBytes(0)");
        assertThatThrownBy(() -> Outbox.builder().dataSource(dataSource).maxDelay(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxDelay");
        assertThatThrownBy(() -> Outbox.builder().dataSource(dataSource).notifyInterval(Duration.ofMillis(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("notifyInterval");
        assertThatThrownBy(() -> Outbox.builder().dataSource(dataSource).notifyInterval(Duration.ofSeconds(2)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("notifyInterval")
                .hasMessageContaining(Outbox.MAX_NOTIFY_INTERVAL.toString());
        assertThatThrownBy(() -> Outbox.builder().dataSource(dataSource).notifyInterval(null).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("notifyInterval");
        assertThatCode(() -> Outbox.builder().dataSource(dataSource).notifyInterval(Duration.ZERO).build())
                .doesNotThrowAnyException();
    }

    @Test
    void exactlyOneOfDataSourceAndJdbiIsRequired() {
        assertThatThrownBy(() -> Outbox.builder().build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("neither");
        assertThatThrownBy(() -> Outbox.builder().dataSource(dataSource).jdbi(Jdbi.create(dataSource)).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("both");
    }
}
