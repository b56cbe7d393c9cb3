package dev.outbox.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class ReasonsTest {

    @Test
    void aReasonIsTheClassAndTheFirstLineWithoutDatabaseValues() {
        SQLException duplicate = new SQLException("ERROR: duplicate key value violates unique constraint \"uniq_pkey\"\n"
                + "  Detail: Key (v)=(card-4111) already exists.", "23505");
        assertThat(Reasons.of(new CompletionException(duplicate)))
                .isEqualTo("java.sql.SQLException [SQLState 23505]: ERROR: duplicate key value violates unique "
                        + "constraint …");
        assertThat(Reasons.of(new SQLException("(conn=7) Duplicate entry 'card-4111' for key 'PRIMARY'", "23000")))
                .doesNotContain("card-4111");
    }

    @Test
    void userMessagesAreKeptButCleanedAndCut() {
        assertThat(Reasons.of(new IllegalStateException("unknown currency 'XYZ'\r\nsecond line")))
                .isEqualTo("java.lang.IllegalStateException: unknown currency 'XYZ'");
        assertThat(Reasons.text("a\u0000b\tc", 100)).isEqualTo("a b c");
        assertThat(Reasons.text("x".repeat(50), 10)).hasSize(10).endsWith("…");
    }

    @Test
    void foreignTextInALogLineCannotForgeALine() {
        assertThat(Reasons.forLog("id\r\n12:00 INFO forged")).isEqualTo("id\\r\\n12:00 INFO forged");
        assertThat(Reasons.forLog("\u0000\u202e")).isEqualTo("\\u0000\\u202e");
        assertThat(Reasons.forLog("y".repeat(500))).hasSize(Reasons.MAX_LOGGED + 1);
        assertThat(Reasons.forLog(null)).isEqualTo("null");
    }
}
