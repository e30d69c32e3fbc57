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
                "{\"id\":\"\",\"name\":\"b\",\"endpoints\":[\"h://x:1\"]}",
                "{\"id\":\"a\",\"name\":\"\",\"endpoints\":[\"h://x:1\"]}",
                "{\"id\":\"a\",\"name\":\"a/b\",\"endpoints\":[\"h://x:1\"]}",
                "{\"id\":\"a\",\"name\":\"hello world\",\"endpoints\":[\"h://x:1\"]}",
                "{\"id\":\"a\",\"name\":\"b\",\"endpoints\":[\"grpc://h:1\",\"grpc://bad host:1\"]}",
                "{\"id\":\"a\",\"name\":\"b\",\"endpoints\":[\"10.0.0.7:9000\"]}",
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
    void decodesPlainAndEscapedStringsAlike() {
        // Plain strings take the substring fast path; an escape anywhere sends the string to the full decoder.
        ServiceInstance i = KratosJson.decode("{\"id\":\"plain-id\",\"name\":\"s\",\"version\":\"v\\\"1\\\"\","
                + "\"metadata\":{\"a\\tb\":\"x\\u0041y\",\"k\":\"end\\\\\"},"
                + "\"endpoints\":[\"grpc://127.0.0.1:9000\"]}");
        assertThat(i.id()).isEqualTo("plain-id");
        assertThat(i.version()).isEqualTo("v\"1\"");
        assertThat(i.metadata()).containsEntry("a\tb", "xAy").containsEntry("k", "end\\");
        assertThatThrownBy(() -> KratosJson.decode("{\"id\":\"a\u0001\",\"name\":\"b\",\"endpoints\":[\"h://x:1\"]}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("control character");
        assertThatThrownBy(() -> KratosJson.decode("{\"id\":\"abc"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unterminated string");
    }

    @Test
    void readsInOnePassAsATreeWould() {
        // Repeated fields: the last counts, as in Go; a field name written with escapes is still that field; unknown
        // values of any shape are checked and skipped; a null metadata value is empty.
        ServiceInstance i = KratosJson.decode("{\"id\":\"old\",\"n\\u0061me\":\"s\",\"x\":{\"a\":[1,-2.5e+3,{}]},"
                + "\"metadata\":{\"gone\":\"1\"},\"metadata\":{\"k\":null,\"j\":\"v\",\"j\":\"w\"},"
                + "\"endpoints\":[\"grpc://h:1\"],\"endpoints\":[\"grpc://h:2\"],\"id\":\"new\"}");
        assertThat(i.id()).isEqualTo("new");
        assertThat(i.name()).isEqualTo("s");
        assertThat(i.metadata()).containsOnly(java.util.Map.entry("k", ""), java.util.Map.entry("j", "w"));
        assertThat(i.endpoints()).containsExactly(java.net.URI.create("grpc://h:2"));
        // Syntax is checked over the whole text before any field's value is judged.
        assertThatThrownBy(() -> KratosJson.decode("{\"id\":1,\"name\":\"s\",\"x\":01}"))
                .hasMessageContaining("bad number");
        assertThat(KratosJson.decode("{\"id\":\"a\",\"name\":\"s\",\"metadata\":{\"k\":1,\"k\":\"v\"}}")
                        .metadata())
                .as("a bad value replaced by a good one is no error")
                .containsEntry("k", "v");
    }

    @Test
    void refusesAbsurdNesting() {
        assertThatThrownBy(() -> KratosJson.decode("[".repeat(10_000))).hasMessageContaining("nesting");
    }

    /** What Kratos' Go code writes and reads, though registry4j would not register it; each is read as is. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"id\":\"1\",\"name\":\"s\",\"version\":\"\",\"metadata\":null,\"endpoints\":[\"grpc://10.0.0.7\"]}",
                "{\"id\":\"实例-1\",\"name\":\"s\",\"version\":\"\",\"metadata\":null,\"endpoints\":[\"grpc://h:1\"]}",
                "{\"id\":\"a b\",\"name\":\"s\",\"version\":\"\",\"metadata\":null,\"endpoints\":[\"grpc://h:1\"]}",
                "{\"id\":\"a/b\",\"name\":\"s\",\"version\":\"\",\"metadata\":null,\"endpoints\":[\"grpc://h:1\"]}",
                "{\"id\":\"1\",\"name\":\"Grüße.v1:grpc\",\"version\":\"\",\"metadata\":null,\"endpoints\":[\"grpc://h:1\"]}",
                "{\"id\":\"1\",\"name\":\"s\",\"version\":\"\",\"metadata\":null,\"endpoints\":[]}",
                "{\"id\":\"1\",\"name\":\"s\",\"version\":\"\",\"metadata\":null,\"endpoints\":null}",
                "{\"id\":\"1\",\"name\":\"s\",\"version\":\"\",\"metadata\":null}",
                "{\"id\":\"1\",\"name\":\"s\",\"version\":\"\",\"metadata\":null,\"endpoints\":[\"grpc://h:1\",\"grpc://h:1\"]}",
                "{\"id\":\"1\",\"name\":\"s\",\"version\":\"\",\"metadata\":{\"\":\"v\"},\"endpoints\":[\"grpc://h:1\"]}",
                "{\"id\":\"1\",\"name\":\"s\",\"version\":\"\",\"metadata\":{\"registry4j.id\":\"v\"},\"endpoints\":[\"grpc://h:1\"]}",
                "{\"id\":\"1\",\"name\":\"s\",\"version\":\"\",\"metadata\":null,\"endpoints\":[\"http://admin:pw@h:80\"]}"
            })
    void readsWhatKratosAcceptsEvenIfRegisterWouldNot(String text) {
        ServiceInstance i = KratosJson.decode(text);
        assertThat(i).isEqualTo(KratosJson.decode(KratosJson.encode(i)));
        assertThatThrownBy(i::checkPortable).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsDockerComposeNamesWhichAreAlsoPortable() {
        ServiceInstance i = KratosJson.decode("{\"id\":\"1\",\"name\":\"my_service\",\"version\":\"\","
                + "\"metadata\":null,\"endpoints\":[\"grpc://my_service:9000\"]}");
        assertThat(i.name()).isEqualTo("my_service");
        assertThat(i.endpoints()).containsExactly(java.net.URI.create("grpc://my_service:9000"));
        assertThat(i.checkPortable()).isSameAs(i);
    }

    @Test
    void readsLongIdsAndVersionsWhole() {
        String id = "i".repeat(300);
        String version = "v".repeat(300);
        ServiceInstance i = KratosJson.decode("{\"id\":\"" + id + "\",\"name\":\"s\",\"version\":\"" + version
                + "\",\"metadata\":{},\"endpoints\":[\"grpc://h:1\"]}");
        assertThat(i.id()).isEqualTo(id);
        assertThat(i.version()).isEqualTo(version);
    }
}
