package dev.outbox.internal;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Collection;

/** Small JDBC helpers shared by the stores. */
public final class Sql {
    private Sql() {
    }

    /** {@code ?, ?, ?} for an IN list of {@code n} values. */
    public static String placeholders(int n) {
        return n == 1 ? "?" : "?" + ", ?".repeat(n - 1);
    }

    /** Binds {@code values} from parameter {@code first}; returns the next free parameter index. */
    public static int bindLongs(PreparedStatement ps, int first, Collection<Long> values) throws SQLException {
        int i = first;
        for (long v : values) {
            ps.setLong(i++, v);
        }
        return i;
    }

    /** Binds {@code values} from parameter {@code first}; returns the next free parameter index. */
    public static int bindInts(PreparedStatement ps, int first, Collection<Integer> values) throws SQLException {
        int i = first;
        for (int v : values) {
            ps.setInt(i++, v);
        }
        return i;
    }

    public static void setNullable(PreparedStatement ps, int index, String value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
        } else {
            ps.setString(index, value);
        }
    }
}
