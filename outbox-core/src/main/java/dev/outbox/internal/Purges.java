package dev.outbox.internal;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;

/**
 * Deletes rows older than a cutoff in bounded batches, one short statement each, so that a purge of any backlog
 * never holds long locks or a huge undo log.
 */
public final class Purges {
    /** Rows deleted per statement. */
    public static final int BATCH = 5_000;

    private Purges() {
    }

    /** Deletes every row of {@code table} whose {@code column} is before {@code cutoff}; returns how many. */
    public static long olderThan(Database database, String table, String column, Instant cutoff) throws SQLException {
        long purged = 0;
        int deleted;
        do {
            deleted = database.withConnection((c, stores) -> {
                try (PreparedStatement ps = c.prepareStatement(stores.dialect().deleteAtMost(table, column + " < ?",
                        BATCH))) {
                    stores.dialect().setInstant(ps, 1, cutoff);
                    return ps.executeUpdate();
                }
            });
            purged += deleted;
        } while (deleted == BATCH);
        return purged;
    }
}
