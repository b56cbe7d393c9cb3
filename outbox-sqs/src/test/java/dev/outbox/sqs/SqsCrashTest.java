package dev.outbox.sqs;

import dev.outbox.testing.CrashContract;
import dev.outbox.testing.CrashTestBroker;

/** The crash contract on SQS (ElasticMQ): killed relays and consumers; a killed consumer's messages return after
 * their visibility timeout. */
class SqsCrashTest extends CrashContract {

    @Override
    protected Class<? extends CrashTestBroker> broker() {
        return SqsCrashBroker.class;
    }
}
