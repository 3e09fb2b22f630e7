package dev.noodle.app.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code --broker} addresses: what {@code noodle serve --broker} and {@code noodle worker --broker} accept. */
class BrokerAddressTest {
    @Test
    void acceptsNatsAddressesAndFillsInTheSchemeAndPort() {
        assertEquals("nats://broker:4222", Broker.checkUrl("nats://broker:4222"));
        assertEquals("nats://broker:4222", Broker.checkUrl("broker"));
        assertEquals("nats://10.0.0.5:5000", Broker.checkUrl(" 10.0.0.5:5000 "));
        assertEquals("tls://broker:4222", Broker.checkUrl("tls://broker"));
        assertEquals("nats://user:secret@broker:4222", Broker.checkUrl("nats://user:secret@broker:4222"));
    }

    @Test
    void refusesOtherAddressesWithOneLineSayingWhatIsExpected() {
        assertRefused("http://broker:8188", "must be a NATS address such as nats://host:4222, not 'http://broker:8188'");
        assertRefused("", "is not an address; give nats://host:4222");
        assertRefused("nats://", "is not an address; give nats://host:4222");
        assertRefused("broker:42x", "'broker:42x' is not host:port");
        assertRefused("nats://broker:99999", "port 99999 is not between 1 and 65535");
        assertRefused("nats://broker:0", "port 0 is not between 1 and 65535");
    }

    @Test
    void showsTheAddressWithoutItsPasswordOrToken() {
        assertEquals("nats://user:***@broker:4222", Broker.shown(Broker.checkUrl("nats://user:secret@broker:4222")));
        assertEquals("tls://***@broker:4222", Broker.shown(Broker.checkUrl("tls://s3cr3t-token@broker")));
        assertEquals("nats://broker:4222", Broker.shown(Broker.checkUrl("broker")));
    }

    private static void assertRefused(String url, String expected) {
        QueueStoreException e = assertThrows(QueueStoreException.class, () -> Broker.checkUrl(url));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }
}
