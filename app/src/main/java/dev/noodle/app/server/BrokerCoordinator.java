package dev.noodle.app.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's side of running prompts: it runs none itself, so {@code /interrupt} and {@code /free} become
 * commands on the broker ({@value Broker#COMMANDS}) that every worker hears, and what a client's prompt is doing now
 * comes from the workers' advertisements. Thread-safe.
 */
final class BrokerCoordinator implements RunControl {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerCoordinator.class);
    private final Broker broker;
    private final BrokerPromptQueue queue;
    private final ObjectMapper mapper;

    BrokerCoordinator(Broker broker, BrokerPromptQueue queue, ObjectMapper mapper) {
        this.broker = broker;
        this.queue = queue;
        this.mapper = mapper;
    }

    @Override
    public boolean interrupt(String promptId) {
        boolean running = promptId == null ? !queue.running().isEmpty() : queue.isRunning(promptId);
        ObjectNode c = mapper.createObjectNode();
        c.put("op", "interrupt");
        c.put("prompt_id", promptId);
        publish(c);
        return running;
    }

    @Override
    public void requestFree(boolean unload, boolean free) {
        ObjectNode c = mapper.createObjectNode();
        c.put("op", "free");
        c.put("unload_models", unload);
        c.put("free_memory", free);
        publish(c);
    }

    private void publish(ObjectNode command) {
        try {
            broker.connection().publish(Broker.COMMANDS, mapper.writeValueAsBytes(command));
            broker.connection().flush(java.time.Duration.ofSeconds(5));
        } catch (IOException | java.util.concurrent.TimeoutException | InterruptedException | RuntimeException e) {
            LOG.debug("command not confirmed: {}", e.getMessage());
            throw broker.failure("pass on the " + command.path("op").asText() + " command", e);
        }
    }

    @Override
    public Optional<RunningNode> runningNodeFor(String sid) {
        if (sid == null) {
            return Optional.empty();
        }
        for (WorkerAdvert w : queue.liveWorkers()) {
            if (sid.equals(w.clientId()) && w.promptId() != null && w.node() != null) {
                return Optional.of(new RunningNode(w.promptId(), w.node()));
            }
        }
        return Optional.empty();
    }

    @Override
    public ArrayNode workers(ObjectMapper m) {
        return queue.workersJson();
    }
}
