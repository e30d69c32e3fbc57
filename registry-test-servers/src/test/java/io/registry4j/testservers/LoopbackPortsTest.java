package io.registry4j.testservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {

    @Test
    void freePortIsBindableOnLoopbackAndNeverAStandardPort() throws IOException {
        int port = LoopbackPorts.freePort();

        assertThat(LoopbackPorts.isStandardPort(port)).isFalse();
        try (ServerSocket socket = new ServerSocket(port, 0, LoopbackPorts.address())) {
            assertThat(socket.getInetAddress().isLoopbackAddress()).isTrue();
            assertThat(socket.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void standardPortsOfEveryBackendAreRecognised() {
        assertThat(List.of(2379, 2181, 8500, 8848, 8761)).allMatch(LoopbackPorts::isStandardPort);
        assertThat(LoopbackPorts.isStandardPort(41_234)).isFalse();
    }

    @Test
    void noPortIsHandedOutTwiceInOneJvm() {
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            ports.add(LoopbackPorts.freePort());
        }

        assertThat(ports).hasSize(100);
    }

    @Test
    void freePortBlockIsConsecutiveAndEveryPortInItIsBindable() throws IOException {
        int first = LoopbackPorts.freePortBlock(3);

        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int port = first; port < first + 3; port++) {
                assertThat(LoopbackPorts.isStandardPort(port)).isFalse();
                sockets.add(new ServerSocket(port, 0, LoopbackPorts.address()));
            }
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
        assertThat(sockets).hasSize(3);
    }

    @Test
    void freePortBlockRejectsAnEmptyBlock() {
        assertThatThrownBy(() -> LoopbackPorts.freePortBlock(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void hostIsTheLoopbackAddressInUriForm() {
        assertThat(LoopbackPorts.address().isLoopbackAddress()).isTrue();
        assertThat(LoopbackPorts.host()).isIn("127.0.0.1", "[::1]");
    }
}
