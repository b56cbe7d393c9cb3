package dev.outbox.kafka;

import dev.outbox.testing.CrashContract;
import dev.outbox.testing.CrashTestBroker;

/** The crash contract on Kafka: killed relays and consumers; no connection cuts (the broker is not ours to cut). */
class KafkaCrashTest extends CrashContract {

    @Override
    protected Class<? extends CrashTestBroker> broker() {
        return KafkaCrashBroker.class;
    }
}
