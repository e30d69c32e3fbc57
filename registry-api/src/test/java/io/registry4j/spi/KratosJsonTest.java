package io.registry4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registry4j.ServiceInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KratosJsonTest {

    @Test
    void encodesExactlyAsGoEncodingJson() {
        ServiceInstance i = ServiceInstance.builder()
                .id("7f3a")
                .name("helloworld")
                .version("v1.0.0")
                .putMetadata("zone", "a<b>&c")
                .putMetadata("app", "Grüße 🚀\n\"q\"\\")
                .endpoint("grpc://10.0.0.7:9000")
                .endpoint("http://10.0.0.7:8000")
                .build();
        // Keys sorted; <, > and & escaped as Go does; other unicode as is.
        assertThat(KratosJson.encode(i))
                .isEqualTo("{\"id\":\"7f3a\",\"name\":\"helloworld\",\"version\":\"v1.0.0\","
                        + "\"metadata\":{\"app\":\"Grüße 🚀\\n\\\"q\\\"\\\\\",\"zone\":\"a\\u003cb\\u003e\\u0026c\"},"
                        + "\"endpoints\":[\"grpc://10.0.0.7:9000\",\"http://10.0.0.7:8000\"]}");
    }

    @Test
    void sortsMetadataKeysByCodePointLikeGo() {
        ServiceInstance i = ServiceInstance.builder()
                .id("x")
                .name("s")
                .putMetadata("\uFF21", "fullwidth A")
                .putMetadata("\uD83D\uDE80", "rocket")
                .endpoint("grpc://h:1")
                .build();
        // U+FF21 sorts before U+1F680 in UTF-8 (and code points), after it in UTF-16 units.
        assertThat(KratosJson.encode(i)).contains("{\"\uFF21\":\"fullwidth A\",\"\uD83D\uDE80\":\"rocket\"}");
    }

    @Test
    void roundTrips() {
        ServiceInstance i = ServiceInstance.builder()
                .id("x")
                .name("s")
                .putMetadata("\u2028", "\u0001\t")
                .endpoint("https://[::1]:8443")
                .build();
        assertThat(KratosJson.decode(KratosJson.encode(i))).isEqualTo(i);
    }

    @Test
    void readsWhatGoKratosWritesIncludingNullMetadataAndUnknownFields() {
        String go = " {\"id\":\"u-1\",\"name\":\"orders\",\"version\":\"\",\"metadata\":null,"
                + "\"endpoints\":[\"grpc://127.0.0.1:9000?isSecure=false\"],\"weight\":1.5e2,\"extra\":{\"a\":[true,false,null]}} ";
        ServiceInstance i = KratosJson.decode(go);
        assertThat(i.id()).isEqualTo("u-1");
        assertThat(i.metadata()).isEmpty();
        assertThat(i.endpoints()).hasSize(1);
        assertThat(KratosJson.decode(
                                "{\"id\":\"a\",\"name\":\"b\",\"endpoints\":[\"h://x:1\"],\"metadata\":{\"k\":\"\\u00e9\\/\"}}")
                        .metadata())
                .containsEntry("k", "é/");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "garbage",
                "[]",
                "{\"id\":\"a\"",
                "{\"name\":\"b\",\"endpoints\":[\"h://x:1\"]}",
                "{\"id\":1,\"name\":\"b\",\"endpoints\":[\"h://x:1\"]}",
                "{\"id\":\"a\",\"name\":\"b\",\"endpoints\":\"h://x:1\"}",
                "{\"id\":\"a\",\"name\":\"b\",\"endpoints\":[\"no port\"]}",
                "{\"id\":\"a\",\"name\":\"b\",\"endpoints\":[]}",
                "{\"id\":\"a\",\"name\":\"b\",\"endpoints\":[\"h://x:1\"],\"metadata\":{\"k\":1}}",
                "{\"id\":\"a\",\"name\":\"b\",\"endpoints\":[\"h://x:1\"],\"metadata\":[]}",
                "{\"id\":\"a\",\"name\":\"b\",\"endpoints\":[\"h://x:1\"]} trailing",
                "{\"id\":\"a\\x\",\"name\":\"b\",\"endpoints\":[\"h://x:1\"]}",
                "{\"id\":\"a\",\"name\":\"b\",\"endpoints\":[1e999e]}"
            })
    void rejectsWhatIsNotAnInstanceWithAReason(String text) {
        assertThatThrownBy(() -> KratosJson.decode(text))
                .isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(e.getMessage()).isNotBlank());
        assertThat(KratosJson.tryDecode(text)).isNull();
    }

    @Test
    void refusesAbsurdNesting() {
        assertThatThrownBy(() -> KratosJson.decode("[".repeat(10_000))).hasMessageContaining("nesting");
    }
}
