package dev.outbox.rabbitmq;

/** The binding contract on quorum queues, whose delivery count the binding reads as the attempt number. */
class RabbitQuorumConsumerBindingTest extends RabbitConsumerBindingTest {

    @Override
    protected RabbitTopology.QueueType queueType() {
        return RabbitTopology.QueueType.QUORUM;
    }
}
