package dev.outbox.testing;

import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Entry point of a server run in a child JVM: halts when the test JVM that started it exits, however it exits,
 * so a killed build never leaves a broker behind. Arguments: parent pid, main class, the main class's arguments.
 */
public final class ChildJvmMain {
    private ChildJvmMain() {
    }

    public static void main(String[] args) throws Exception {
        long parent = Long.parseLong(args[0]);
        ProcessHandle.of(parent).ifPresentOrElse(
                handle -> handle.onExit().thenRun(() -> Runtime.getRuntime().halt(0)),
                () -> Runtime.getRuntime().halt(0));
        Method main = Class.forName(args[1]).getMethod("main", String[].class);
        main.invoke(null, (Object) Arrays.copyOfRange(args, 2, args.length));
    }
}
